//! Error bodies shaped like PagerDuty's: RFC 6749 JSON from the identity service, the
//! `{"error":{...}}` envelope from the REST API.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An RFC 6749 section 5.2 error from the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", d)
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", d)
    }
    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", d)
    }
    pub fn unsupported_grant_type(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", d)
    }
    pub fn new(status: StatusCode, error: &'static str, d: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: d.into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// A REST API error in PagerDuty's envelope.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// 400 with code 2001 and the details.
    InvalidInput(String),
    /// 400 with code 2002 and the details.
    ArgumentsCausedError(String),
    /// 401: missing, unknown, expired or revoked token.
    Unauthorized,
    /// 401 as `Unauthorized`, with a text/plain body (`--plain-401`): PagerDuty's 401 bodies
    /// are not always JSON (text/html in 2017, not JSON for invalid and revoked OAuth tokens
    /// in 2025: terraform-provider-pagerduty #1016, #1055). The exact body is unknown.
    UnauthorizedPlain,
    /// 403: the token lacks a scope this endpoint needs.
    MissingScopes { required: String, token: String },
    /// 403 code 2010: the person's role does not allow this, whatever the token's scopes.
    Forbidden,
    /// 404 with code 2100.
    NotFound,
    /// 429 with code 2020.
    RateLimited,
    /// 402: the account lacks this ability. The message is the spec's `PaymentRequired`
    /// description, the code the errors page's "missing account ability"; the `errors` text
    /// is the sandbox's (PagerDuty's body is unknown, reference §12.3).
    PaymentRequired(String),
    /// An injected 500/502/503.
    Fault(StatusCode),
    /// An injected 502 after a write was applied (`--lost-response-rate`).
    LostResponse,
    /// Any other answer in PagerDuty's envelope: its status and message, with `code` and
    /// `errors` only where PagerDuty has been seen to send them.
    Other {
        status: StatusCode,
        message: &'static str,
        code: Option<u32>,
        errors: Vec<String>,
    },
    /// A request body that could not be read (over axum's 2 MB limit, or cut off): axum's own
    /// text/plain answer, as PagerDuty's is unknown.
    Unreadable { status: StatusCode, text: String },
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::InvalidInput(detail) => (
                StatusCode::BAD_REQUEST,
                json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": [detail]}}),
            ),
            ApiError::ArgumentsCausedError(detail) => (
                StatusCode::BAD_REQUEST,
                json!({"error": {"message": "Arguments Caused Error", "code": 2002, "errors": [detail]}}),
            ),
            ApiError::Unreadable { status, text } => return (status, text).into_response(),
            ApiError::Other {
                status,
                message,
                code,
                errors,
            } => {
                let mut e = json!({ "message": message });
                if let Some(code) = code {
                    e["code"] = json!(code);
                }
                if !errors.is_empty() {
                    e["errors"] = json!(errors);
                }
                (status, json!({ "error": e }))
            }
            ApiError::UnauthorizedPlain => {
                return (
                    StatusCode::UNAUTHORIZED,
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; charset=utf-8"),
                    )],
                    "Unauthorized",
                )
                    .into_response()
            }
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                json!({"error": {"message": "Authentication failed", "code": 2006}}),
            ),
            ApiError::MissingScopes { required, token } => (
                StatusCode::FORBIDDEN,
                json!({"error": {"message": "Token missing required scopes", "required_scopes": required, "token_scopes": token}}),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                json!({"error": {"message": "Access Denied", "code": 2010}}),
            ),
            ApiError::LostResponse => (
                StatusCode::BAD_GATEWAY,
                json!({"error": {"message": "Bad Gateway (injected by --lost-response-rate; the write was applied)", "code": 0}}),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                json!({"error": {"message": "Not Found", "code": 2100}}),
            ),
            ApiError::PaymentRequired(ability) => (
                StatusCode::PAYMENT_REQUIRED,
                json!({"error": {
                    "message": "Account does not have the abilities to perform the action",
                    "code": 2014,
                    "errors": [format!("The account does not have the {ability} ability")],
                }}),
            ),
            ApiError::RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": {"message": "Rate Limit Exceeded", "code": 2020}}),
            ),
            ApiError::Fault(status) => (
                status,
                json!({"error": {"message": "Internal Server Error (injected by --fail-rate)", "code": 0}}),
            ),
        };
        (status, Json(body)).into_response()
    }
}
