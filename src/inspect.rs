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

/// Of the scopes a page `required`, those this session already asked for: PagerDuty granted
/// fewer than asked (it narrows silently to what the app's registration allows), so signing
/// in again with them cannot help; an admin must add them to the app registration.
pub fn registration_lacks(required: &[String], requested: &[String]) -> Vec<String> {
    required
        .iter()
        .filter(|s| requested.contains(s))
        .cloned()
        .collect()
}

/// What to say when the app's registration lacks `scopes`.
pub fn registration_lacks_text(scopes: &[String]) -> String {
    format!(
        "This app's registration in PagerDuty does not include {}: it was asked for and PagerDuty left it out again. Signing in again cannot add it. A PagerDuty admin adds it under Integrations → App Registration → this app → scopes; then sign in again.",
        scopes.join(", ")
    )
}

/// One checkbox of "Sign in again with more scopes".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeChoice {
    pub scope: String,
    /// Checked at first: the scope is granted now.
    pub checked: bool,
    /// A word on what it allows, where it matters (`write` changes things).
    pub note: Option<&'static str>,
}

/// The choices for signing in again: the offered scopes plus any granted one not among them,
/// checked where granted now (`openid` is always added by PagerDuty and not offered).
pub fn rescope_choices(offered: &[&str], granted: &[String]) -> Vec<ScopeChoice> {
    let mut scopes: Vec<String> = offered.iter().map(|s| s.to_string()).collect();
    for g in granted {
        if g != "openid" && !scopes.contains(g) {
            scopes.push(g.clone());
        }
    }
    scopes
        .into_iter()
        .map(|scope| ScopeChoice {
            checked: granted.contains(&scope),
            note: match scope.as_str() {
                "write" => Some("lets pdscope change things in PagerDuty, not only read them"),
                s if s.ends_with(".write") => Some("lets pdscope change these in PagerDuty"),
                _ => None,
            },
            scope,
        })
        .collect()
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

/// Keys whose values are secrets (or spent secrets, which still say too much in a timeline).
const SECRET_KEYS: &[&str] = &[
    "code",
    "code_verifier",
    "verifier",
    "state",
    "token",
    "client_secret",
];

/// A key whose value is masked: the list above, and any token (`access_token`, `id_token`, …).
fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key) || key.ends_with("_token")
}

fn mask_value(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                match v {
                    Value::String(s) if is_secret_key(k) => *s = mask(s),
                    _ => mask_value(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_value),
        _ => {}
    }
}

/// Masks secret values, at any depth, in a JSON text (non-JSON text is returned as is).
pub fn mask_json(text: &str) -> String {
    match json::parse(text) {
        Some(mut v) => {
            mask_value(&mut v);
            serde_json::to_string_pretty(&v).unwrap_or_default()
        }
        None => text.to_string(),
    }
}

/// Masks secret values in a URL, query string or form body: every `key=value` between `?`,
/// `&` and `#` is checked, so a redirect URI with its own query hides nothing.
pub fn mask_query(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    let mut rest = q;
    loop {
        let end = rest.find(['?', '&', '#']).unwrap_or(rest.len());
        let part = &rest[..end];
        match part.split_once('=') {
            Some((k, v)) if is_secret_key(&crate::url::decode(k)) => {
                out.push_str(k);
                out.push('=');
                out.push_str(&mask(&crate::url::decode(v)));
            }
            _ => out.push_str(part),
        }
        // The separator (one ASCII byte), kept as it was.
        match rest[end..].chars().next() {
            Some(sep) => {
                out.push(sep);
                rest = &rest[end + 1..];
            }
            None => return out,
        }
    }
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
    fn query_masking_finds_secrets_wherever_they_are() {
        // A redirect_uri with its own query, then the callback's parameters after a second `?`.
        let cb = "https://intranet.example/pdscope/callback?tenant=a?code=SPENTCODE123456&state=STATEVALUE12345";
        let m = mask_query(cb);
        assert!(!m.contains("SPENTCODE123456"), "{m}");
        assert!(!m.contains("STATEVALUE12345"), "{m}");
        assert!(
            m.starts_with("https://intranet.example/pdscope/callback?tenant=a?code="),
            "{m}"
        );
        // Fragments, encoded keys, and any *_token key.
        let m = mask_query("https://x/cb#code=SPENTCODE123456&st%61te=STATEVALUE12345&id_token=IDTOKENVALUE123&subject_token=SUBJECTTOKEN123");
        for secret in [
            "SPENTCODE123456",
            "STATEVALUE12345",
            "IDTOKENVALUE123",
            "SUBJECTTOKEN123",
        ] {
            assert!(!m.contains(secret), "{secret} in {m}");
        }
        // What is not a secret stays readable.
        let m = mask_query("grant_type=refresh_token&token_type_hint=refresh_token&client_id=cid");
        assert_eq!(
            m,
            "grant_type=refresh_token&token_type_hint=refresh_token&client_id=cid"
        );
        // JSON too, nested.
        let j =
            mask_json(r#"{"state":"STATEVALUE12345","inner":{"access_token":"ACCESSTOKEN1234"}}"#);
        assert!(
            !j.contains("STATEVALUE12345") && !j.contains("ACCESSTOKEN1234"),
            "{j}"
        );
    }

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
            "https://idp/cb?code=abcdefgh…nopq&state=••••&code_verifier=01234567…fXYZ"
        );
        assert_eq!(
            mask_query("grant_type=refresh_token&refresh_token=pdus%2B_1XBPWQQ_f85dd2f1"),
            "grant_type=refresh_token&refresh_token=pdus+_1X…d2f1"
        );
    }

    #[test]
    fn scopes_asked_for_and_refused_again_point_to_the_registration() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // First time: users.read was never asked for, so signing in with it may help.
        assert!(registration_lacks(&v(&["users.read"]), &v(&["services.read"])).is_empty());
        // Asked for and still missing: the registration lacks it.
        let lacks = registration_lacks(&v(&["users.read"]), &v(&["services.read", "users.read"]));
        assert_eq!(lacks, v(&["users.read"]));
        let text = registration_lacks_text(&lacks);
        assert!(
            text.contains("App Registration") && text.contains("users.read"),
            "{text}"
        );
    }

    #[test]
    fn rescoping_starts_from_what_is_granted_and_marks_write() {
        let granted = vec!["openid".to_string(), "read".to_string()];
        let c = rescope_choices(&["read", "write"], &granted);
        assert_eq!(c.len(), 2);
        assert!(c[0].checked && c[0].scope == "read" && c[0].note.is_none());
        assert!(!c[1].checked && c[1].note.unwrap().contains("change"));
        // A granted scope outside the offer is kept, and checked.
        let c = rescope_choices(&["services.read"], &["teams.read".to_string()]);
        assert_eq!(
            c.iter()
                .map(|c| (c.scope.as_str(), c.checked))
                .collect::<Vec<_>>(),
            vec![("services.read", false), ("teams.read", true)]
        );
    }
}
