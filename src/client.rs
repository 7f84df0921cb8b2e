//! The browser's REST client: `Authorization: Bearer` and PagerDuty's `Accept` header and no
//! other custom header; a 401 triggers at most one refresh and one retry (rule 17).

use crate::api::{self, ApiError};
use crate::auth::{self, Auth};
use serde_json::Value;

async fn get_once(api_url: &str, path: &str, token: &str) -> Result<Value, ApiError> {
    let url = format!("{api_url}{path}");
    let resp = gloo_net::http::Request::get(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Accept", api::ACCEPT)
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        let reset = resp
            .headers()
            .get("ratelimit-reset")
            .and_then(|v| v.trim().parse::<u64>().ok());
        return Err(api::classify(status, &text, path, reset));
    }
    serde_json::from_str(&text).map_err(|e| ApiError::Malformed {
        endpoint: path.to_string(),
        detail: e.to_string(),
    })
}

/// GETs `path` (e.g. `/users/me`) as the signed-in user.
pub async fn get_json(auth: Auth, path: &str) -> Result<Value, ApiError> {
    let session = auth.session_untracked().ok_or(ApiError::Unauthorized)?;
    let api_url = session.api_url.clone().ok_or(ApiError::NoApiUrl)?;
    match get_once(&api_url, path, &session.access_token).await {
        Err(ApiError::Unauthorized) => {
            auth::refresh_now(auth)
                .await
                .map_err(|_| ApiError::Unauthorized)?;
            let fresh = auth.session_untracked().ok_or(ApiError::Unauthorized)?;
            get_once(&api_url, path, &fresh.access_token).await
        }
        other => other,
    }
}
