//! `POST /oauth/token`: authorization_code (with PKCE) and refresh_token (with rotation).

use super::is_pkce_value;
use crate::data::SUBDOMAIN;
use crate::error::OAuthError;
use crate::jwt;
use crate::options::AppType;
use crate::state::{self, Code, Family, Shared, CODE_TTL};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Reads a form body into pairs, refusing repeated parameters (RFC 6749 section 3.2).
fn form_map(pairs: Vec<(String, String)>) -> Result<HashMap<String, String>, OAuthError> {
    let mut map = HashMap::new();
    for (k, v) in pairs {
        if map.insert(k.clone(), v).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "The parameter {k} was given more than once."
            )));
        }
    }
    Ok(map)
}

/// Checks the client id and, where required, the secret.
fn authenticate_client(sb: &Shared, form: &HashMap<String, String>) -> Result<bool, OAuthError> {
    let o = &sb.options;
    let client_id = form.get("client_id").map(String::as_str).unwrap_or("");
    if client_id.is_empty() {
        return Err(OAuthError::invalid_request("client_id is required."));
    }
    if client_id != o.client_id {
        return Err(OAuthError::invalid_client("Unknown client."));
    }
    match (form.get("client_secret"), &o.client_secret) {
        (Some(given), Some(secret)) if given == secret => Ok(true),
        (Some(_), _) => Err(OAuthError::invalid_client("Client authentication failed.")),
        (None, _) if o.app_type == AppType::Scoped => Err(OAuthError::invalid_client(
            "Scoped OAuth apps are confidential clients: the token request needs the client_secret.",
        )),
        (None, _) => Ok(false),
    }
}

fn token_response(body: serde_json::Value) -> Response {
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

pub(super) async fn token(
    State(sb): State<Shared>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    match token_inner(&sb, pairs) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn token_inner(sb: &Shared, pairs: Vec<(String, String)>) -> Result<Response, OAuthError> {
    let form = form_map(pairs)?;
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => exchange_code(sb, &form),
        Some("refresh_token") => refresh(sb, &form),
        Some(other) => Err(OAuthError::unsupported_grant_type(format!(
            "The grant type {other} is not supported here."
        ))),
        None => Err(OAuthError::invalid_request("grant_type is required.")),
    }
}

fn exchange_code(sb: &Shared, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
    let authenticated = authenticate_client(sb, form)?;
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("code is required."))?;
    let mut inner = sb.lock();
    let Some(grant) = inner.codes.get(code).cloned() else {
        return Err(OAuthError::invalid_grant(
            "The authorization code is invalid.",
        ));
    };
    if let Some(family) = &grant.redeemed_family {
        // A replayed code: revoke everything the first redemption issued (RFC 6749 4.1.2).
        if let Some(f) = inner.families.get_mut(family) {
            f.revoked = true;
        }
        return Err(OAuthError::invalid_grant(
            "The authorization code was already used; the tokens it issued are revoked.",
        ));
    }
    if sb.now().saturating_duration_since(grant.issued) > CODE_TTL {
        return Err(OAuthError::invalid_grant(
            "The authorization code has expired (codes live 30 seconds).",
        ));
    }
    if form.get("client_id") != Some(&grant.client_id) {
        return Err(OAuthError::invalid_grant(
            "The code was issued to another client.",
        ));
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request.",
        ));
    }
    match (&grant.code_challenge, form.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            if !is_pkce_value(verifier) {
                return Err(OAuthError::invalid_grant(
                    "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~].",
                ));
            }
            if B64.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge.",
                ));
            }
        }
        (Some(_), None) => return Err(OAuthError::invalid_grant("code_verifier is required.")),
        (None, _) if !authenticated => {
            return Err(OAuthError::invalid_grant(
                "PKCE is required for clients without a secret.",
            ))
        }
        (None, _) => {}
    }
    // The family id is the delegation_id: the same for every token of this authorization.
    let family_id = state::uuid();
    if let Some(c) = inner.codes.get_mut(code) {
        c.redeemed_family = Some(family_id.clone());
    }
    let (access, refresh) = issue(sb, &mut inner, &family_id, Some(&grant));
    let now = now_secs();
    let o = &sb.options;
    // PagerDuty's example: "acr:html-form:unitedstates", the same string in amr (a string,
    // not OIDC's array). The EU form is a guess built the same way.
    let acr = format!("acr:html-form:{}", o.region.claim().to_lowercase());
    // The claims of PagerDuty's example (its developer docs, "PagerDuty OpenID Token"): aud
    // names the API the account lives on, which is how an app learns the region. No name or
    // email: who signed in is user_id (GET /users/me tells the rest).
    let id_token = jwt::keys().sign(&json!({
        "exp": now + 3600, "nbf": now, "jti": state::uuid(),
        "iss": o.issuer(), "aud": [o.api_url(), o.client_id],
        "sub": grant.user_id, "auth_time": now, "iat": now, "purpose": "id",
        "at_hash": at_hash(&access), "acr": acr, "amr": acr,
        "delegation_id": family_id, "account_id": "PSANDBOX", "user_id": grant.user_id,
        "azp": o.client_id, "subdomain": SUBDOMAIN, "region": o.region.claim(),
        "sid": grant.sid,
    }));
    Ok(token_response(json!({
        "client_info": "prefix_legacy_app",
        "id_token": id_token,
        "token_type": "bearer",
        "access_token": access,
        "refresh_token": refresh,
        "scope": grant.scopes.join(" "),
        "expires_in": o.token_ttl_secs(),
    })))
}

