//! What the relay is told at start: the configuration it is built from, and the checks and
//! readers `main` uses to fill it from flags, environment and files.

use crate::client::Cidr;
use pdscope::url::{is_loopback, origin_of, parse_origin};
use std::time::Duration;

/// How many client addresses the rate limiter remembers by default.
pub const DEFAULT_MAX_TRACKED: usize = 100_000;

/// What the relay needs to know.
#[derive(Clone)]
pub struct RelayConfig {
    /// e.g. `https://identity.pagerduty.com` (no trailing slash).
    pub identity_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Exact origins allowed to call the relay from a browser.
    pub allow_origins: Vec<String>,
    /// Requests per client address per minute (sliding window).
    pub per_minute: usize,
    pub upstream_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` is believed; from anyone else the header is ignored.
    pub trusted_proxies: Vec<Cidr>,
    /// How many client addresses the rate limiter remembers at most (the least recently seen
    /// are forgotten first).
    pub max_tracked: usize,
    /// Whether a browser may call from another site than the relay's (`Sec-Fetch-Site:
    /// cross-site`): only when the relay and the page are on different registrable domains.
    pub allow_cross_site: bool,
    /// How long a request's whole body may take to arrive, counted from its first read.
    pub body_timeout: Duration,
    /// How long the relay may take for a whole request, body and PagerDuty's answer included.
    pub request_timeout: Duration,
}

/// Checks `--identity-url`: an absolute https URL, or plain http only to a loopback host
/// (exactly `localhost`, 127.0.0.0/8 or `[::1]`, as the app and the sandbox judge it), with
/// no query or fragment. Returns its origin and path, without a trailing slash.
pub fn check_identity_url(url: &str) -> Result<String, String> {
    let bad = || {
        format!("--identity-url {url} must be https (plain http only on loopback: localhost, 127.0.0.0/8 or [::1])")
    };
    let origin = parse_origin(url).ok_or_else(bad)?;
    if origin.scheme != "https" && !is_loopback(&origin.host) {
        return Err(bad());
    }
    let after_scheme = url.split_once("://").map_or("", |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    if after_scheme.contains(['?', '#']) {
        return Err(format!(
            "--identity-url {url} must not carry a query or fragment"
        ));
    }
    Ok(format!("{origin}{}", path.trim_end_matches('/')))
}

/// Checks an `--allow-origin`: it must be an origin written exactly as a browser sends it in
/// `Origin` (`https://intranet.example`, lower-case, no path, no trailing slash, no default
/// port), since the relay compares the header byte for byte. The error suggests that form.
pub fn check_allow_origin(origin: &str) -> Result<(), String> {
    match origin_of(origin) {
        Some(o) if o == origin => Ok(()),
        Some(o) => Err(format!(
            "--allow-origin {origin} is not an origin as the browser sends it: write {o}"
        )),
        None => Err(format!(
            "--allow-origin {origin} is not an http(s) origin such as https://intranet.example"
        )),
    }
}

/// Reads PagerDuty's app registration JSON: returns `(client_id, client_secret)`.
pub fn read_credentials_json(text: &str) -> Result<(Option<String>, Option<String>), String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the credentials file is not JSON: {e}"))?;
    let find = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|k| v.get(*k).and_then(|x| x.as_str()).map(str::to_string))
    };
    Ok((
        find(&["client_id", "clientId", "PD_CLIENT_ID"]),
        find(&["client_secret", "clientSecret", "PD_CLIENT_SECRET"]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_origins_are_written_as_the_browser_sends_them() {
        for ok in [
            "https://intranet.example",
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
        ] {
            assert_eq!(check_allow_origin(ok), Ok(()), "{ok}");
        }
        for (bad, hint) in [
            (
                "https://intranet.example/",
                Some("https://intranet.example"),
            ),
            (
                "https://intranet.example/pdscope",
                Some("https://intranet.example"),
            ),
            ("https://Intranet.example", Some("https://intranet.example")),
            (
                "https://intranet.example:443",
                Some("https://intranet.example"),
            ),
            ("null", None),
            ("*", None),
            ("intranet.example", None),
            ("", None),
        ] {
            let err = check_allow_origin(bad).unwrap_err();
            assert!(err.contains("--allow-origin"), "{err}");
            if let Some(hint) = hint {
                assert!(err.ends_with(&format!("write {hint}")), "{err}");
            }
        }
    }

    #[test]
    fn identity_url_is_https_or_loopback_http() {
        for ok in [
            "http://127.0.0.1:8788",
            "http://localhost:1",
            "http://[::1]:8",
            "https://identity.pagerduty.com",
        ] {
            assert!(check_identity_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            check_identity_url("https://identity.pagerduty.com/").as_deref(),
            Ok("https://identity.pagerduty.com")
        );
        for bad in [
            "http://127.0.0.1.nip.io",
            "http://localhost.evil.example",
            "http://127.0.0.1@evil.example",
            "http://localhost:8788@evil.example",
            "http://[::1].evil.example",
            "http://identity.pagerduty.com",
            "ftp://127.0.0.1",
            "ftp://identity.pagerduty.com",
            "https://identity.pagerduty.com?x=1",
            "127.0.0.1:8788",
            "",
        ] {
            assert!(check_identity_url(bad).is_err(), "{bad}");
        }
    }
}
