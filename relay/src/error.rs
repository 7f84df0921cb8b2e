//! The relay's one error type. Every refusal and every upstream failure answers with an
//! RFC 6749 section 5.2 body (`error`, `error_description`), never cached, so the page reads
//! the relay's errors exactly as it reads PagerDuty's.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::time::Duration;

/// Why the relay answered instead of PagerDuty. The texts never quote what the browser
/// sent, except a repeated parameter's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RelayError {
    /// A path the relay does not forward.
    UnknownPath,
    /// No `Origin`, or one that is not an allowed origin: not the page.
    NotFromPage,
    /// The browser says the request comes from another site (or from no page at all), and
    /// the relay was not told the page lives on another site.
    OtherSite,
    /// The sender's rate window is full; it has room again after the duration.
    SlowDown(Duration),
    /// The body is larger than a token request can be.
    BodyTooLarge,
    /// The body did not arrive whole within the body timeout.
    BodyTimeout,
    /// The relay could not answer within the request timeout.
    RequestTimeout,
    /// The body is not a form.
    NotForm,
    /// A parameter appears more than once (its decoded name).
    Repeated(String),
    /// The request is not for the one client id this relay serves.
    OtherClient,
    /// The browser sent a client secret.
    SecretFromBrowser,
    /// A grant other than authorization_code and refresh_token.
    UnsupportedGrant,
    /// PagerDuty did not answer within the upstream timeout.
    UpstreamTimeout,
    /// PagerDuty could not be reached.
    UpstreamUnreachable,
    /// PagerDuty's answer broke off.
    UpstreamBrokeOff,
    /// PagerDuty answered with this status and a body that is not JSON.
    UpstreamNotJson(StatusCode),
    /// PagerDuty's answer holds the client secret: it is not passed on, and the description
    /// says nothing about it.
    UpstreamCarriesSecret,
}

impl RelayError {
    /// The HTTP status, the RFC 6749 error code and the description.
    fn parts(&self) -> (StatusCode, &'static str, String) {
        let (status, error, description) = match self {
            RelayError::UnknownPath => (
                StatusCode::NOT_FOUND,
                "invalid_request",
                "pd-token-relay only forwards POST /oauth/token and POST /oauth/revoke.",
            ),
            RelayError::NotFromPage => (
                StatusCode::FORBIDDEN,
                "invalid_request",
                "pd-token-relay answers only the pdscope page at its --allow-origin origins.",
            ),
            RelayError::OtherSite => (
                StatusCode::FORBIDDEN,
                "invalid_request",
                "The browser says this request comes from another site than the relay's; if the \
                 page and the relay are on different sites, start the relay with --allow-cross-site.",
            ),
            RelayError::SlowDown(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "slow_down",
                "Too many requests from this address; wait a minute.",
            ),
            RelayError::BodyTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                "The request body is larger than a token request can be.",
            ),
            RelayError::BodyTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "invalid_request",
                "The request body did not arrive in time.",
            ),
            RelayError::RequestTimeout => (
                StatusCode::GATEWAY_TIMEOUT,
                "temporarily_unavailable",
                "The relay could not answer in time; try again.",
            ),
            RelayError::NotForm => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The body must be application/x-www-form-urlencoded.",
            ),
            RelayError::Repeated(name) => {
                let description = format!("repeated parameter: {name}");
                return (StatusCode::BAD_REQUEST, "invalid_request", description);
            }
            RelayError::OtherClient => (
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "This relay serves one client id, and the request is not for it.",
            ),
            RelayError::SecretFromBrowser => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The browser must never send a client secret; the relay adds it.",
            ),
            RelayError::UnsupportedGrant => (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The relay forwards only authorization_code and refresh_token grants.",
            ),
            RelayError::UpstreamTimeout => (
                StatusCode::GATEWAY_TIMEOUT,
                "temporarily_unavailable",
                "PagerDuty's identity service did not answer in time; try again.",
            ),
            RelayError::UpstreamUnreachable => (
                StatusCode::BAD_GATEWAY,
                "temporarily_unavailable",
                "PagerDuty's identity service could not be reached from the relay.",
            ),
            RelayError::UpstreamBrokeOff => (
                StatusCode::BAD_GATEWAY,
                "temporarily_unavailable",
                "PagerDuty's identity service broke off its answer.",
            ),
            RelayError::UpstreamCarriesSecret => (
                StatusCode::BAD_GATEWAY,
                "server_error",
                "PagerDuty's identity service gave an answer the relay does not pass on.",
            ),
            RelayError::UpstreamNotJson(status) => {
                let description = format!(
                    "PagerDuty's identity service answered HTTP {} with a body that is not JSON.",
                    status.as_u16()
                );
                return (StatusCode::BAD_GATEWAY, "server_error", description);
            }
        };
        (status, error, description.to_string())
    }
}

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        let (status, error, description) = self.parts();
        let mut resp = (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response();
        let headers = resp.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if matches!(self, RelayError::BodyTimeout | RelayError::RequestTimeout) {
            // Whatever is left of the body is not worth waiting for: close the connection.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let RelayError::SlowDown(wait) = self {
            // Whole seconds, rounded up, at least one (RFC 9110 section 10.2.3).
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_down_says_when_in_whole_seconds_rounded_up() {
        for (wait, secs) in [
            (0, "1"),
            (1, "1"),
            (1_000, "1"),
            (1_001, "2"),
            (59_999, "60"),
        ] {
            let resp = RelayError::SlowDown(Duration::from_millis(wait)).into_response();
            assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(resp.headers()[header::RETRY_AFTER], secs, "{wait} ms");
            assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
        }
        let resp = RelayError::OtherClient.into_response();
        assert!(resp.headers().get(header::RETRY_AFTER).is_none());
    }
}
