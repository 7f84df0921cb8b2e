//! The signed-in session: kept in sessionStorage, built from token answers, its expiry,
//! refresh time, scopes and region.

use super::{TokenSet, REFRESH_MARGIN_MS};
use crate::config::{Config, Region};
use crate::json::{self, FromJson};
use crate::jwt;
use serde_json::Value;

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
    /// Where the region came from, for the inspector.
    pub region_source: Option<RegionSource>,
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
            (
                "region_source",
                self.region_source
                    .map_or(Value::Null, |r| r.as_str().into()),
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
            region_source: json::string(v, "region_source").and_then(|s| RegionSource::parse(&s)),
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
        // config.json, then the callback's `service_region` (PagerDuty does not promise it),
        // then the id_token's `aud`, which names the API the account lives on.
        let (region, region_source) = match (config.region, callback_region) {
            (Some(r), _) => (Some(r), Some(RegionSource::Config)),
            (None, Some(r)) => (Some(r), Some(RegionSource::Callback)),
            (None, None) => match claims.as_ref().and_then(|c| region_from_claims(c, config)) {
                Some(r) => (Some(r), Some(RegionSource::IdToken)),
                None => (None, None),
            },
        };
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
            region_source,
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

/// Where a session's region was learned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionSource {
    Config,
    Callback,
    IdToken,
}

impl RegionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionSource::Config => "config",
            RegionSource::Callback => "callback",
            RegionSource::IdToken => "id_token",
        }
    }

    pub fn parse(s: &str) -> Option<RegionSource> {
        [
            RegionSource::Config,
            RegionSource::Callback,
            RegionSource::IdToken,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// In words, for the inspector.
    pub fn label(self) -> &'static str {
        match self {
            RegionSource::Config => "set in config.json",
            RegionSource::Callback => "from the sign-in answer (service_region)",
            RegionSource::IdToken => "from the id_token (its aud names the API)",
        }
    }
}

/// The region named by an id_token's `aud`: the API base PagerDuty puts there, compared with
/// each region's base (PagerDuty's hosts, or config.json's `api_url_us`/`api_url_eu`). The
/// `region` claim is not used: its EU value is not documented.
pub fn region_from_claims(
    claims: &serde_json::Map<String, Value>,
    config: &Config,
) -> Option<Region> {
    jwt::claim_strings(claims, "aud")
        .iter()
        .find_map(|a| config.region_of_api(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::test_support::*;
    use crate::oauth::{parse_token_response, Attempt};

    #[test]
    fn session_expiry_refresh_and_scopes() {
        let c = config("");
        let body = include_str!("../../fixtures/pagerduty/token-response-authorization-code.json");
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
        let body = include_str!("../../fixtures/pagerduty/token-response-authorization-code.json");
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

    #[test]
    fn the_region_comes_from_the_id_tokens_aud_when_nothing_else_says() {
        use crate::oauth::test_support::config;
        // An id_token whose aud names the EU API base configured for a local run.
        let claims =
            serde_json::json!({"aud": ["http://127.0.0.1:9002", "cid"], "region": "Whatever"});
        let jwt = format!(
            "e30.{}.sig",
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                claims.to_string()
            )
        );
        let tokens = parse_token_response(
            200,
            &format!(r#"{{"access_token":"a","token_type":"bearer","id_token":"{jwt}"}}"#),
            &[],
        )
        .unwrap();
        let c = config(
            r#","api_url_us":"http://127.0.0.1:9001","api_url_eu":"http://127.0.0.1:9002/""#,
        );
        let s = Session::new(tokens.clone(), &c, &[], NOW, None, None);
        assert_eq!(s.region, Some(Region::Eu));
        assert_eq!(s.region_source, Some(RegionSource::IdToken));
        assert_eq!(s.api_url.as_deref(), Some("http://127.0.0.1:9002"));
        // Stored and read back with where it came from.
        assert_eq!(
            Session::from_json(&s.to_json()).unwrap().region_source,
            Some(RegionSource::IdToken)
        );
        // The callback's service_region wins over the id_token; config.json over both.
        let s = Session::new(tokens.clone(), &c, &[], NOW, Some(Region::Us), None);
        assert_eq!(
            (s.region, s.region_source),
            (Some(Region::Us), Some(RegionSource::Callback))
        );
        assert_eq!(s.api_url.as_deref(), Some("http://127.0.0.1:9001"));
        // With PagerDuty's hosts, an aud that names neither leaves the region unknown.
        let s = Session::new(tokens, &config(""), &[], NOW, None, None);
        assert_eq!((s.region, s.region_source, s.api_url), (None, None, None));
    }
}
