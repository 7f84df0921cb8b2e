//! The OAuth flow's pure logic: the authorization request, callback validation, the token
//! request, token-response validation, the session and its expiry. No browser API here.

use crate::config::{Config, Region};
use crate::json::{self, FromJson};
use crate::jwt;
use crate::url;
use serde_json::Value;
use thiserror::Error;

/// A sign-in attempt older than this is discarded (SECURITY.md rule 3).
pub const ATTEMPT_TTL_MS: f64 = 15.0 * 60.0 * 1000.0;
/// Refresh this long before expiry at most.
pub const REFRESH_MARGIN_MS: f64 = 60_000.0;

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
    #[error("The sign-in answer came from an unexpected issuer ({got}); expected {expected}. Sign in again, and check \"issuer\" in config.json.")]
    IssuerMismatch { got: String, expected: String },
    #[error("The sign-in answer arrived in the URL fragment (#...) instead of the query. pdscope only uses the authorization code flow: check the app's OAuth settings and sign in again.")]
    Fragment,
    #[error("You declined the request on PagerDuty's consent page, so no token was issued. Sign in again to allow it.")]
    Denied,
    #[error("PagerDuty refused a requested scope ({description}). Check \"scopes\" in config.json against the app's registered scopes, then sign in again.")]
    InvalidScope { description: String },
    #[error("The sign-in failed: {error}{}. Sign in again.", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Server {
        error: String,
        description: Option<String>,
    },
    #[error("The sign-in page returned an error, but not for a sign-in this tab started, so it is not shown. Sign in again.")]
    UntrustedError,
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
                got,
                expected: expected.to_string(),
            });
        }
    }
    if let Some(error) = get("error") {
        let description = get("error_description").filter(|d| !d.is_empty());
        return Err(match error.as_str() {
            "access_denied" => CallbackError::Denied,
            "invalid_scope" => CallbackError::InvalidScope {
                description: description.unwrap_or_else(|| "no details".into()),
            },
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

/// The form body of the code exchange: every value URL-encoded, no secret (rule 11).
pub fn code_exchange_body(attempt: &Attempt, code: &str) -> String {
    url::form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &attempt.redirect_uri),
        ("client_id", &attempt.client_id),
        ("code_verifier", &attempt.verifier),
    ])
}

/// The form body of a refresh.
pub fn refresh_body(client_id: &str, refresh_token: &str) -> String {
    url::form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ])
}

/// The form body of a revocation (RFC 7009).
pub fn revoke_body(client_id: &str, token: &str, hint: &str) -> String {
    url::form(&[
        ("token", token),
        ("token_type_hint", hint),
        ("client_id", client_id),
    ])
}

/// A successful token response, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenSet {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: Option<f64>,
    /// The granted scopes (the requested ones when the server sent no `scope`).
    pub scopes: Vec<String>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

/// Why a token request failed, each with what to do next.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("The token endpoint could not be reached ({0}). Check that token_url in config.json is right, that the server is up, and that it allows requests from this page's origin (CORS).")]
    Network(String),
    #[error("The token endpoint says this app must authenticate with a client secret (invalid_client). That is a Scoped OAuth app: either register a Classic User OAuth app, which signs in with PKCE and no secret, or run pd-token-relay and point token_url at it.")]
    InvalidClient,
    #[error("The sign-in code or token is no longer valid (invalid_grant{}). Sign in again.", .0.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    InvalidGrant(Option<String>),
    #[error("The token endpoint refused the request: {error}{}.", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        status: u16,
        error: String,
        description: Option<String>,
    },
    #[error("The token endpoint answered with something pdscope cannot use ({0}). Check token_url in config.json.")]
    Malformed(String),
}

