//! Sign-in state and the browser side of the flow. The decisions are made in the pure
//! `oauth` and `refresh` modules; this is the glue, one file per part:
//!
//! - here: the state ([`AuthState`], [`AuthError`]), the context ([`Auth`], [`provide_auth`],
//!   [`use_auth`]) and what the tab knows across sessions (the epoch, the refresh back-off);
//! - `store`: what is kept in this tab's sessionStorage (session, attempts, timeline);
//! - `sign_in`: starting a sign-in and handling the callback;
//! - `refresh`: refresh on demand and shortly before expiry;
//! - `sign_out`: the end of a session (sign-out or a refused refresh) and revocation;
//! - `transport`: the token endpoint's POSTs.

mod refresh;
mod sign_in;
mod sign_out;
mod store;
mod transport;

pub use refresh::refresh_now;
pub use sign_in::{handle_callback, prepare_sign_in, start_sign_in, start_sign_in_with};
pub use sign_out::sign_out;
pub use store::load_timeline;

use crate::browser::StorageError;
use crate::oauth::{CallbackError, Session, TokenError};
use crate::refresh::AutoRefresh;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use thiserror::Error;

/// Where sign-in stands. One enum, never a set of booleans.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthState {
    SignedOut,
    Redirecting,
    Exchanging,
    SignedIn(Box<Session>),
    Failed(AuthError),
}

/// Everything that can end a sign-in, each with its own message.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    #[error(transparent)]
    Callback(#[from] CallbackError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("The browser could not make random numbers for the sign-in ({0}). Use a current browser over https or localhost.")]
    Random(String),
}

/// The auth context: state plus a one-line notice (sign-out results, refresh problems).
#[derive(Clone, Copy)]
pub struct Auth {
    pub state: RwSignal<AuthState>,
    pub notice: RwSignal<Option<String>>,
    /// Set when automatic refresh has given up (the token expired after failed refreshes):
    /// the last error. The page then offers Retry and Sign in again.
    pub refresh_stalled: RwSignal<Option<String>>,
    /// Counts the times the session ended in this tab (sign-out, or PagerDuty refusing the
    /// refresh token), raised only by `end_session`. What holds data of the account apart
    /// from the session (the second module) watches it and lets go.
    pub ended: RwSignal<u64>,
}

impl Auth {
    /// A context in `state`, with no notice.
    pub fn new(state: AuthState) -> Auth {
        Auth {
            state: RwSignal::new(state),
            notice: RwSignal::new(None),
            refresh_stalled: RwSignal::new(None),
            ended: RwSignal::new(0),
        }
    }
    pub fn session(&self) -> Option<Session> {
        match self.state.get() {
            AuthState::SignedIn(s) => Some(*s),
            _ => None,
        }
    }
    pub fn session_untracked(&self) -> Option<Session> {
        untrack(|| self.session())
    }
}

/// The auth context; only valid under [`provide_auth`] (or a test that provides an [`Auth`]).
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// The browser's clock, in milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Creates the auth context, restoring a session saved in this tab, and keeps it fresh.
pub fn provide_auth() -> Auth {
    let initial = match store::load_session() {
        Err(e) => AuthState::Failed(e.into()),
        Ok(None) => AuthState::SignedOut,
        Ok(Some(s)) => AuthState::SignedIn(Box::new(s)),
    };
    let auth = Auth::new(initial);
    provide_context(auth);
    refresh::keep_fresh(auth);
    auth
}

thread_local! {
    /// Backoff of the automatic refresh after failures.
    static AUTO: RefCell<AutoRefresh> = RefCell::new(AutoRefresh::default());
    /// Bumped by the end of a session and by every new sign-in: a refresh that started under
    /// another epoch belongs to a session that is gone.
    static EPOCH: Cell<u64> = const { Cell::new(0) };
}

/// The current session's epoch.
fn epoch() -> u64 {
    EPOCH.with(Cell::get)
}

/// A session ended or began: refreshes started before belong to another one.
fn new_epoch() {
    EPOCH.with(|e| e.set(e.get() + 1));
}

/// A refresh succeeded, or the session ended: no back-off, no "could not refresh" prompt.
fn refresh_trouble_over(auth: Auth) {
    AUTO.with(|a| a.borrow_mut().reset());
    auth.refresh_stalled.set(None);
}
