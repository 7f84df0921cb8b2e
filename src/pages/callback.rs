//! `/callback`: where PagerDuty sends the browser back after sign-in; the code is redeemed
//! once, the address bar cleaned, and the person taken back to where they started.

use crate::auth::{handle_callback, use_auth, AuthError, AuthState};
use crate::components::auth_views::AuthErrorView;
use crate::context::use_config;
use crate::oauth::CallbackError;
use leptos::prelude::*;

/// `/callback`: validates the answer, redeems the code once, returns to the saved route.
#[component]
pub fn Callback() -> impl IntoView {
    let auth = use_auth();
    let nav = crate::nav::use_nav();
    let error = RwSignal::new(None::<AuthError>);
    handle_callback(
        auth,
        use_config(),
        move |to| nav.navigate(&to, true, true),
        move |e| error.set(Some(e)),
    );
    move || match (error.get(), auth.state.get()) {
        (Some(e), _) => view! { <AuthErrorView error=e /> }.into_any(),
        (None, state) => match state {
            AuthState::Exchanging | AuthState::Redirecting => view! {
                <section class="card"><p role="status">"Signing you in…"</p></section>
            }
            .into_any(),
            AuthState::Failed(error) => view! { <AuthErrorView error=error /> }.into_any(),
            AuthState::SignedIn(_) => view! {
                <section class="card"><p role="status">"Signed in."</p></section>
            }
            .into_any(),
            AuthState::SignedOut => {
                view! { <AuthErrorView error=CallbackError::Stale.into() /> }.into_any()
            }
        },
    }
}
