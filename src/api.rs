//! PagerDuty REST API errors, typed: what happened and what the person can do about it.
//! Pure: the browser client maps an HTTP answer through [`classify`].

use serde_json::Value;
use thiserror::Error;

/// The `Accept` header every request carries.
pub const ACCEPT: &str = "application/vnd.pagerduty+json;version=2";

#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ApiError {
    #[error("PagerDuty no longer accepts this token (401). Sign in again.")]
    Unauthorized,
    #[error("This token lacks {}. It has: {}.", .required.join(", "), if .granted.is_empty() { "no scopes".to_string() } else { .granted.join(" ") })]
    MissingScope {
        required: Vec<String>,
        granted: Vec<String>,
    },
    #[error("PagerDuty says this user may not see this ({0}).")]
    Forbidden(String),
    /// What was not found, in words (see [`not_found_text`]).
    #[error("{0}")]
    NotFound(String),
    #[error("PagerDuty's rate limit was reached (429){}. pdscope waits and retries; try again shortly.", .reset_s.map(|s| format!(", resets in {s} s")).unwrap_or_default())]
    RateLimited { reset_s: Option<u64> },
    #[error("PagerDuty refused the request as invalid (400): {0}")]
    BadRequest(String),
    /// 402: the account's PagerDuty plan lacks an ability the request needs (PagerDuty's words).
    #[error("This PagerDuty account's plan does not include this (402): {0}")]
    PlanLacks(String),
    #[error("PagerDuty had a server error ({status}) at {endpoint}. Try again in a moment.")]
    Server { status: u16, endpoint: String },
    #[error("PagerDuty's API could not be reached ({0}). Check your network and the api_url/region in config.json.")]
    Network(String),
    #[error("PagerDuty's answer from {endpoint} could not be read: {detail}.")]
    Malformed { endpoint: String, detail: String },
    #[error("The PagerDuty API host for this account is not known yet: set \"region\" or \"api_url\" in config.json.")]
    NoApiUrl,
}

impl ApiError {
    /// Worth retrying after a pause (rate limits and server errors).
    pub fn retryable(&self) -> bool {
        matches!(self, ApiError::RateLimited { .. } | ApiError::Server { .. })
    }
}

fn scope_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .flat_map(|s| s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect(),
        _ => Vec::new(),
    }
}

/// A 404 in words: PagerDuty answers 404 both for what does not exist and for what this user
/// may not see, so say both, and never show the raw (URL-encoded) request path.
pub fn not_found_text(endpoint: &str) -> String {
    let path = endpoint.split(['?', '#']).next().unwrap_or_default();
    let mut parts = path.trim_matches('/').split('/');
    let collection = parts.next().unwrap_or_default();
    let what = match collection {
        "services" => "service",
        "users" => "user",
        "teams" => "team",
        "escalation_policies" => "escalation policy",
        _ => "",
    };
    match (what, parts.next()) {
        ("", _) => "PagerDuty has nothing here, or this user may not see it.".into(),
        (_, None) => format!(
            "PagerDuty answered 404 for its {collection} list: check api_url and region in config.json."
        ),
        (what, Some(_)) => format!("This {what} does not exist or you cannot see it."),
    }
}

