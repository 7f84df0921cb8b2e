//! The relay's log: one line per forwarded request with method, path, status and duration,
//! including requests the rate limit or the checks refuse. Never a header, query or body:
//! those carry codes, tokens and the secret.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;

/// Where log lines go (stderr in the binary, a buffer in tests).
pub type LogSink = Arc<dyn Fn(String) + Send + Sync>;

/// The middleware, outermost on the two forwarding routes (so the path is one of those two
/// fixed paths). Requests to other paths and methods are answered without a log line.
pub(crate) async fn access_log(State(log): State<LogSink>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request = format!("{} {}", req.method(), req.uri().path());
    let resp = next.run(req).await;
    log(format!(
        "{request} {} {}ms",
        resp.status().as_u16(),
        started.elapsed().as_millis()
    ));
    resp
}
