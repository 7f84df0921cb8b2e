//! Runtime configuration: `config.json`, fetched from beside `index.html` at start, so one
//! build serves any host. Parsing and validation are pure and tested natively. (A client id
//! from PagerDuty's credentials file, which overrides it in one tab, is `credentials`'.)

use crate::json;
use crate::url::{self, Origin};
use serde_json::Value;
use std::collections::BTreeMap;
use thiserror::Error;

/// PagerDuty's global identity host (there is no EU identity host).
pub const PD_IDENTITY: &str = "https://identity.pagerduty.com";
/// The scopes a Classic User OAuth app asks for when `config.json` names none.
pub const DEFAULT_SCOPES: &[&str] = &["read"];

/// A PagerDuty service region, which chooses the REST API host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    Us,
    Eu,
}

impl Region {
    /// Parses `us` / `eu` in any case.
    pub fn parse(s: &str) -> Option<Region> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Some(Region::Us),
            "eu" => Some(Region::Eu),
            _ => None,
        }
    }

    /// The REST API base URL for this region.
    pub fn api_url(self) -> &'static str {
        match self {
            Region::Us => "https://api.pagerduty.com",
            Region::Eu => "https://api.eu.pagerduty.com",
        }
    }

    /// `us` or `eu`, as config.json and the session store it.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Region::Us => "US",
            Region::Eu => "EU",
        }
    }
}

/// Where the page itself lives: its origin and the base path from `<base href>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageContext {
    /// e.g. `https://intranet.example`
    pub origin: String,
    /// Always starts and ends with `/`, e.g. `/tools/pdscope/`.
    pub base_path: String,
}

impl PageContext {
    /// The default redirect URI: page origin + base path + `callback`.
    pub fn default_redirect_uri(&self) -> String {
        format!("{}{}callback", self.origin, self.base_path)
    }
}

/// A validated configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub client_id: String,
    /// Scopes to request, in order, without duplicates.
    pub scopes: Vec<String>,
    /// `None` until learned after sign-in (callback `service_region` or id_token `aud`).
    pub region: Option<Region>,
    pub subdomain: Option<String>,
    pub redirect_uri: String,
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: String,
    /// An explicit API URL override; otherwise the region decides.
    pub api_url_override: Option<String>,
    /// Each region's API base when it is not PagerDuty's (`api_url_us`, `api_url_eu`: a
    /// sandbox or a proxy). The region learned from an id_token's `aud` is the one whose base
    /// the token names.
    pub api_url_us: Option<String>,
    pub api_url_eu: Option<String>,
    /// The expected `iss` of authorization responses, when known.
    pub issuer: Option<String>,
    /// Things that are allowed but worth telling the person (unknown fields, ...).
    pub warnings: Vec<String>,
}

impl Config {
    /// The REST API base URL (no trailing slash) once it is known.
    pub fn api_url(&self, learned: Option<Region>) -> Option<String> {
        self.api_url_override
            .clone()
            .or_else(|| self.region.or(learned).map(|r| self.region_api_url(r)))
    }

    /// A region's API base: config.json's `api_url_us`/`api_url_eu`, else PagerDuty's host.
    pub fn region_api_url(&self, region: Region) -> String {
        let configured = match region {
            Region::Us => &self.api_url_us,
            Region::Eu => &self.api_url_eu,
        };
        configured
            .clone()
            .unwrap_or_else(|| region.api_url().to_string())
    }

    /// The region whose API base `url` is (an id_token's `aud` entry), if any.
    pub fn region_of_api(&self, url: &str) -> Option<Region> {
        let url = url.trim_end_matches('/');
        [Region::Us, Region::Eu]
            .into_iter()
            .find(|r| self.region_api_url(*r) == url)
    }

    /// True when any requested scope is a Scoped OAuth per-object scope (`services.read`).
    pub fn is_scoped_app(&self) -> bool {
        self.scopes
            .iter()
            .any(|s| s.contains('.') || s.contains(':'))
    }
}

