//! Token endpoint requests (code exchange, refresh, revocation) and validating its answers.

use super::Attempt;
use crate::json;
use crate::url;
use serde_json::Value;
use thiserror::Error;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::test_support::*;

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
        let body = include_str!("../../fixtures/pagerduty/token-response-authorization-code.json");
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
}
