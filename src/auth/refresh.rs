//! Refresh glue: one refresh in flight per tab (`crate::refresh::Refresher`), started on
//! demand or shortly before expiry, and what its outcome means for the tab: a new session,
//! the end of the session (`invalid_grant`), or a back-off.

use super::sign_out::{end_session, revoke_all, Ended};
use super::store::{record, save_session, step};
use super::transport::BrowserTransport;
use super::{epoch, now_ms, refresh_trouble_over, Auth, AuthState, AUTO};
use crate::oauth::{Session, TokenError};
use crate::refresh::{Due, RefreshFailure, Refresher};
use futures::future::FutureExt;
use leptos::prelude::*;
use std::time::Duration;

thread_local! {
    static REFRESHER: Refresher<BrowserTransport> = Refresher::new(BrowserTransport);
}

/// Refreshes shortly before expiry, for the life of the current owner: a cheap
/// once-a-second check, robust to sleep and timer throttling in background tabs. After a
/// failure it backs off, and once the token has expired it stops and asks the person
/// (`crate::refresh::AutoRefresh`).
pub(super) fn keep_fresh(auth: Auth) {
    let handle = set_interval_with_handle(
        move || {
            let Some(s) = auth.session_untracked() else {
                return;
            };
            if REFRESHER.with(|r| r.busy()) {
                return;
            }
            match AUTO.with(|a| a.borrow().due(&s, now_ms())) {
                Due::Wait => {}
                Due::Refresh => leptos::task::spawn_local(async move {
                    let _ = refresh_now(auth).await;
                }),
                Due::Stalled => {
                    if auth.refresh_stalled.get_untracked().is_none() {
                        let why = s
                            .last_refresh
                            .clone()
                            .unwrap_or_else(|| "the token endpoint did not answer".into());
                        auth.refresh_stalled.set(Some(why));
                    }
                }
            }
        },
        Duration::from_secs(1),
    );
    if let Ok(h) = handle {
        on_cleanup(move || h.clear());
    }
}

/// Refreshes now (joining a refresh in flight). `invalid_grant` signs the tab out; any other
/// failure backs off the automatic refresh. The outcome is applied once, by the run itself
/// (`apply_refresh`), and the run is driven on its own, so leaving the page that asked never
/// strands it. Tokens that arrive after the tab signed out (or signed in anew) are revoked.
pub async fn refresh_now(auth: Auth) -> Result<(), TokenError> {
    let Some(session) = auth.session_untracked() else {
        return Err(TokenError::InvalidGrant(Some("not signed in".into())));
    };
    let refresher = REFRESHER.with(|r| r.clone());
    let started = epoch();
    let run = refresher.refresh(session, now_ms(), move |out| {
        apply_refresh(auth, started, out)
    });
    leptos::task::spawn_local(run.clone().map(|_| ()));
    match run.await {
        Ok(_) if auth.session_untracked().is_some() => Ok(()),
        Ok(_) => Err(TokenError::InvalidGrant(Some("signed out".into()))),
        Err(f) => Err(f.error),
    }
}

/// What a finished refresh means for the tab; runs once per refresh.
fn apply_refresh(auth: Auth, started: u64, out: &Result<Session, RefreshFailure>) {
    if epoch() != started {
        // The session ended (or a new one began) while it ran: keep nothing, revoke what it
        // brought, and write nothing to the tab, which the end of the session cleared.
        if let Ok(new) = out {
            let new = new.clone();
            leptos::task::spawn_local(async move {
                let _ = revoke_all(&new).await;
            });
        }
        return;
    }
    match out {
        Ok(new) => {
            refresh_trouble_over(auth);
            record(
                vec![step(
                    &format!("Refresh (rotation {})", new.rotations),
                    "New access and refresh tokens received; the old refresh token is spent."
                        .into(),
                )],
                false,
            );
            // The old refresh token is spent: if the new one cannot be kept, say so (rule 16).
            if let Err(e) = save_session(new) {
                auth.notice.set(Some(format!(
                    "The new refresh token could not be kept in this tab ({e}). This page keeps working, but a reload will sign you out."
                )));
            }
            auth.state.set(AuthState::SignedIn(Box::new(new.clone())));
        }
        Err(RefreshFailure {
            error: TokenError::InvalidGrant(_),
            ..
        }) => {
            end_session(auth, Ended::Refused);
            auth.notice.set(Some(
                "Your PagerDuty session ended (the refresh token is no longer valid). Sign in again.".into(),
            ));
        }
        Err(RefreshFailure {
            error,
            retry_after_s,
        }) => {
            let wait_ms = AUTO.with(|a| {
                a.borrow_mut()
                    .failed(now_ms(), error, *retry_after_s, js_sys::Math::random())
            });
            record(
                vec![step(
                    "Refresh failed",
                    format!(
                        "{error}\nNext automatic attempt in {} s at the earliest (none once the access token has expired).",
                        // Whole seconds as an integer: formatting an f64 costs the
                        // release ~10 KB of float printing.
                        (wait_ms / 1000.0).ceil() as u64
                    ),
                )],
                false,
            );
            if let Some(mut s) = auth.session_untracked() {
                s.last_refresh = Some(format!("failed: {error}"));
                if auth.refresh_stalled.get_untracked().is_some() {
                    auth.refresh_stalled.set(Some(format!("failed: {error}")));
                }
                let _ = save_session(&s);
                auth.state.set(AuthState::SignedIn(Box::new(s)));
            }
        }
    }
}
