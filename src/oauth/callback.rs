//! Validating the authorization response that comes back to `/callback`.

use super::{Attempt, ATTEMPT_TTL_MS};
use crate::config::Region;
use crate::url;
use thiserror::Error;

/// What a valid callback yields.
#[derive(Clone, Debug, PartialEq)]
pub struct CallbackOk {
    pub code: String,
    pub attempt: Attempt,
    /// From PagerDuty's `service_region`, when present and known.
    pub region: Option<Region>,
    pub subdomain: Option<String>,
}

/// Why a callback cannot be used. None of these sends a token request.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CallbackError {
    #[error("This sign-in link has expired or was already used. Sign in again.")]
    Stale,
    #[error("The sign-in answer does not belong to a sign-in started in this tab (state mismatch). It may have been opened in another tab or forged. Sign in again from this tab.")]
    StateMismatch,
    #[error("The sign-in answer carries no state and this tab has more than one sign-in in progress, so it cannot tell which one it answers. Sign in again.")]
    MissingState,
    /// `got` is the answer's `iss`, kept only when its `state` matched (else anyone wrote it).
    #[error("The sign-in answer came from an unexpected issuer{}; expected {expected}. Sign in again, and check \"issuer\" in config.json.", got.as_deref().map(|g| format!(" ({g})")).unwrap_or_default())]
    IssuerMismatch {
        got: Option<String>,
        expected: String,
    },
    #[error("The sign-in answer arrived in the URL fragment (#...) instead of the query. pdscope only uses the authorization code flow: check the app's OAuth settings and sign in again.")]
    Fragment,
    #[error("You declined the request on PagerDuty's consent page, so no token was issued. Sign in again to allow it.")]
    Denied,
    /// `description` is PagerDuty's text, kept only when the answer's `state` matched.
    #[error("PagerDuty refused a requested scope{}. Check \"scopes\" in config.json against the app's registered scopes, then sign in again.", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    InvalidScope { description: Option<String> },
    #[error("The sign-in failed: {error}{}. Sign in again.", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Server {
        error: String,
        description: Option<String>,
    },
    #[error("The sign-in page returned an error, but not for a sign-in this tab started, so it is not shown. Sign in again.")]
    UntrustedError,
    /// An error answer without `state`: it ends this tab's one attempt, but its text could
    /// have been written by anyone, so none of it is shown (SECURITY.md rule 6).
    #[error("The sign-in did not complete: the sign-in page returned an error without the check value pdscope sent, so its details are not shown. Sign in again; if it keeps failing, check the app's settings in PagerDuty.")]
    ErrorWithoutState,
    #[error("The sign-in answer has neither a code nor an error. Sign in again.")]
    Malformed,
}

/// The parameters of the authorization response, so they can be stripped from the URL.
pub const RESPONSE_PARAMS: &[&str] = &[
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "error_uri",
    "subdomain",
    "service_region",
];

fn has_response_params(pairs: &[(String, String)]) -> bool {
    pairs
        .iter()
        .any(|(k, _)| matches!(k.as_str(), "code" | "state" | "error"))
}