/// Maps a non-2xx answer to an error. `reset_s` is `ratelimit-reset` when readable.
pub fn classify(status: u16, body: &str, endpoint: &str, reset_s: Option<u64>) -> ApiError {
    let answer = crate::json::parse(body);
    let err = answer.as_ref().and_then(|j| j.get("error"));
    let message = err
        .and_then(|e| crate::json::string(e, "message"))
        .unwrap_or_default();
    let details: Vec<String> = err
        .and_then(|e| e.get("errors"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    match status {
        401 => ApiError::Unauthorized,
        403 => {
            let required = scope_list(err.and_then(|e| e.get("required_scopes")));
            if !required.is_empty() || message.contains("missing required scopes") {
                ApiError::MissingScope {
                    required,
                    granted: scope_list(err.and_then(|e| e.get("token_scopes"))),
                }
            } else {
                ApiError::Forbidden(if message.is_empty() {
                    "403".into()
                } else {
                    message
                })
            }
        }
        404 => ApiError::NotFound(not_found_text(endpoint)),
        429 => ApiError::RateLimited { reset_s },
        402 => ApiError::PlanLacks(
            [message, details.join("; ")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(": "),
        ),
        400..=499 => ApiError::BadRequest(if details.is_empty() {
            if message.is_empty() {
                format!("HTTP {status}")
            } else {
                message
            }
        } else {
            format!("{message}: {}", details.join("; "))
        }),
        _ => ApiError::Server {
            status,
            endpoint: endpoint.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_402_keeps_its_status_and_pagerdutys_words() {
        let body = r#"{"error":{"message":"Account does not have the abilities to perform the action","code":2014,"errors":["The account does not have the teams ability"]}}"#;
        let e = classify(402, body, "/teams", None);
        assert_eq!(
            e,
            ApiError::PlanLacks(
                "Account does not have the abilities to perform the action: The account does not have the teams ability".into()
            )
        );
        assert!(e.to_string().contains("(402)"));
        assert_eq!(
            classify(402, "", "/teams", None),
            ApiError::PlanLacks(String::new())
        );
    }

    #[test]
    fn missing_scope_body_from_pagerdutys_article() {
        let body = r#"{"error":{"message":"Token missing required scopes","required_scopes":"users.read","token_scopes":"openid services.read"}}"#;
        let e = classify(403, body, "/users", None);
        assert_eq!(
            e,
            ApiError::MissingScope {
                required: vec!["users.read".into()],
                granted: vec!["openid".into(), "services.read".into()]
            }
        );
        assert_eq!(
            e.to_string(),
            "This token lacks users.read. It has: openid services.read."
        );
        // A list form and a message-only form are understood too.
        let e = classify(
            403,
            r#"{"error":{"message":"Token missing required scopes","required_scopes":["a.read","b.read"]}}"#,
            "/x",
            None,
        );
        assert!(matches!(e, ApiError::MissingScope { ref required, .. } if required.len() == 2));
        assert!(matches!(
            classify(
                403,
                r#"{"error":{"message":"Access Denied","code":2010}}"#,
                "/x",
                None
            ),
            ApiError::Forbidden(_)
        ));
    }

    #[test]
    fn statuses_map_to_typed_errors_even_without_json() {
        assert_eq!(
            classify(401, "<html>Unauthorized</html>", "/users/me", None),
            ApiError::Unauthorized
        );
        assert_eq!(
            classify(404, "", "/services/P1", None),
            ApiError::NotFound("This service does not exist or you cannot see it.".into())
        );
        assert_eq!(
            classify(429, "", "/x", Some(12)),
            ApiError::RateLimited { reset_s: Some(12) }
        );
        assert!(classify(429, "", "/x", None).retryable());
        let bad = classify(
            400,
            include_str!("../fixtures/pagerduty/error-envelope.json"),
            "/x",
            None,
        );
        assert_eq!(
            bad,
            ApiError::BadRequest(
                "Error Message String: human-readable error details; more details".into()
            )
        );
        assert_eq!(
            classify(503, "oops", "/x", None),
            ApiError::Server {
                status: 503,
                endpoint: "/x".into()
            }
        );
        assert!(classify(502, "", "/x", None).retryable());
        assert!(!ApiError::Unauthorized.retryable());
        assert!(ApiError::Malformed {
            endpoint: "/services".into(),
            detail: "x".into()
        }
        .to_string()
        .contains("/services"));
    }

    #[test]
    fn not_found_says_what_in_words_not_the_encoded_path() {
        let e = classify(404, "{}", "/users/P%3Cimg%3E?include%5B%5D=teams", None);
        assert_eq!(
            e.to_string(),
            "This user does not exist or you cannot see it."
        );
        assert!(!e.to_string().contains('%'));
        assert_eq!(
            not_found_text("/services/PX1"),
            "This service does not exist or you cannot see it."
        );
        assert_eq!(
            not_found_text("/services?limit=100&offset=0"),
            "PagerDuty answered 404 for its services list: check api_url and region in config.json."
        );
        assert_eq!(
            not_found_text("/incidents/1"),
            "PagerDuty has nothing here, or this user may not see it."
        );
    }

    #[test]
    fn the_paging_ceiling_answer_reads_as_pagerduty_wrote_it() {
        // PagerDuty's 400 code 2002 past offset + limit = 10,000 (the app plans below it; this
        // is what a person would see should the ceiling ever move).
        let body = r#"{"error":{"message":"Arguments Caused Error","code":2002,"errors":["Offset+limit exceeds maximum allowed value of 10000."]}}"#;
        let e = classify(400, body, "/users?limit=100&offset=9950", None);
        assert_eq!(
            e,
            ApiError::BadRequest(
                "Arguments Caused Error: Offset+limit exceeds maximum allowed value of 10000."
                    .into()
            )
        );
        // A 401 whose body is not JSON (seen on the real service) is still a 401.
        assert_eq!(
            classify(401, "Unauthorized", "/users/me", None),
            ApiError::Unauthorized
        );
    }
}
