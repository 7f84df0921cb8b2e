//! The token inspector's derivations: masking, scope diff and descriptions, claims as dates,
//! curl commands with shell quoting, and the masked timeline of the flow. Pure.

use crate::json::{self, FromJson};
use crate::timefmt;
use serde_json::{Map, Value};

/// `pdus+_0X…d4f`: the prefix and the last four characters, never the middle.
pub fn mask(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() <= 12 {
        return "•".repeat(chars.len().max(4));
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A scope in words.
pub fn describe_scope(scope: &str) -> String {
    match scope {
        "openid" => {
            "Identifies you: PagerDuty adds it to every token and returns an id_token.".into()
        }
        "read" => "Classic User OAuth: read everything the signed-in user can see.".into(),
        "write" => {
            "Classic User OAuth: read and change everything the signed-in user can change.".into()
        }
        s if s.starts_with("as_account-") => {
            "Names the account and region of an app token (client credentials).".into()
        }
        s => match s.rsplit_once('.') {
            Some((object, "read")) => {
                format!("Scoped OAuth: read {}.", object.replace(['_', ':'], " "))
            }
            Some((object, "write")) => format!(
                "Scoped OAuth: create, change and delete {} (does not include reading them).",
                object.replace(['_', ':'], " ")
            ),
            _ => "A scope pdscope does not know.".into(),
        },
    }
}

/// The pages of this app a scope unlocks.
pub fn pages_unlocked(scope: &str) -> Vec<&'static str> {
    match scope {
        "read" | "write" => vec!["Services", "Users", "Token (who am I)"],
        "services.read" => vec!["Services"],
        "users.read" => vec!["Users"],
        "openid" => vec!["Token (id_token claims)"],
        _ => Vec::new(),
    }
}

/// How a scope stands between request and grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeStatus {
    /// Asked for and granted.
    Granted,
    /// Asked for, silently not granted.
    Missing,
    /// Granted without being asked for (such as `openid`).
    Added,
}

/// Requested versus granted, in a stable order: requested first, then additions.
pub fn scope_diff(requested: &[String], granted: &[String]) -> Vec<(String, ScopeStatus)> {
    let mut out: Vec<(String, ScopeStatus)> = requested
        .iter()
        .map(|s| {
            let st = if granted.contains(s) {
                ScopeStatus::Granted
            } else {
                ScopeStatus::Missing
            };
            (s.clone(), st)
        })
        .collect();
    for g in granted {
        if !requested.contains(g) {
            out.push((g.clone(), ScopeStatus::Added));
        }
    }
    out
}

