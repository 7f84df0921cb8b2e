//! Time limits on what clients send: a request body must arrive whole within the body
//! timeout (a total, not per read, so a slow-loris trickle of one byte a second cannot hold a
//! connection), and every request on the forwarding routes is answered within the request
//! timeout, whatever else is slow. Both answers close the connection.

use crate::error::RelayError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// Reads `body` whole: at most `limit` bytes, all of them within `timeout`.
pub(crate) async fn read_body(
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, RelayError> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Err(_) => Err(RelayError::BodyTimeout),
        Ok(Err(_)) => Err(RelayError::BodyTooLarge),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

/// The middleware: the request's answer, or `504 temporarily_unavailable` once `timeout`
/// has passed (what was in flight, an upstream call included, is dropped).
pub(crate) async fn deadline(
    State(timeout): State<Duration>,
    req: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => RelayError::RequestTimeout.into_response(),
    }
}
