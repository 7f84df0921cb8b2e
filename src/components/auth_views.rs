//! The views that say where sign-in stands: the "Connect to PagerDuty" button, sign-in errors
//! with what to do next, and `RequireAuth`, the sign-in prompt every signed-in page shows when
//! signed out.

use crate::auth::{start_sign_in, use_auth, AuthError};
use crate::context::use_config;
use leptos::prelude::*;

/// The "Connect to PagerDuty" button: starts a sign-in that returns to `return_to`.
#[component]
pub fn ConnectButton(
    /// The app path to come back to after sign-in.
    #[prop(into, default = "/".to_string())]
    return_to: String,
    /// Scopes to ask for on top of the configured ones.
    #[prop(optional)]
    extra_scopes: Vec<String>,
    /// The button text.
    #[prop(into, default = "Connect to PagerDuty".to_string())]
    label: String,
) -> impl IntoView {
    let auth = use_auth();
    let config = use_config();
    view! {
        <button
            class="primary"
            on:click=move |_| start_sign_in(auth, &config, &extra_scopes, &return_to)
        >
            {label}
        </button>
    }
}

/// What went wrong with sign-in, and the way back in.
#[component]
pub fn AuthErrorView(
    /// The error to explain.
    error: AuthError,
) -> impl IntoView {
    view! {
        <section class="card" role="alert">
            <h1>"Sign-in did not complete"</h1>
            <p class="error">{error.to_string()}</p>
            <div class="actions">
                <ConnectButton label="Sign in again" />
            </div>
        </section>
    }
}

/// Shows `children` when signed in; otherwise explains and offers sign-in.
#[component]
pub fn RequireAuth(
    /// What the page shows, for the signed-out message.
    what: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let auth = use_auth();
    let nav = crate::nav::use_nav();
    // Only signing in or out re-renders the page, not each token refresh.
    let signed_in = Memo::new(move |_| auth.session().is_some());
    move || {
        if signed_in.get() {
            children().into_any()
        } else {
            let path = nav.location().path_and_query();
            view! {
                <section class="card">
                    <h1>{what}</h1>
                    <p>{format!("Sign in with PagerDuty to see {}.", what.to_lowercase())}</p>
                    <ConnectButton return_to=path />
                </section>
            }
            .into_any()
        }
    }
}