/// OpenID Connect Core 3.1.3.6: the base64url of the left half of SHA-256 of the access token.
fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    B64.encode(&digest[..digest.len() / 2])
}

/// Issues an access and a refresh token in `family` (created from `grant` when given).
fn issue(
    sb: &Shared,
    inner: &mut state::Inner,
    family_id: &str,
    grant: Option<&Code>,
) -> (String, String) {
    let access = state::pd_token(0);
    let refresh = state::pd_token(1);
    let now = sb.now();
    let expires = now + Duration::from_secs(sb.options.token_ttl_secs());
    // The tokens first: adding them may prune, and a family with none of its tokens kept yet
    // would be pruned.
    inner.add_tokens(now, family_id, (access.clone(), expires), refresh.clone());
    if let Some(g) = grant {
        inner.families.insert(
            family_id.to_string(),
            Family {
                client_id: g.client_id.clone(),
                user_id: g.user_id.clone(),
                scopes: g.scopes.clone(),
                revoked: false,
                current_refresh: refresh.clone(),
                rotations: 0,
            },
        );
    } else if let Some(f) = inner.families.get_mut(family_id) {
        f.current_refresh = refresh.clone();
        f.rotations += 1;
    }
    (access, refresh)
}

fn refresh(sb: &Shared, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
    authenticate_client(sb, form)?;
    let token = form
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required."))?;
    let mut inner = sb.lock();
    let family_id = inner
        .refresh
        .get(token)
        .map(|r| r.family.clone())
        .ok_or_else(|| OAuthError::invalid_grant("The refresh token is invalid."))?;
    let family = inner
        .families
        .get_mut(&family_id)
        .ok_or_else(|| OAuthError::invalid_grant("The refresh token is invalid."))?;
    if family.revoked {
        return Err(OAuthError::invalid_grant("The refresh token was revoked."));
    }
    if Some(&family.client_id) != form.get("client_id") {
        return Err(OAuthError::invalid_grant(
            "The refresh token was issued to another client.",
        ));
    }
    if family.current_refresh != *token {
        // Reuse of a rotated refresh token: someone holds a copy. Revoke the whole family.
        family.revoked = true;
        return Err(OAuthError::invalid_grant(
            "The refresh token was already used; every token of this authorization is now revoked.",
        ));
    }
    let scopes = family.scopes.join(" ");
    let (access, refresh) = issue(sb, &mut inner, &family_id, None);
    Ok(token_response(json!({
        "token_type": "bearer",
        "access_token": access,
        "refresh_token": refresh,
        "scope": scopes,
        "expires_in": sb.options.token_ttl_secs(),
    })))
}
