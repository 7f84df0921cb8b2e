//! The API-wide middleware between the network and the handlers: the network's latency, the
//! per-app-per-user rate limit with its `ratelimit-*` headers, bare 429s, injected failures
//! and lost responses, and saving the account after a successful write.

use super::caller::Caller;
use crate::error::ApiError;
use crate::state::{Shared, Window, RATE_WINDOW};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use std::time::Duration;

/// The rate-limit headers every answer to an authenticated request carries.
pub const RATE_HEADERS: [&str; 3] = ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"];

/// The network's round trip, for every request to the API host: a CORS preflight is a round
/// trip too, and a browser sends one before each cross-origin request with `Authorization`
/// (its preflight cache is per URL, so before each page of a list).
pub async fn latency(State(sb): State<Shared>, req: Request, next: Next) -> Response {
    if sb.options.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(sb.options.latency_ms)).await;
    }
    next.run(req).await
}

/// The per-app-per-user rate limit with its headers, and injected failures.
pub async fn limits_and_faults(State(sb): State<Shared>, req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    let o = &sb.options;
    // PagerDuty's docs warn a 429 may come without the headers or the body (reference §4.8).
    if o.bare_429_rate > 0.0 && rand::thread_rng().gen_bool(o.bare_429_rate) {
        return StatusCode::TOO_MANY_REQUESTS.into_response();
    }
    let (parts, body) = req.into_parts();
    let caller = Caller::of(&parts, &sb);
    let req = Request::from_parts(parts, body);
    let mut headers = None;
    if let Some(c) = &caller {
        let now = sb.now();
        let mut inner = sb.lock();
        let w = inner
            .windows
            .entry((c.client_id.clone(), c.user.id.clone()))
            .or_insert(Window {
                start: now,
                count: 0,
            });
        if now.saturating_duration_since(w.start) >= RATE_WINDOW {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        let age = now.saturating_duration_since(w.start).as_secs();
        let reset = RATE_WINDOW.as_secs().saturating_sub(age).max(1);
        let limited = w.count >= o.rate_limit;
        if !limited {
            w.count += 1;
        }
        headers = Some((o.rate_limit, o.rate_limit - w.count, reset));
        if limited {
            drop(inner);
            return with_rate_headers(ApiError::RateLimited.into_response(), headers);
        }
    }
    let write = ![Method::GET, Method::HEAD].contains(req.method());
    let fault = o.fail_rate > 0.0 && rand::thread_rng().gen_bool(o.fail_rate);
    let resp = if fault {
        let statuses = [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
        ];
        ApiError::Fault(statuses[rand::thread_rng().gen_range(0..3)]).into_response()
    } else {
        let resp = next.run(req).await;
        if write && resp.status().is_success() {
            if let Err(e) = sb.save_state() {
                eprintln!("pd-sandbox: {e}");
            }
        }
        // The write is applied; only its answer is lost on the way back.
        let lost = write
            && resp.status().is_success()
            && o.lost_response_rate > 0.0
            && rand::thread_rng().gen_bool(o.lost_response_rate);
        if lost {
            ApiError::LostResponse.into_response()
        } else {
            resp
        }
    };
    with_rate_headers(resp, headers)
}

fn with_rate_headers(mut resp: Response, h: Option<(u32, u32, u64)>) -> Response {
    if let Some((limit, remaining, reset)) = h {
        for (name, value) in RATE_HEADERS
            .iter()
            .zip([limit as u64, remaining as u64, reset])
        {
            if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
                resp.headers_mut().insert(*name, v);
            }
        }
    }
    resp
}
