//! What this session can do with the chosen kind, said when Import opens, before any file:
//! a role that may not run it is told so (and offered no sign-in, which cannot change a
//! role); a session without the kind's scopes is told which, with one sign-in that asks for
//! all of them at once (a Scoped app's registration must include them all).

use super::{scope_button, use_bulk};
use crate::host::Host;
use leptos::prelude::*;

/// The fit between this session and the chosen kind, or nothing when it fits.
#[component]
pub(super) fn SessionFit() -> impl IntoView {
    let ctx = use_bulk();
    // The role is the app's `/users/me`, which may still be loading when Import opens.
    let role = RwSignal::new(ctx.host.with_value(Host::role));
    if role.get_untracked().is_none() {
        leptos::task::spawn_local(async move {
            for _ in 0..20 {
                pdscope::client::sleep_ms(500).await;
                let Some(host) = ctx.host.try_get_value() else {
                    return;
                };
                if let Some(r) = host.role() {
                    role.try_set(Some(r));
                    return;
                }
            }
        });
    }
    move || {
        let host = ctx.host.get_value();
        host.token()?;
        let kind = ctx.kind.get();
        if let Some(why) = role.get().and_then(|r| kind.role_refusal(&r)) {
            return Some(
                view! { <p class="warnings session-fit" role="alert">{why}</p> }.into_any(),
            );
        }
        let scoped = host.scoped();
        let needed: Vec<String> = kind.scopes(scoped).iter().map(|s| s.to_string()).collect();
        let granted = host.granted();
        let missing: Vec<String> = needed
            .iter()
            .filter(|s| !granted.contains(s))
            .cloned()
            .collect();
        if missing.is_empty() {
            return None;
        }
        let text = if scoped {
            format!(
                "Importing {} takes these scopes, and this app's registration in PagerDuty must include them all: {}. This session lacks {}.",
                kind.noun(),
                needed.join(" "),
                missing.join(" ")
            )
        } else {
            "This session can only read: importing needs the write scope. Sign in again with it before you choose a file.".to_string()
        };
        Some(
            view! {
                <div class="warnings session-fit" role="status">
                    <p>{text}</p>
                    {scope_button(&host, missing)}
                </div>
            }
            .into_any(),
        )
    }
}
