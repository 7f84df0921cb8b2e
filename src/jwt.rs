//! Decoding JWTs locally (header and claims, signature NOT verified), tolerant of padding
//! quirks and strict about everything else: bad input gives a clear error, never a panic.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Value};
use thiserror::Error;

/// Tokens larger than this are refused before decoding.
pub const MAX_JWT_LEN: usize = 64 * 1024;

#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("not a JWT: a JWT has three dot-separated parts, this has {0}")]
    Segments(usize),
    #[error("the {0} is not valid base64url")]
    Base64(&'static str),
    #[error("the {0} is not a JSON object")]
    NotJson(&'static str),
    #[error("too large to be a JWT ({0} bytes)")]
    TooLarge(usize),
}

/// A decoded, unverified JWT.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

fn part(segment: &str, name: &'static str) -> Result<Map<String, Value>, JwtError> {
    let trimmed = segment.trim_end_matches('=');
    let bytes = URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| URL_SAFE.decode(segment))
        .map_err(|_| JwtError::Base64(name))?;
    // One JSON parser in the app (text), not a second one for byte slices.
    match std::str::from_utf8(&bytes)
        .ok()
        .and_then(crate::json::parse)
    {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(JwtError::NotJson(name)),
    }
}

/// Decodes a compact JWT's header and claims without verifying its signature.
pub fn decode(token: &str) -> Result<Decoded, JwtError> {
    if token.len() > MAX_JWT_LEN {
        return Err(JwtError::TooLarge(token.len()));
    }
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::Segments(parts.len()));
    }
    Ok(Decoded {
        header: part(parts[0], "header")?,
        claims: part(parts[1], "payload")?,
    })
}

/// A string or list-of-strings claim (such as `aud`) as a list.
pub fn claim_strings(claims: &Map<String, Value>, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &str) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    #[test]
    fn decodes_pagerduty_example() {
        let header = include_str!("../fixtures/pagerduty/id-token-header.json");
        let payload = include_str!("../fixtures/pagerduty/id-token-payload.json");
        let token = format!("{}.{}.sig", enc(header), enc(payload));
        let d = decode(&token).unwrap();
        assert_eq!(d.header["alg"], "RS256");
        assert!(d.claims.contains_key("aud"));
        // Padded segments are accepted too.
        let padded = format!("{}==.{}.x", enc(r#"{"a":1}"#), enc(r#"{"b":2}"#));
        assert_eq!(decode(&padded).unwrap().claims["b"], 2);
    }

    #[test]
    fn malformed_tokens_give_clear_errors() {
        assert_eq!(decode("pdus+_0abc"), Err(JwtError::Segments(1)));
        assert_eq!(decode("a.b"), Err(JwtError::Segments(2)));
        assert_eq!(decode("a.b.c.d"), Err(JwtError::Segments(4)));
        assert_eq!(decode("!!!.e30.x"), Err(JwtError::Base64("header")));
        assert_eq!(
            decode(&format!("{}.%%%.x", enc("{}"))),
            Err(JwtError::Base64("payload"))
        );
        assert_eq!(
            decode(&format!("{}.{}.x", enc("[1]"), enc("{}"))),
            Err(JwtError::NotJson("header"))
        );
        assert_eq!(
            decode(&format!("{}.{}.x", enc("{}"), enc("not json"))),
            Err(JwtError::NotJson("payload"))
        );
        let huge = "a".repeat(MAX_JWT_LEN + 1);
        assert_eq!(decode(&huge), Err(JwtError::TooLarge(MAX_JWT_LEN + 1)));
        assert!(JwtError::Segments(1).to_string().contains("three"));
    }

    #[test]
    fn audience_claims() {
        let mut m = Map::new();
        m.insert(
            "aud".into(),
            serde_json::json!(["https://api.eu.pagerduty.com", "cid"]),
        );
        assert_eq!(claim_strings(&m, "aud").len(), 2);
        m.insert("aud".into(), serde_json::json!("x"));
        assert_eq!(claim_strings(&m, "aud"), vec!["x"]);
        assert!(claim_strings(&m, "nope").is_empty());
    }
}
