//! The end of a session, for either reason (the person signs out, or PagerDuty refuses the
//! refresh token): one function clears the tab and raises `Auth::ended`; sign-out then
//! revokes the tokens (RFC 7009).

use super::transport::BrowserTransport;
use super::{new_epoch, refresh_trouble_over, Auth, AuthState};
use crate::browser;
use crate::oauth::{self, Session};
use crate::refresh::Transport;
use leptos::prelude::*;

/// Revokes a session's refresh and access tokens (RFC 7009). Returns the failures.
pub(super) async fn revoke_all(s: &Session) -> Vec<String> {
    let mut failures = Vec::new();
    let tokens = [
        (s.refresh_token.clone(), "refresh_token"),
        (Some(s.access_token.clone()), "access_token"),
    ];
    for (token, hint) in tokens {
        let Some(token) = token else { continue };
        let body = oauth::revoke_body(&s.client_id, &token, hint);
        match BrowserTransport.post_form(&s.revoke_url, body).await {
            Ok(r) if (200..300).contains(&r.status) => {}
            Ok(r) => failures.push(format!("HTTP {}", r.status)),
            Err(e) => failures.push(e),
        }
    }
    failures
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ended {
    /// The person signed out.
    SignedOut,
    /// PagerDuty refused the refresh token (`invalid_grant`).
    Refused,
}

/// Ends the session in this tab, the one way both sign-out and a refused refresh go: a
/// refresh still in flight now belongs to a gone session (it revokes what it brings), every
/// key the app keeps in this tab goes, the tab is signed out, and [`Auth::ended`] is raised.
/// What each path tells the person is its own.
pub(super) fn end_session(auth: Auth, why: Ended) {
    new_epoch();
    // A client id imported from a credentials file is the tab's app, not its session: the
    // person did not sign out, and signing in again (a new page load) must use the same app.
    match why {
        Ended::Refused => super::store::clear_session_keeping_app(),
        Ended::SignedOut => browser::session_clear_all(),
    }
    refresh_trouble_over(auth);
    auth.state.set(AuthState::SignedOut);
    auth.ended.update(|n| *n += 1);
}

/// Signs out: the session ends first (`end_session`: every key the app keeps in this tab
/// goes), then the refresh and access tokens are revoked. A refresh still in flight revokes
/// what it brings when it lands (`apply_refresh`).
pub fn sign_out(auth: Auth) {
    let session = auth.session_untracked();
    end_session(auth, Ended::SignedOut);
    let Some(s) = session else { return };
    auth.notice
        .set(Some("Signed out. Revoking the token…".into()));
    leptos::task::spawn_local(async move {
        let failures = revoke_all(&s).await;
        auth.notice.set(Some(if failures.is_empty() {
            "Signed out, and PagerDuty revoked the token.".into()
        } else {
            let until = s
                .expires_ms
                .map(|e| format!(" until {}", crate::timefmt::iso(e)))
                .unwrap_or_default();
            format!(
                "Signed out in this tab, but the token could not be revoked ({}). It may stay valid{until}.",
                failures.join("; ")
            )
        }));
    });
}
