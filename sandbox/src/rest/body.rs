//! The JSON body of a write: one extractor, `Body<T>`, whose rejection is PagerDuty's error
//! envelope (400, code 2001), and the field readers and checks several resources share.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// How the body of a write to a resource is shaped.
pub trait Payload {
    /// The key its fields sit under (`user` for `{"user":{…}}`): the body must be JSON with
    /// an object there. `None`: the body is the object itself and is optional (an empty body,
    /// or JSON that is not an object, has no fields).
    const KEY: Option<&'static str>;
}

/// The fields of a write's JSON body, shaped as `T`'s `Payload` says.
///
/// Handlers take it as `Result<Body<T>, ApiError>` and answer its error with `?` after their
/// scope, role and look-up checks, so that a request refused for those is refused so (403,
/// 404) whatever its body, and an extractor never changes which error a request gets.
pub struct Body<T> {
    pub fields: Map<String, Value>,
    shape: PhantomData<T>,
}

impl<S: Send + Sync, T: Payload> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::Unreadable {
                status: e.status(),
                text: e.body_text(),
            })?;
        Ok(Body {
            fields: fields(&bytes, T::KEY)?,
            shape: PhantomData,
        })
    }
}

/// The fields of `body`: the object under `key`, or (no key) the optional bare object.
fn fields(body: &[u8], key: Option<&str>) -> Result<Map<String, Value>, ApiError> {
    let Some(key) = key else {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        return match parse(body)? {
            Value::Object(m) => Ok(m),
            _ => Ok(Map::new()),
        };
    };
    match parse(body)? {
        Value::Object(mut top) => match top.remove(key) {
            Some(Value::Object(m)) => Some(m),
            _ => None,
        },
        _ => None,
    }
    .ok_or_else(|| invalid(format!("{key} is required.")))
}

fn parse(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|_| invalid("The request body is not valid JSON."))
}

/// A 400 with code 2001 and `detail`, PagerDuty's answer to a field it does not take.
pub fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::InvalidInput(detail.into())
}

/// A string field: `Ok(None)` when absent or null, 400 when not a string.
pub fn string_field(m: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{} must be a string", capitalized(key)))),
    }
}

/// A field's name as PagerDuty's error texts write it: `auto_resolve_timeout` is
/// `Auto resolve timeout`.
pub fn capitalized(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut c = words.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A required, trimmed name of at most `max` characters.
pub fn name_field(m: &Map<String, Value>, max: usize) -> Result<String, ApiError> {
    let name = string_field(m, "name")?.map(|n| n.trim().to_string());
    match name {
        Some(n) if n.chars().count() > max => Err(invalid(format!(
            "Name is too long (maximum is {max} characters)"
        ))),
        Some(n) if !n.is_empty() => Ok(n),
        _ => Err(invalid("Name can't be blank")),
    }
}

/// A plausible e-mail address: one `@`, a local part, a dotted domain, no spaces.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}