/// Validates a callback (SECURITY.md rules 6, 7, 9, 10). `attempts` are this tab's pending
/// attempts; the matched one is returned so the caller can remove it before redeeming.
/// Order: fragment, freshness, state, iss, then error or code.
pub fn validate_callback(
    query: &str,
    fragment: &str,
    attempts: &[Attempt],
    now_ms: f64,
    issuer: Option<&str>,
) -> Result<CallbackOk, CallbackError> {
    let q = url::parse_query(query);
    let f = url::parse_query(fragment.trim_start_matches('#'));
    if !has_response_params(&q) {
        return Err(if has_response_params(&f) {
            CallbackError::Fragment
        } else {
            CallbackError::Stale
        });
    }
    let get = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let live: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| now_ms - a.created_ms < ATTEMPT_TTL_MS && a.created_ms <= now_ms + 60_000.0)
        .collect();
    // Whether the answer proved it belongs to this tab: only then is its error text shown.
    let state_matched = get("state").is_some();
    let attempt = match get("state") {
        Some(state) => match live.iter().find(|a| a.state == state) {
            Some(a) => (*a).clone(),
            None if get("error").is_some() => return Err(CallbackError::UntrustedError),
            None if live.is_empty() => return Err(CallbackError::Stale),
            None => return Err(CallbackError::StateMismatch),
        },
        None => match live.as_slice() {
            [only] => (*only).clone(),
            [] if get("error").is_some() => return Err(CallbackError::UntrustedError),
            [] => return Err(CallbackError::Stale),
            _ => return Err(CallbackError::MissingState),
        },
    };
    if let (Some(got), Some(expected)) = (get("iss"), issuer) {
        if got != expected {
            return Err(CallbackError::IssuerMismatch {
                got: Some(got).filter(|_| state_matched),
                expected: expected.to_string(),
            });
        }
    }
    if let Some(error) = get("error") {
        let description = get("error_description")
            .filter(|d| !d.is_empty())
            .filter(|_| state_matched);
        return Err(match error.as_str() {
            "access_denied" => CallbackError::Denied,
            "invalid_scope" => CallbackError::InvalidScope { description },
            _ if !state_matched => CallbackError::ErrorWithoutState,
            _ => CallbackError::Server { error, description },
        });
    }
    let code = get("code")
        .filter(|c| !c.is_empty())
        .ok_or(CallbackError::Malformed)?;
    Ok(CallbackOk {
        code,
        attempt,
        region: get("service_region").and_then(|r| Region::parse(&r)),
        subdomain: get("subdomain").filter(|s| !s.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Region;
    use crate::oauth::test_support::*;

    #[test]
    fn valid_callback_with_state_and_pagerduty_extras() {
        let a = [attempt("s1", NOW - 1000.0), attempt("s2", NOW - 2000.0)];
        let ok = validate_callback(
            "?code=c%2B1&state=s2&subdomain=acme&service_region=eu",
            "",
            &a,
            NOW,
            None,
        )
        .unwrap();
        assert_eq!(ok.code, "c+1");
        assert_eq!(ok.attempt.state, "s2");
        assert_eq!(ok.region, Some(Region::Eu));
        assert_eq!(ok.subdomain.as_deref(), Some("acme"));
    }

    #[test]
    fn missing_state_is_accepted_only_with_exactly_one_attempt() {
        let one = [attempt("s1", NOW)];
        assert_eq!(
            validate_callback("code=c", "", &one, NOW, None)
                .unwrap()
                .attempt
                .state,
            "s1"
        );
        let two = [attempt("s1", NOW), attempt("s2", NOW)];
        assert_eq!(
            validate_callback("code=c", "", &two, NOW, None),
            Err(CallbackError::MissingState)
        );
        // A stale second attempt does not count.
        let one_live = [
            attempt("s1", NOW),
            attempt("old", NOW - ATTEMPT_TTL_MS - 1.0),
        ];
        assert!(validate_callback("code=c", "", &one_live, NOW, None).is_ok());
        assert_eq!(
            validate_callback("code=c", "", &[], NOW, None),
            Err(CallbackError::Stale)
        );
    }

    #[test]
    fn state_is_checked_before_code_or_error() {
        let a = [attempt("s1", NOW)];
        assert_eq!(
            validate_callback("code=c&state=evil", "", &a, NOW, None),
            Err(CallbackError::StateMismatch)
        );
        // An error with a wrong state is not trusted or echoed.
        assert_eq!(
            validate_callback("error=access_denied&state=evil", "", &a, NOW, None),
            Err(CallbackError::UntrustedError)
        );
        assert_eq!(
            validate_callback("error=access_denied", "", &[], NOW, None),
            Err(CallbackError::UntrustedError)
        );
        // A state for an expired attempt, or none at all: a stale link.
        let old = [attempt("s1", NOW - ATTEMPT_TTL_MS - 1.0)];
        assert_eq!(
            validate_callback("code=c&state=s1", "", &old, NOW, None),
            Err(CallbackError::Stale)
        );
    }

    #[test]
    fn error_branches() {
        let a = [attempt("s1", NOW)];
        assert_eq!(
            validate_callback(
                "error=access_denied&error_description=nope&state=s1",
                "",
                &a,
                NOW,
                None
            ),
            Err(CallbackError::Denied)
        );
        assert_eq!(
            validate_callback(
                "error=invalid_scope&error_description=bad+scope&state=s1",
                "",
                &a,
                NOW,
                None
            ),
            Err(CallbackError::InvalidScope {
                description: Some("bad scope".into())
            })
        );
        let e = validate_callback("error=server_error&state=s1", "", &a, NOW, None).unwrap_err();
        assert_eq!(
            e,
            CallbackError::Server {
                error: "server_error".into(),
                description: None
            }
        );
        assert!(e.to_string().contains("server_error"));
        assert_eq!(
            validate_callback("state=s1", "", &a, NOW, None),
            Err(CallbackError::Malformed)
        );
        assert_eq!(
            validate_callback("code=&state=s1", "", &a, NOW, None),
            Err(CallbackError::Malformed)
        );
        assert_eq!(
            validate_callback("", "#code=c&state=s1", &a, NOW, None),
            Err(CallbackError::Fragment)
        );
        assert_eq!(
            validate_callback("", "", &a, NOW, None),
            Err(CallbackError::Stale)
        );
        assert_eq!(
            validate_callback("foo=bar", "#section", &a, NOW, None),
            Err(CallbackError::Stale)
        );
    }

    #[test]
    fn error_text_is_shown_only_when_the_state_matched() {
        let a = [attempt("s1", NOW)];
        let forged = "error=server_error&error_description=Call+%2B1+555+0100+to+restore+access";
        // No state, one live attempt: the error is accepted (and consumes the attempt), but
        // its words are the app's, not the sender's.
        let e = validate_callback(forged, "", &a, NOW, None).unwrap_err();
        assert!(!e.to_string().contains("555"), "{e}");
        assert!(!e.to_string().contains("restore"), "{e}");
        assert_eq!(e, CallbackError::ErrorWithoutState);
        let e = validate_callback(
            "error=invalid_scope&error_description=Call+555",
            "",
            &a,
            NOW,
            None,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("555"), "{e}");
        assert!(matches!(
            e,
            CallbackError::InvalidScope { description: None }
        ));
        // With the matching state, PagerDuty's own text is shown.
        let e = validate_callback(&format!("{forged}&state=s1"), "", &a, NOW, None).unwrap_err();
        assert!(e.to_string().contains("555"), "{e}");
        // A declined consent reads the same either way (the app's words).
        assert_eq!(
            validate_callback("error=access_denied", "", &a, NOW, None),
            Err(CallbackError::Denied)
        );
    }

    #[test]
    fn iss_must_match_when_present() {
        let a = [attempt("s1", NOW)];
        let iss = Some("https://idp.example");
        assert!(validate_callback(
            "code=c&state=s1&iss=https%3A%2F%2Fidp.example",
            "",
            &a,
            NOW,
            iss
        )
        .is_ok());
        assert!(validate_callback("code=c&state=s1", "", &a, NOW, iss).is_ok());
        assert!(matches!(
            validate_callback(
                "code=c&state=s1&iss=https%3A%2F%2Fevil.example",
                "",
                &a,
                NOW,
                iss
            ),
            Err(CallbackError::IssuerMismatch { .. })
        ));
        // Checked before the error is trusted.
        assert!(matches!(
            validate_callback("error=access_denied&state=s1&iss=x", "", &a, NOW, iss),
            Err(CallbackError::IssuerMismatch { .. })
        ));
        // Without a state, the answer's iss is not repeated: anyone could have written it.
        let e = validate_callback(
            "code=c&iss=https%3A%2F%2Fcall-555.example",
            "",
            &a,
            NOW,
            iss,
        )
        .unwrap_err();
        assert_eq!(
            e,
            CallbackError::IssuerMismatch {
                got: None,
                expected: "https://idp.example".into()
            }
        );
        assert!(!e.to_string().contains("555"), "{e}");
    }
}