/// Validates a token endpoint answer (SECURITY.md rule 12).
pub fn parse_token_response(
    status: u16,
    body: &str,
    requested: &[String],
) -> Result<TokenSet, TokenError> {
    let answer = json::parse(body);
    if !(200..300).contains(&status) {
        let error = answer.as_ref().and_then(|j| json::string(j, "error"));
        let description = answer
            .as_ref()
            .and_then(|j| json::string(j, "error_description"));
        return Err(match error.as_deref() {
            Some("invalid_client") => TokenError::InvalidClient,
            Some("invalid_grant") => TokenError::InvalidGrant(description),
            Some(e) => TokenError::Refused {
                status,
                error: e.to_string(),
                description,
            },
            None if status == 401 => TokenError::InvalidClient,
            None => TokenError::Malformed(format!("HTTP {status} without an OAuth error")),
        });
    }
    let Some(Value::Object(obj)) = answer else {
        return Err(TokenError::Malformed(
            "the body is not a JSON object".into(),
        ));
    };
    let access_token = match obj.get("access_token") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(TokenError::Malformed(
                "access_token is missing or not a string".into(),
            ))
        }
    };
    let token_type = match obj.get("token_type") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("bearer") => s.clone(),
        Some(Value::String(s)) => {
            return Err(TokenError::Malformed(format!(
                "token_type is \"{s}\", not bearer"
            )))
        }
        _ => return Err(TokenError::Malformed("token_type is missing".into())),
    };
    let expires_in = match obj.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v >= 0.0 => Some(v),
            _ => return Err(TokenError::Malformed("expires_in is negative".into())),
        },
        Some(_) => return Err(TokenError::Malformed("expires_in is not a number".into())),
    };
    let scopes = match obj.get("scope") {
        None | Some(Value::Null) => requested.to_vec(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(_) => return Err(TokenError::Malformed("scope is not a string".into())),
    };
    let opt_string = |name: &str| -> Result<Option<String>, TokenError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(TokenError::Malformed(format!("{name} is not a string"))),
        }
    };
    Ok(TokenSet {
        access_token,
        token_type,
        expires_in,
        scopes,
        refresh_token: opt_string("refresh_token")?,
        id_token: opt_string("id_token")?,
    })
}

/// The signed-in session, kept in this tab's sessionStorage.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub token_type: String,
    pub id_token: Option<String>,
    pub granted_scopes: Vec<String>,
    pub requested_scopes: Vec<String>,
    pub received_ms: f64,
    /// Local receive time plus `expires_in`; `None` when the server gave no lifetime.
    pub expires_ms: Option<f64>,
    pub lifetime_s: Option<f64>,
    pub client_id: String,
    pub token_url: String,
    pub revoke_url: String,
    /// The REST API this token belongs to, once known.
    pub api_url: Option<String>,
    pub region: Option<Region>,
    pub subdomain: Option<String>,
    pub rotations: u32,
    pub last_refresh: Option<String>,
}

impl Session {
    /// The session as kept in sessionStorage.
    pub fn to_json(&self) -> Value {
        json::object(vec![
            ("access_token", self.access_token.clone().into()),
            ("refresh_token", json::opt_str(&self.refresh_token)),
            ("token_type", self.token_type.clone().into()),
            ("id_token", json::opt_str(&self.id_token)),
            ("granted_scopes", json::str_list(&self.granted_scopes)),
            ("requested_scopes", json::str_list(&self.requested_scopes)),
            ("received_ms", self.received_ms.into()),
            ("expires_ms", json::opt_num(self.expires_ms)),
            ("lifetime_s", json::opt_num(self.lifetime_s)),
            ("client_id", self.client_id.clone().into()),
            ("token_url", self.token_url.clone().into()),
            ("revoke_url", self.revoke_url.clone().into()),
            ("api_url", json::opt_str(&self.api_url)),
            (
                "region",
                self.region.map_or(Value::Null, |r| r.as_str().into()),
            ),
            ("subdomain", json::opt_str(&self.subdomain)),
            ("rotations", self.rotations.into()),
            ("last_refresh", json::opt_str(&self.last_refresh)),
        ])
    }
}

impl FromJson for Session {
    /// `None` unless the required fields are there with their types; optional ones that are
    /// missing, `null` or of another type read as absent.
    fn from_json(v: &Value) -> Option<Self> {
        Some(Session {
            access_token: json::string(v, "access_token")?,
            refresh_token: json::string(v, "refresh_token"),
            token_type: json::string(v, "token_type")?,
            id_token: json::string(v, "id_token"),
            granted_scopes: json::strings(v, "granted_scopes")?,
            requested_scopes: json::strings(v, "requested_scopes")?,
            received_ms: json::number(v, "received_ms")?,
            expires_ms: json::number(v, "expires_ms"),
            lifetime_s: json::number(v, "lifetime_s"),
            client_id: json::string(v, "client_id")?,
            token_url: json::string(v, "token_url")?,
            revoke_url: json::string(v, "revoke_url")?,
            api_url: json::string(v, "api_url"),
            region: json::string(v, "region").and_then(|r| Region::parse(&r)),
            subdomain: json::string(v, "subdomain"),
            rotations: v
                .get("rotations")
                .and_then(Value::as_u64)
                .map_or(0, |n| n.min(u32::MAX as u64) as u32),
            last_refresh: json::string(v, "last_refresh"),
        })
    }
}

