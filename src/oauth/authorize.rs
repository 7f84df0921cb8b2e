//! The authorization request: the attempt saved in this tab and the authorize URL.

use crate::config::{Config, Region};
use crate::json::{self, FromJson};
use crate::url;
use serde_json::Value;

/// A sign-in attempt, saved in this tab before leaving for the authorize page.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub state: String,
    pub verifier: String,
    /// A same-origin app path, validated by `routes::safe_return_path`.
    pub return_to: String,
    pub created_ms: f64,
    pub redirect_uri: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    /// The authorize URL that was opened (holds the challenge, never the verifier).
    pub authorize_url: String,
}

impl Attempt {
    /// The attempt as kept in sessionStorage.
    pub fn to_json(&self) -> Value {
        json::object(vec![
            ("state", self.state.clone().into()),
            ("verifier", self.verifier.clone().into()),
            ("return_to", self.return_to.clone().into()),
            ("created_ms", self.created_ms.into()),
            ("redirect_uri", self.redirect_uri.clone().into()),
            ("client_id", self.client_id.clone().into()),
            ("scopes", json::str_list(&self.scopes)),
            ("authorize_url", self.authorize_url.clone().into()),
        ])
    }
}

impl FromJson for Attempt {
    /// `None` unless every field is there with its type (a damaged entry is dropped).
    fn from_json(v: &Value) -> Option<Self> {
        Some(Attempt {
            state: json::string(v, "state")?,
            verifier: json::string(v, "verifier")?,
            return_to: json::string(v, "return_to")?,
            created_ms: json::number(v, "created_ms")?,
            redirect_uri: json::string(v, "redirect_uri")?,
            client_id: json::string(v, "client_id")?,
            scopes: json::strings(v, "scopes")?,
            authorize_url: json::string(v, "authorize_url")?,
        })
    }
}

/// The scopes to ask for when signing in again for more: what the app is configured with,
/// what this session was granted (PagerDuty's own `openid` excepted), and `extra`, each once.
/// Asking only for the configured scopes plus the new one would drop what was granted before,
/// and a Scoped app would swing between sign-ins forever.
pub fn more_scopes(configured: &[String], granted: &[String], extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let granted = granted.iter().filter(|s| *s != "openid");
    for s in configured.iter().chain(granted).chain(extra) {
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// Builds the authorization request URL (SECURITY.md rules 1 to 5).
pub fn authorize_url(config: &Config, scopes: &[String], state: &str, challenge: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", &config.redirect_uri),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("state", state),
    ];
    let scope = scopes.join(" ");
    pairs.push(("scope", &scope));
    let region = config.region.map(|r| match r {
        Region::Us => "us",
        Region::Eu => "eu",
    });
    if let Some(sub) = &config.subdomain {
        pairs.push(("subdomain", sub));
        if let Some(r) = region {
            pairs.push(("service_region", r));
        }
    }
    let sep = if config.authorize_url.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{sep}{}", config.authorize_url, url::form(&pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::test_support::*;

    #[test]
    fn signing_in_for_more_keeps_what_was_granted() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<String>>();
        let configured = v(&["services.read", "users.read"]);
        // Granted after a first "more" sign-in: PagerDuty's openid, the configured scopes and
        // contact methods. Asking for teams.read now keeps contact methods (the old request,
        // configured + the new scope, dropped it, and the next sign-in dropped teams.read).
        let granted = v(&[
            "openid",
            "services.read",
            "users.read",
            "users:contact_methods.read",
        ]);
        assert_eq!(
            more_scopes(&configured, &granted, &v(&["teams.read", "users.read"])),
            v(&[
                "services.read",
                "users.read",
                "users:contact_methods.read",
                "teams.read"
            ])
        );
        // A configured scope openid stays asked for; otherwise it is PagerDuty's to add.
        assert_eq!(
            more_scopes(&v(&["openid", "read"]), &granted, &[])
                .first()
                .map(String::as_str),
            Some("openid")
        );
        assert!(!more_scopes(&configured, &granted, &[]).contains(&"openid".to_string()));
    }

    #[test]
    fn authorize_url_has_every_parameter_encoded() {
        let c = config(
            r#","subdomain":"acme","region":"eu","authorize_url":"https://idp.example/auth?tenant=x""#,
        );
        let u = authorize_url(
            &c,
            &["services.read".into(), "users.read".into()],
            "st+te",
            "CH",
        );
        assert!(u.starts_with("https://idp.example/auth?tenant=x&response_type=code&client_id=cid"));
        assert!(u.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback"));
        assert!(u.contains("code_challenge=CH&code_challenge_method=S256&state=st%2Bte"));
        assert!(u.contains("scope=services.read%20users.read"));
        assert!(u.contains("subdomain=acme&service_region=eu"));
        let plain = authorize_url(&config(""), &["read".into()], "s", "c");
        assert!(plain.starts_with("https://identity.pagerduty.com/oauth/authorize?"));
        assert!(!plain.contains("subdomain"));
    }
}