/// Everything that can be wrong with `config.json`, each with what to do about it.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("config.json could not be loaded (HTTP {status}).")]
    NotFound { status: u16 },
    #[error("config.json could not be fetched: {0}")]
    Unreachable(String),
    #[error("config.json is empty.")]
    Empty,
    #[error("config.json is not valid JSON: {0}")]
    NotJson(String),
    #[error("config.json must be a JSON object, like the example below.")]
    NotObject,
    #[error("The field \"{field}\" has the wrong type: {expected}.")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    #[error(
        "\"client_id\" is missing or empty: copy it from your PagerDuty app's OAuth settings."
    )]
    MissingClientId,
    #[error("config.json contains a client secret (\"{0}\"). It has already been served to everyone who loaded this page, so treat it as leaked: rotate the secret in PagerDuty (Integrations → App Registration → the app), then remove \"{0}\" from config.json. Scoped OAuth apps, which need their secret, keep it in pd-token-relay instead.")]
    ClientSecret(String),
    #[error(
        "Unknown region \"{0}\": use \"us\" or \"eu\", or leave it out to learn it at sign-in."
    )]
    UnknownRegion(String),
    #[error("The scope list is empty or contains an invalid scope \"{0}\".")]
    BadScope(String),
    #[error("\"{field}\" is not an absolute http(s) URL: \"{value}\".")]
    BadUrl { field: &'static str, value: String },
    #[error("\"{field}\" uses plain http on a non-loopback host (\"{value}\"): tokens would cross the network unencrypted. Use https.")]
    InsecureUrl { field: &'static str, value: String },
    #[error("\"redirect_uri\" (\"{redirect}\") is on another origin than this page ({page}): the callback must come back to this app.")]
    RedirectOtherOrigin { redirect: String, page: String },
}

/// A valid example, shown on the setup screen.
pub const EXAMPLE: &str = r#"{
  "client_id": "your-pagerduty-oauth-client-id",
  "scopes": ["read"],
  "region": "us"
}"#;

/// The first key, at any depth, whose name holds "secret" in any case and with any
/// punctuation (`PD_CLIENT_SECRET`, `client-Secret`, `app.secret`): config.json is served to
/// every visitor, so no such key is accepted whatever it holds.
fn secret_key(fields: &BTreeMap<String, Value>) -> Option<String> {
    fn names_secret(key: &str) -> bool {
        let letters: String = key
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        letters.contains("secret")
    }
    fn walk(v: &Value) -> Option<&String> {
        match v {
            Value::Object(m) => m
                .iter()
                .find_map(|(k, v)| if names_secret(k) { Some(k) } else { walk(v) }),
            Value::Array(items) => items.iter().find_map(walk),
            _ => None,
        }
    }
    fields
        .iter()
        .find_map(|(k, v)| if names_secret(k) { Some(k) } else { walk(v) })
        .cloned()
}

/// Parses and validates the text of `config.json` for a page at `page`.
pub fn parse(text: &str, page: &PageContext) -> Result<Config, ConfigError> {
    if text.trim().is_empty() {
        return Err(ConfigError::Empty);
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| ConfigError::NotJson(e.to_string()))?;
    let Value::Object(map) = value else {
        return Err(ConfigError::NotObject);
    };
    let mut fields: BTreeMap<String, Value> = map.into_iter().collect();

    if let Some(key) = secret_key(&fields) {
        return Err(ConfigError::ClientSecret(key));
    }

    let client_id = take_string(&mut fields, "client_id")?
        .filter(|s| !s.trim().is_empty())
        .ok_or(ConfigError::MissingClientId)?
        .trim()
        .to_string();

    let scopes = match fields.remove("scopes") {
        None | Some(Value::Null) => DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
        Some(v) => {
            let raw = match v {
                Value::String(s) => s.split_whitespace().map(str::to_string).collect(),
                other => json::string_list(&other).ok_or(ConfigError::WrongType {
                    field: "scopes",
                    expected: "a list of strings such as [\"read\"]",
                })?,
            };
            normalise_scopes(raw)?
        }
    };

    let region = match take_string(&mut fields, "region")? {
        None => None,
        Some(r) if r.trim().is_empty() => None,
        Some(r) => Some(Region::parse(&r).ok_or(ConfigError::UnknownRegion(r))?),
    };
    let subdomain = take_string(&mut fields, "subdomain")?.filter(|s| !s.trim().is_empty());

    let redirect_uri = match take_string(&mut fields, "redirect_uri")? {
        Some(r) if !r.trim().is_empty() => {
            let r = r.trim().to_string();
            let origin = check_url("redirect_uri", &r)?;
            if origin.to_string() != page.origin {
                return Err(ConfigError::RedirectOtherOrigin {
                    redirect: r,
                    page: page.origin.clone(),
                });
            }
            r
        }
        _ => page.default_redirect_uri(),
    };

    let mut endpoint = |field: &'static str, default: String| -> Result<String, ConfigError> {
        match take_string(&mut fields, field)? {
            Some(v) if !v.trim().is_empty() => {
                let v = v.trim().trim_end_matches('/').to_string();
                check_url(field, &v)?;
                Ok(v)
            }
            _ => Ok(default),
        }
    };
    let authorize_url = endpoint("authorize_url", format!("{PD_IDENTITY}/oauth/authorize"))?;
    let token_url = endpoint("token_url", format!("{PD_IDENTITY}/oauth/token"))?;
    let revoke_url = endpoint("revoke_url", format!("{PD_IDENTITY}/oauth/revoke"))?;
    let api_url = endpoint("api_url", String::new())?;
    let api_url_us = endpoint("api_url_us", String::new())?;
    let api_url_eu = endpoint("api_url_eu", String::new())?;
    let issuer = endpoint("issuer", String::new())?;

    let warnings = fields
        .keys()
        .filter(|k| !k.starts_with('_'))
        .map(|k| format!("Unknown field \"{k}\" in config.json was ignored."))
        .collect();

    Ok(Config {
        client_id,
        scopes,
        region,
        subdomain,
        redirect_uri,
        authorize_url,
        token_url,
        revoke_url,
        api_url_override: (!api_url.is_empty()).then_some(api_url),
        api_url_us: (!api_url_us.is_empty()).then_some(api_url_us),
        api_url_eu: (!api_url_eu.is_empty()).then_some(api_url_eu),
        issuer: (!issuer.is_empty()).then_some(issuer),
        warnings,
    })
}

