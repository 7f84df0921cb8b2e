//! What sign-in keeps in this tab's sessionStorage: the session, the pending sign-in attempts
//! and the timeline of the last sign-in (secrets masked) that the token inspector shows.
//! Sign-out and a refused refresh remove all of it at once (`browser::session_clear_all`).

use super::now_ms;
use crate::browser::{self, StorageError};
use crate::inspect::Step;
use crate::json::{self, FromJson};
use crate::oauth::{self, Attempt, Session};
use serde_json::Value;

const ATTEMPTS_KEY: &str = "attempts";
const SESSION_KEY: &str = "session";
const TIMELINE_KEY: &str = "timeline";

/// A list kept in this tab's sessionStorage (missing or unreadable: empty; damaged entries
/// are dropped).
fn load_list<T: FromJson>(key: &str) -> Vec<T> {
    browser::session_get(key)
        .ok()
        .flatten()
        .and_then(|s| json::parse(&s))
        .map(|v| json::items(&v))
        .unwrap_or_default()
}

/// Keeps a list in this tab's sessionStorage.
fn save_list(key: &str, items: Vec<Value>) -> Result<(), StorageError> {
    browser::session_set(key, &Value::Array(items).to_string())
}

/// The recorded steps of the last sign-in (secrets masked), for the inspector.
pub fn load_timeline() -> Vec<Step> {
    load_list(TIMELINE_KEY)
}

/// Adds steps to the timeline (`replace`: a new sign-in starts it anew).
pub(super) fn record(steps: Vec<Step>, replace: bool) {
    let mut all = if replace { Vec::new() } else { load_timeline() };
    all.extend(steps);
    // Bounded: a long-lived tab refreshing every few seconds must not grow without end.
    let keep = all.len().saturating_sub(40);
    let _ = save_list(
        TIMELINE_KEY,
        all[keep..].iter().map(Step::to_json).collect(),
    );
}

/// A step of the timeline, at this moment.
pub(super) fn step(title: &str, detail: String) -> Step {
    Step {
        at_ms: now_ms(),
        title: title.to_string(),
        detail,
    }
}

/// Pending attempts in this tab, without stale ones.
pub(super) fn load_attempts() -> Vec<Attempt> {
    let now = now_ms();
    load_list::<Attempt>(ATTEMPTS_KEY)
        .into_iter()
        .filter(|a| now - a.created_ms < oauth::ATTEMPT_TTL_MS)
        .collect()
}

/// Keeps the pending attempts (none: the key goes).
pub(super) fn save_attempts(attempts: &[Attempt]) -> Result<(), StorageError> {
    if attempts.is_empty() {
        browser::session_remove(ATTEMPTS_KEY);
        return Ok(());
    }
    save_list(
        ATTEMPTS_KEY,
        attempts.iter().map(Attempt::to_json).collect(),
    )
}

/// Keeps the session.
pub(super) fn save_session(session: &Session) -> Result<(), StorageError> {
    browser::session_set(SESSION_KEY, &session.to_json().to_string())
}

/// The session saved in this tab, if it is still of use: an unreadable entry, or an expired
/// one that cannot be refreshed, is removed.
pub(super) fn load_session() -> Result<Option<Session>, StorageError> {
    let Some(text) = browser::session_get(SESSION_KEY)? else {
        return Ok(None);
    };
    match json::parse(&text).as_ref().and_then(Session::from_json) {
        Some(s) if !(s.is_expired(now_ms()) && s.refresh_token.is_none()) => Ok(Some(s)),
        // A session that can no longer be used has ended: what it read of the account (the
        // bulk journal), its timeline and attempts go with it, as at a refused refresh.
        _ => {
            clear_session_keeping_app();
            Ok(None)
        }
    }
}

/// Clears every key the app keeps in this tab but the client id imported from a credentials
/// file: that is the tab's app, not its session, and signing in again must use the same app.
pub(super) fn clear_session_keeping_app() {
    let app = browser::session_get(browser::CREDENTIALS_CLIENT_ID_KEY)
        .ok()
        .flatten();
    browser::session_clear_all();
    if let Some(id) = app {
        let _ = browser::session_set(browser::CREDENTIALS_CLIENT_ID_KEY, &id);
    }
}
