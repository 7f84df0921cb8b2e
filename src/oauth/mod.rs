//! The OAuth flow's pure logic: the authorization request, callback validation, the token
//! request, token-response validation, the session and its expiry. No browser API here.
//!
//! Split along the flow's seams: [`authorize`] (the request), [`callback`] (validating the
//! answer), [`token`] (token endpoint bodies and answers) and [`session`].

mod authorize;
mod callback;
mod session;
mod token;

pub use authorize::*;
pub use callback::*;
pub use session::*;
pub use token::*;

/// A sign-in attempt older than this is discarded (SECURITY.md rule 3).
pub const ATTEMPT_TTL_MS: f64 = 15.0 * 60.0 * 1000.0;
/// Refresh this long before expiry at most.
pub const REFRESH_MARGIN_MS: f64 = 60_000.0;

#[cfg(test)]
pub(crate) mod test_support {
    use super::Attempt;
    use crate::config::{parse, Config, PageContext};

    pub fn config(extra: &str) -> Config {
        let page = PageContext {
            origin: "http://127.0.0.1:8080".into(),
            base_path: "/".into(),
        };
        parse(&format!(r#"{{"client_id":"cid"{extra}}}"#), &page).unwrap()
    }

    pub fn attempt(state: &str, created_ms: f64) -> Attempt {
        Attempt {
            state: state.into(),
            verifier: "v".repeat(43),
            return_to: "/services".into(),
            created_ms,
            redirect_uri: "http://127.0.0.1:8080/callback".into(),
            client_id: "cid".into(),
            scopes: vec!["read".into()],
            authorize_url: String::new(),
        }
    }

    pub const NOW: f64 = 1_000_000_000.0;
}