fn take_string(
    fields: &mut BTreeMap<String, Value>,
    field: &'static str,
) -> Result<Option<String>, ConfigError> {
    match fields.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ConfigError::WrongType {
            field,
            expected: "a string",
        }),
    }
}

/// A scope token per RFC 6749 section 3.3: printable ASCII without space, `"` or `\`.
pub fn is_valid_scope(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

fn normalise_scopes(raw: Vec<String>) -> Result<Vec<String>, ConfigError> {
    let mut out: Vec<String> = Vec::new();
    for s in raw {
        let s = s.trim().to_string();
        if !is_valid_scope(&s) {
            return Err(ConfigError::BadScope(s));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err(ConfigError::BadScope(String::new()));
    }
    Ok(out)
}

fn check_url(field: &'static str, value: &str) -> Result<Origin, ConfigError> {
    let origin = url::parse_origin(value).ok_or_else(|| ConfigError::BadUrl {
        field,
        value: value.to_string(),
    })?;
    if origin.scheme == "http" && !url::is_loopback(&origin.host) {
        return Err(ConfigError::InsecureUrl {
            field,
            value: value.to_string(),
        });
    }
    Ok(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> PageContext {
        PageContext {
            origin: "http://127.0.0.1:8080".into(),
            base_path: "/tools/pdscope/".into(),
        }
    }

    #[test]
    fn minimal_config_gets_pagerduty_defaults() {
        let c = parse(r#"{"client_id":" abc "}"#, &page()).unwrap();
        assert_eq!(c.client_id, "abc");
        assert_eq!(c.scopes, vec!["read"]);
        assert_eq!(c.region, None);
        assert_eq!(
            c.redirect_uri,
            "http://127.0.0.1:8080/tools/pdscope/callback"
        );
        assert_eq!(
            c.authorize_url,
            "https://identity.pagerduty.com/oauth/authorize"
        );
        assert_eq!(c.token_url, "https://identity.pagerduty.com/oauth/token");
        assert_eq!(c.revoke_url, "https://identity.pagerduty.com/oauth/revoke");
        assert_eq!(c.api_url(None), None);
        assert_eq!(
            c.api_url(Some(Region::Eu)).as_deref(),
            Some("https://api.eu.pagerduty.com")
        );
        assert!(c.warnings.is_empty());
        assert!(!c.is_scoped_app());
    }

    #[test]
    fn full_config_with_overrides() {
        let text = r#"{"client_id":"x","scopes":"services.read users.read services.read",
            "region":"EU","subdomain":"acme",
            "redirect_uri":"http://127.0.0.1:8080/tools/pdscope/callback",
            "authorize_url":"http://127.0.0.1:8788/oauth/authorize",
            "token_url":"http://localhost:8790/oauth/token/",
            "revoke_url":"http://[::1]:8788/oauth/revoke",
            "api_url":"http://127.0.0.1:8789","issuer":"http://127.0.0.1:8788",
            "_comment":"ignored quietly","colour":"blue"}"#;
        let c = parse(text, &page()).unwrap();
        assert_eq!(c.scopes, vec!["services.read", "users.read"]);
        assert_eq!(c.region, Some(Region::Eu));
        assert_eq!(c.subdomain.as_deref(), Some("acme"));
        assert_eq!(c.token_url, "http://localhost:8790/oauth/token");
        assert_eq!(c.api_url(None).as_deref(), Some("http://127.0.0.1:8789"));
        assert_eq!(c.issuer.as_deref(), Some("http://127.0.0.1:8788"));
        assert_eq!(c.warnings.len(), 1);
        assert!(c.warnings[0].contains("colour"));
        assert!(c.is_scoped_app());
    }

    #[test]
    fn any_key_naming_a_secret_is_refused() {
        let p = page();
        for key in [
            "client_secret",
            "clientSecret",
            "secret",
            "PD_CLIENT_SECRET",
            "Client-Secret",
            "app.secret",
            "SECRET_KEY",
            "s e c r e t",
        ] {
            let text = format!(
                r#"{{"client_id":"a",{}:"x"}}"#,
                serde_json::Value::from(key)
            );
            assert_eq!(
                parse(&text, &p).unwrap_err(),
                ConfigError::ClientSecret(key.into()),
                "{key}"
            );
        }
        // Already served to every visitor: the message says to rotate it, not only remove it.
        let msg = ConfigError::ClientSecret("PD_CLIENT_SECRET".into()).to_string();
        assert!(msg.contains("rotate the secret in PagerDuty"), "{msg}");
        // Nested too: a pasted credentials object is not a loophole.
        let nested = r#"{"client_id":"a","relay":{"ClientSecret":"x"}}"#;
        assert!(matches!(
            parse(nested, &p).unwrap_err(),
            ConfigError::ClientSecret(_)
        ));
        // The rule is the name, not the meaning: a rename is cheaper than a leaked secret.
        assert!(parse(r#"{"client_id":"a","secretary_note":1}"#, &p).is_err());
        assert!(parse(r#"{"client_id":"a","scopes":["read"]}"#, &p).is_ok());
    }

    #[test]
    fn bad_inputs_give_specific_errors() {
        let p = page();
        let cases: Vec<(&str, ConfigError)> = vec![
            ("", ConfigError::Empty),
            ("  \n", ConfigError::Empty),
            ("[1,2]", ConfigError::NotObject),
            ("{}", ConfigError::MissingClientId),
            (r#"{"client_id":""}"#, ConfigError::MissingClientId),
            (
                r#"{"client_id":5}"#,
                ConfigError::WrongType {
                    field: "client_id",
                    expected: "a string",
                },
            ),
            (
                r#"{"client_id":"a","client_secret":"s"}"#,
                ConfigError::ClientSecret("client_secret".into()),
            ),
            (
                r#"{"client_id":"a","region":"apac"}"#,
                ConfigError::UnknownRegion("apac".into()),
            ),
            (
                r#"{"client_id":"a","scopes":[]}"#,
                ConfigError::BadScope(String::new()),
            ),
            (
                r#"{"client_id":"a","scopes":["re\"ad"]}"#,
                ConfigError::BadScope("re\"ad".into()),
            ),
            (
                r#"{"client_id":"a","token_url":"ftp://x/y"}"#,
                ConfigError::BadUrl {
                    field: "token_url",
                    value: "ftp://x/y".into(),
                },
            ),
            (
                r#"{"client_id":"a","api_url":"http://api.example.com"}"#,
                ConfigError::InsecureUrl {
                    field: "api_url",
                    value: "http://api.example.com".into(),
                },
            ),
            (
                r#"{"client_id":"a","redirect_uri":"https://evil.example/callback"}"#,
                ConfigError::RedirectOtherOrigin {
                    redirect: "https://evil.example/callback".into(),
                    page: "http://127.0.0.1:8080".into(),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text, &p), Err(want), "input: {text}");
        }
        assert!(matches!(
            parse("{not json", &p),
            Err(ConfigError::NotJson(_))
        ));
        assert!(matches!(
            parse(r#"{"client_id":"a","scopes":{"x":1}}"#, &p),
            Err(ConfigError::WrongType {
                field: "scopes",
                ..
            })
        ));
    }

    #[test]
    fn every_error_message_is_a_sentence() {
        let e = ConfigError::InsecureUrl {
            field: "api_url",
            value: "http://x".into(),
        };
        assert!(e.to_string().contains("Use https"));
        assert!(ConfigError::MissingClientId
            .to_string()
            .contains("PagerDuty app"));
    }

    #[test]
    fn example_is_valid() {
        let c = parse(EXAMPLE, &page()).unwrap();
        assert_eq!(c.region, Some(Region::Us));
        let file = include_str!("../config.example.json");
        parse(file, &page()).expect("config.example.json must stay valid");
    }
}