/// Claims as display rows; NumericDate claims are shown as dates too.
pub fn claim_rows(claims: &Map<String, Value>) -> Vec<(String, String)> {
    claims
        .iter()
        .map(|(k, v)| {
            let text = match (k.as_str(), v) {
                ("exp" | "iat" | "nbf" | "auth_time", Value::Number(n)) => match n.as_f64() {
                    Some(secs) => format!("{} ({})", timefmt::iso(secs * 1000.0), n),
                    None => n.to_string(),
                },
                (_, Value::String(s)) => s.clone(),
                (_, other) => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// POSIX shell single-quoting.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A ready `curl` command, as in PagerDuty's article, for `api_url` + `endpoint`.
pub fn curl_command(api_url: &str, endpoint: &str, token: &str) -> String {
    format!(
        "curl --request GET \\\n  --url {} \\\n  --header {} \\\n  --header {}",
        shell_quote(&format!("{}{}", api_url.trim_end_matches('/'), endpoint)),
        shell_quote(&format!("Accept: {}", crate::api::ACCEPT)),
        shell_quote(&format!("Authorization: Bearer {token}")),
    )
}

/// One step of the sign-in, recorded for the timeline with secrets masked.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at_ms: f64,
    pub title: String,
    pub detail: String,
}

impl Step {
    /// The step as kept in sessionStorage.
    pub fn to_json(&self) -> Value {
        json::object(vec![
            ("at_ms", self.at_ms.into()),
            ("title", self.title.clone().into()),
            ("detail", self.detail.clone().into()),
        ])
    }
}

impl FromJson for Step {
    fn from_json(v: &Value) -> Option<Self> {
        Some(Step {
            at_ms: json::number(v, "at_ms")?,
            title: json::string(v, "title")?,
            detail: json::string(v, "detail")?,
        })
    }
}

const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "code_verifier",
    "token",
    "client_secret",
];

/// Masks secret values in a JSON text (non-JSON text is returned as is).
pub fn mask_json(text: &str) -> String {
    match json::parse(text) {
        Some(Value::Object(mut m)) => {
            for k in SECRET_KEYS {
                if let Some(Value::String(s)) = m.get(*k) {
                    let masked = mask(s);
                    m.insert(k.to_string(), Value::String(masked));
                }
            }
            serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default()
        }
        Some(other) => serde_json::to_string_pretty(&other).unwrap_or_default(),
        None => text.to_string(),
    }
}

/// Masks secret values in a query string or form body.
pub fn mask_query(q: &str) -> String {
    let (prefix, query) = match q.split_once('?') {
        Some((p, q)) => (format!("{p}?"), q),
        None => (String::new(), q),
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if SECRET_KEYS.contains(&crate::url::decode(k).as_str()) => {
                format!("{k}={}", mask(&crate::url::decode(v)))
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{prefix}{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_round_trip_through_storage() {
        let st = Step {
            at_ms: 12.5,
            title: "Token".into(),
            detail: "pdus+_0…".into(),
        };
        assert_eq!(Step::from_json(&st.to_json()), Some(st.clone()));
        let mut v = st.to_json();
        v["title"] = Value::from(1);
        assert_eq!(Step::from_json(&v), None);
    }

    const TOKEN: &str = "pdus+_0XBPWQQ_b2b2060b-e7af-44a1-8ddf-9c56fedd8d4f";

    #[test]
    fn masking_shows_prefix_and_tail_only() {
        assert_eq!(mask(TOKEN), "pdus+_0X…8d4f");
        assert!(!mask(TOKEN).contains("b2b2060b"));
        assert_eq!(mask("short"), "•••••");
        assert_eq!(mask(""), "••••");
        assert_eq!(mask("ééééééééééééééé"), "éééééééé…éééé");
    }

    #[test]
    fn scopes_are_explained_and_diffed() {
        assert!(describe_scope("users.read").contains("read users"));
        assert!(describe_scope("incidents.write").contains("does not include reading"));
        assert!(describe_scope("users:contact_methods.read").contains("users contact methods"));
        assert!(describe_scope("read").contains("Classic"));
        assert!(describe_scope("weird").contains("does not know"));
        assert_eq!(pages_unlocked("services.read"), vec!["Services"]);
        assert!(pages_unlocked("incidents.read").is_empty());
        let req = vec!["services.read".to_string(), "users.read".to_string()];
        let granted = vec!["openid".to_string(), "services.read".to_string()];
        assert_eq!(
            scope_diff(&req, &granted),
            vec![
                ("services.read".into(), ScopeStatus::Granted),
                ("users.read".into(), ScopeStatus::Missing),
                ("openid".into(), ScopeStatus::Added)
            ]
        );
    }

    #[test]
    fn claims_show_times_as_dates() {
        let claims: Map<String, Value> =
            serde_json::from_str(include_str!("../fixtures/pagerduty/id-token-payload.json"))
                .unwrap();
        let rows = claim_rows(&claims);
        let exp = rows.iter().find(|(k, _)| k == "exp").unwrap();
        assert_eq!(exp.1, "2022-02-28 22:11:00 UTC (1646086260)");
        let aud = rows.iter().find(|(k, _)| k == "aud").unwrap();
        assert!(aud.1.contains("https://api.pagerduty.com"));
    }

    #[test]
    fn curl_commands_are_shell_safe() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        let c = curl_command("https://api.pagerduty.com/", "/users/me", TOKEN);
        assert_eq!(
            c,
            "curl --request GET \\\n  --url 'https://api.pagerduty.com/users/me' \\\n  --header 'Accept: application/vnd.pagerduty+json;version=2' \\\n  --header 'Authorization: Bearer pdus+_0XBPWQQ_b2b2060b-e7af-44a1-8ddf-9c56fedd8d4f'"
        );
        let hostile = curl_command("https://x", "/a'; rm -rf /; '", "t");
        assert!(hostile.contains(r"'https://x/a'\''; rm -rf /; '\'''"));
    }

    #[test]
    fn timeline_masks_secrets() {
        let body = include_str!("../fixtures/pagerduty/token-response-authorization-code.json");
        let masked = mask_json(body);
        assert!(!masked.contains("b2b2060b-e7af"));
        assert!(masked.contains("pdus+_0X…8d4f"));
        assert!(masked.contains("\"scope\": \"openid write\""));
        assert_eq!(mask_json("not json"), "not json");
        let q = mask_query(
            "https://idp/cb?code=abcdefghijklmnopq&state=xyz&code_verifier=0123456789abcdefXYZ",
        );
        assert_eq!(
            q,
            "https://idp/cb?code=abcdefgh…nopq&state=xyz&code_verifier=01234567…fXYZ"
        );
        assert_eq!(
            mask_query("grant_type=refresh_token&refresh_token=pdus%2B_1XBPWQQ_f85dd2f1"),
            "grant_type=refresh_token&refresh_token=pdus+_1X…d2f1"
        );
    }
}
