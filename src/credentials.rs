//! The credentials file PagerDuty offers when an app is registered: its client id is used in
//! this tab instead of `config.json`'s, and a client secret in it is noted and never kept
//! (SECURITY.md rule 11). Pure and tested natively; the file picker is
//! `components::credentials`, the tab's copy of the client id `browser`'s.

use serde_json::Value;
use thiserror::Error;

/// What PagerDuty's app-registration JSON yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    /// The file held a client secret, which was not kept.
    pub had_secret: bool,
}

impl Credentials {
    /// What to tell the person.
    pub fn message(&self) -> String {
        let mut m = format!(
            "Using client id {} in this tab. To keep it, put {{\"client_id\": \"{}\"}} in config.json.",
            self.client_id, self.client_id
        );
        if self.had_secret {
            m.push_str(" The file also holds a client secret: pdscope did not keep it, because anything a web page holds, everyone who loads the page can read. A Classic User OAuth app signs in with PKCE and needs no secret; a Scoped OAuth app needs its secret at the token endpoint, so run pd-token-relay and point token_url at it.");
        }
        m
    }
}

/// Why a chosen credentials file cannot be used; each names the file the person chose.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CredentialsError {
    #[error("{0} is empty. Choose the credentials file (JSON) PagerDuty offered when the app was registered.")]
    Empty(String),
    #[error("{file} is not valid JSON ({detail}). Choose the credentials file (JSON) PagerDuty offered when the app was registered.")]
    NotJson { file: String, detail: String },
    #[error("{0} holds no client id (no \"client_id\" anywhere in it). Choose the credentials file of the app, from PagerDuty's App Registration.")]
    NoClientId(String),
}

/// Reads the JSON file PagerDuty offers when an app is registered (or any JSON with a
/// client id): takes the client id, notes and drops any secret. `file` is the chosen file's
/// name, for the messages.
pub fn parse(file: &str, text: &str) -> Result<Credentials, CredentialsError> {
    if text.trim().is_empty() {
        return Err(CredentialsError::Empty(file.into()));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| CredentialsError::NotJson {
        file: file.into(),
        detail: e.to_string(),
    })?;
    fn find<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
        match v {
            Value::Object(m) => keys
                .iter()
                .find_map(|k| m.get(*k))
                .or_else(|| m.values().find_map(|x| find(x, keys))),
            _ => None,
        }
    }
    let client_id = find(&value, &["client_id", "clientId", "PD_CLIENT_ID"])
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| CredentialsError::NoClientId(file.into()))?
        .to_string();
    let had_secret = find(
        &value,
        &[
            "client_secret",
            "clientSecret",
            "PD_CLIENT_SECRET",
            "secret",
        ],
    )
    .is_some();
    Ok(Credentials {
        client_id,
        had_secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_client_id_and_refuses_to_keep_a_secret() {
        let c = parse(
            "app.json",
            r#"{"client_id":"abc-123","client_secret":"pdcs+shh","redirect_uris":["x"]}"#,
        )
        .unwrap();
        assert_eq!(
            c,
            Credentials {
                client_id: "abc-123".into(),
                had_secret: true
            }
        );
        assert!(!c.message().contains("pdcs+shh"));
        assert!(c.message().contains("pd-token-relay"));
        let nested = parse("app.json", r#"{"app":{"oauth":{"clientId":"n1"}}}"#).unwrap();
        assert_eq!(
            nested,
            Credentials {
                client_id: "n1".into(),
                had_secret: false
            }
        );
        assert!(!nested.message().contains("secret"));
        assert_eq!(
            parse("app.json", ""),
            Err(CredentialsError::Empty("app.json".into()))
        );
        assert_eq!(
            parse("app.json", r#"{"client_secret":"x"}"#),
            Err(CredentialsError::NoClientId("app.json".into()))
        );
        let e = parse("pagerduty-app.json", "{").unwrap_err();
        assert!(matches!(e, CredentialsError::NotJson { .. }));
        assert!(
            e.to_string()
                .starts_with("pagerduty-app.json is not valid JSON"),
            "{e}"
        );
        assert!(
            !e.to_string().contains("config.json"),
            "the chosen file, not config.json"
        );
    }
}