impl Session {
    /// Builds a session from a fresh token response.
    pub fn new(
        tokens: TokenSet,
        config: &Config,
        requested: &[String],
        now_ms: f64,
        callback_region: Option<Region>,
        subdomain: Option<String>,
    ) -> Session {
        let claims = tokens
            .id_token
            .as_deref()
            .and_then(|t| jwt::decode(t).ok())
            .map(|d| d.claims);
        let region = config
            .region
            .or(callback_region)
            .or_else(|| claims.as_ref().and_then(region_from_claims));
        let subdomain = subdomain.or_else(|| {
            claims
                .as_ref()
                .and_then(|c| c.get("subdomain"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        Session {
            expires_ms: tokens.expires_in.map(|s| now_ms + s * 1000.0),
            lifetime_s: tokens.expires_in,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            token_type: tokens.token_type,
            id_token: tokens.id_token,
            granted_scopes: tokens.scopes,
            requested_scopes: requested.to_vec(),
            received_ms: now_ms,
            client_id: config.client_id.clone(),
            token_url: config.token_url.clone(),
            revoke_url: config.revoke_url.clone(),
            api_url: config.api_url(region),
            region,
            subdomain,
            rotations: 0,
            last_refresh: None,
        }
    }

    /// Applies a refresh answer: rotation honoured (a new refresh token replaces the old;
    /// none given keeps the old one), scopes and expiry updated.
    pub fn refreshed(&self, tokens: TokenSet, now_ms: f64) -> Session {
        let mut s = self.clone();
        s.access_token = tokens.access_token;
        if let Some(r) = tokens.refresh_token {
            s.refresh_token = Some(r);
        }
        s.token_type = tokens.token_type;
        if let Some(id) = tokens.id_token {
            s.id_token = Some(id);
        }
        if !tokens.scopes.is_empty() {
            s.granted_scopes = tokens.scopes;
        }
        s.received_ms = now_ms;
        s.expires_ms = tokens.expires_in.map(|e| now_ms + e * 1000.0);
        s.lifetime_s = tokens.expires_in;
        s.rotations += 1;
        s.last_refresh = Some("succeeded".into());
        s
    }

    pub fn is_expired(&self, now_ms: f64) -> bool {
        self.expires_ms.is_some_and(|e| now_ms >= e)
    }

    /// When to refresh on our own: before expiry by a margin of at most a minute and at
    /// most a fifth of the lifetime (so short-lived tokens still get most of their life).
    pub fn refresh_due_ms(&self) -> Option<f64> {
        let expires = self.expires_ms?;
        let lifetime_ms = self.lifetime_s.unwrap_or(0.0) * 1000.0;
        Some(expires - REFRESH_MARGIN_MS.min(lifetime_ms / 5.0))
    }

    /// Requested scopes that were not granted (`openid` aside).
    pub fn missing_scopes(&self) -> Vec<String> {
        missing_scopes(&self.requested_scopes, &self.granted_scopes)
    }

    /// Claims of the id_token, if it decodes.
    pub fn id_claims(&self) -> Option<serde_json::Map<String, Value>> {
        self.id_token
            .as_deref()
            .and_then(|t| jwt::decode(t).ok())
            .map(|d| d.claims)
    }
}

/// PagerDuty narrows scopes silently: what was asked for and not granted.
pub fn missing_scopes(requested: &[String], granted: &[String]) -> Vec<String> {
    requested
        .iter()
        .filter(|s| *s != "openid" && !granted.contains(s))
        .cloned()
        .collect()
}

/// The region named by an id_token's `aud` (the API URL PagerDuty puts there).
pub fn region_from_claims(claims: &serde_json::Map<String, Value>) -> Option<Region> {
    let aud = jwt::claim_strings(claims, "aud");
    if aud
        .iter()
        .any(|a| a.starts_with("https://api.eu.pagerduty.com"))
    {
        Some(Region::Eu)
    } else if aud
        .iter()
        .any(|a| a.starts_with("https://api.pagerduty.com"))
    {
        Some(Region::Us)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, PageContext};

    fn config(extra: &str) -> Config {
        let page = PageContext {
            origin: "http://127.0.0.1:8080".into(),
            base_path: "/".into(),
        };
        parse(&format!(r#"{{"client_id":"cid"{extra}}}"#), &page).unwrap()
    }

    fn attempt(state: &str, created_ms: f64) -> Attempt {
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

    const NOW: f64 = 1_000_000_000.0;

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
                description: "bad scope".into()
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
    }

    #[test]
    fn token_request_bodies_encode_every_value() {
        let mut a = attempt("s", NOW);
        a.verifier = "ver~._-".into();
        assert_eq!(
            code_exchange_body(&a, "co+de/="),
            "grant_type=authorization_code&code=co%2Bde%2F%3D&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&client_id=cid&code_verifier=ver~._-"
        );
        assert!(!code_exchange_body(&a, "x").contains("secret"));
        assert_eq!(
            refresh_body("cid", "pdus+_1X"),
            "grant_type=refresh_token&refresh_token=pdus%2B_1X&client_id=cid"
        );
        assert_eq!(
            revoke_body("cid", "pdus+_0X", "access_token"),
            "token=pdus%2B_0X&token_type_hint=access_token&client_id=cid"
        );
    }

    #[test]
    fn token_response_validation() {
        let req = vec!["read".to_string()];
        let body = include_str!("../fixtures/pagerduty/token-response-authorization-code.json");
        let t = parse_token_response(200, body, &req).unwrap();
        assert!(t.access_token.starts_with("pdus+_0"));
        assert_eq!(t.scopes, vec!["openid", "write"]);
        assert_eq!(t.expires_in, Some(864000.0));
        assert!(t.id_token.is_some() && t.refresh_token.is_some());
        let t = parse_token_response(200, r#"{"access_token":"a","token_type":"Bearer"}"#, &req)
            .unwrap();
        assert_eq!(t.scopes, req, "absent scope means the requested ones");
        assert_eq!(t.expires_in, None);
        for (body, why) in [
            ("", "not a JSON object"),
            ("[1]", "not a JSON object"),
            (r#"{"token_type":"bearer"}"#, "access_token"),
            (
                r#"{"access_token":5,"token_type":"bearer"}"#,
                "access_token",
            ),
            (r#"{"access_token":"a","token_type":"mac"}"#, "not bearer"),
            (r#"{"access_token":"a"}"#, "token_type"),
            (
                r#"{"access_token":"a","token_type":"bearer","expires_in":"3600"}"#,
                "expires_in",
            ),
            (
                r#"{"access_token":"a","token_type":"bearer","expires_in":-1}"#,
                "negative",
            ),
            (
                r#"{"access_token":"a","token_type":"bearer","scope":["read"]}"#,
                "scope",
            ),
            (
                r#"{"access_token":"a","token_type":"bearer","refresh_token":1}"#,
                "refresh_token",
            ),
        ] {
            match parse_token_response(200, body, &req) {
                Err(TokenError::Malformed(m)) => assert!(m.contains(why), "{body}: {m}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        assert_eq!(
            parse_token_response(401, r#"{"error":"invalid_client"}"#, &req),
            Err(TokenError::InvalidClient)
        );
        assert_eq!(
            parse_token_response(401, "<html>", &req),
            Err(TokenError::InvalidClient)
        );
        assert_eq!(
            parse_token_response(
                400,
                r#"{"error":"invalid_grant","error_description":"expired"}"#,
                &req
            ),
            Err(TokenError::InvalidGrant(Some("expired".into())))
        );
        assert!(matches!(
            parse_token_response(400, r#"{"error":"invalid_request"}"#, &req),
            Err(TokenError::Refused { status: 400, .. })
        ));
        assert!(matches!(
            parse_token_response(502, "Bad Gateway", &req),
            Err(TokenError::Malformed(_))
        ));
        assert!(TokenError::InvalidClient
            .to_string()
            .contains("pd-token-relay"));
    }

    #[test]
    fn session_expiry_refresh_and_scopes() {
        let c = config("");
        let body = include_str!("../fixtures/pagerduty/token-response-authorization-code.json");
        let requested = vec!["read".to_string(), "write".to_string()];
        let t = parse_token_response(200, body, &requested).unwrap();
        let s = Session::new(t, &c, &requested, NOW, None, None);
        assert_eq!(s.expires_ms, Some(NOW + 864000.0 * 1000.0));
        assert_eq!(s.refresh_due_ms(), Some(NOW + 864000.0 * 1000.0 - 60_000.0));
        assert!(!s.is_expired(NOW));
        assert!(s.is_expired(NOW + 864000.0 * 1000.0));
        assert_eq!(s.missing_scopes(), vec!["read"]);
        // Region and subdomain from the id_token (aud names api.pagerduty.com).
        assert_eq!(s.region, Some(Region::Us));
        assert_eq!(s.api_url.as_deref(), Some("https://api.pagerduty.com"));
        assert_eq!(s.subdomain.as_deref(), Some("pdt-hannele"));
        // A 20 s token refreshes 4 s before expiry, not a minute before.
        let short = parse_token_response(
            200,
            r#"{"access_token":"a","token_type":"bearer","expires_in":20,"refresh_token":"r1"}"#,
            &requested,
        )
        .unwrap();
        let s2 = Session::new(
            short,
            &c,
            &requested,
            NOW,
            Some(Region::Eu),
            Some("acme".into()),
        );
        assert_eq!(s2.refresh_due_ms(), Some(NOW + 16_000.0));
        assert_eq!(s2.region, Some(Region::Eu));
        let r = parse_token_response(200, r#"{"access_token":"b","token_type":"bearer","expires_in":20,"refresh_token":"r2","scope":"openid read"}"#, &requested).unwrap();
        let s3 = s2.refreshed(r, NOW + 16_000.0);
        assert_eq!(s3.refresh_token.as_deref(), Some("r2"));
        assert_eq!(s3.rotations, 1);
        assert_eq!(s3.expires_ms, Some(NOW + 36_000.0));
        let keep = parse_token_response(
            200,
            r#"{"access_token":"c","token_type":"bearer"}"#,
            &requested,
        )
        .unwrap();
        let s4 = s3.refreshed(keep, NOW);
        assert_eq!(
            s4.refresh_token.as_deref(),
            Some("r2"),
            "no new refresh token keeps the old one"
        );
        assert_eq!(s4.expires_ms, None);
    }

    #[test]
    fn sessions_and_attempts_round_trip_through_storage_and_damage_is_refused() {
        let c = config(r#","region":"eu""#);
        let body = include_str!("../fixtures/pagerduty/token-response-authorization-code.json");
        let requested = vec!["read".to_string()];
        let t = parse_token_response(200, body, &requested).unwrap();
        let mut s = Session::new(t, &c, &requested, NOW, None, Some("acme".into()));
        s.rotations = 3;
        s.last_refresh = Some("succeeded".into());
        let text = s.to_json().to_string();
        let back = Session::from_json(&crate::json::parse(&text).unwrap());
        assert_eq!(back.as_ref(), Some(&s));
        assert_eq!(back.unwrap().region, Some(Region::Eu));
        // A session without optional parts round-trips too.
        let short = parse_token_response(
            200,
            r#"{"access_token":"a","token_type":"bearer"}"#,
            &requested,
        )
        .unwrap();
        let bare = Session::new(short, &config(""), &requested, NOW, None, None);
        assert_eq!(Session::from_json(&bare.to_json()), Some(bare.clone()));
        // Damaged storage: a required field missing or of another type is no session.
        for damage in [
            ("access_token", Value::Null),
            ("access_token", Value::from(5)),
            ("granted_scopes", Value::from("read")),
            ("received_ms", Value::from("now")),
        ] {
            let mut v = bare.to_json();
            v[damage.0] = damage.1.clone();
            assert_eq!(Session::from_json(&v), None, "{damage:?}");
        }
        assert_eq!(Session::from_json(&Value::from(vec!["x"])), None);

        let a = attempt("st", NOW);
        assert_eq!(Attempt::from_json(&a.to_json()), Some(a.clone()));
        let mut v = a.to_json();
        v["verifier"] = Value::Null;
        assert_eq!(Attempt::from_json(&v), None);
        let list = crate::json::parse(&format!("[{}, 7, {{}}]", a.to_json())).unwrap();
        assert_eq!(
            crate::json::items::<Attempt>(&list),
            vec![a],
            "other shapes skipped"
        );
    }
}
