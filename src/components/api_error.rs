//! API errors where they happen, with the way forward (shared by the list and detail pages).

use crate::api::ApiError;
use crate::auth::use_auth;
use crate::components::auth_views::ConnectButton;
use leptos::prelude::*;

/// The way to the scopes a page needs: "Sign in again with …", or, when they were asked for
/// already and still not granted, that the app's registration lacks them (another sign-in
/// would only loop back here).
pub fn scope_action(required: Vec<String>) -> AnyView {
    let lacks = use_auth()
        .session_untracked()
        .map(|s| crate::inspect::registration_lacks(&required, &s.requested_scopes))
        .unwrap_or_default();
    if !lacks.is_empty() {
        return view! { <p>{crate::inspect::registration_lacks_text(&lacks)}</p> }.into_any();
    }
    let return_to = crate::nav::use_nav().location_untracked().path_and_query();
    let label = format!("Sign in again with {}", required.join(" "));
    view! { <ConnectButton return_to=return_to extra_scopes=required label=label /> }.into_any()
}

/// An API error where it happened, with the way forward.
#[component]
pub fn ApiErrorView(
    /// The error.
    error: ApiError,
) -> impl IntoView {
    let return_to = crate::nav::use_nav().location_untracked().path_and_query();
    let action = match &error {
        ApiError::MissingScope { required, .. } => Some(scope_action(required.clone())),
        ApiError::Unauthorized => {
            Some(view! { <ConnectButton return_to=return_to label="Sign in again" /> }.into_any())
        }
        _ => None,
    };
    view! {
        <div class="card" role="alert">
            <p class="error">{error.to_string()}</p>
            <div class="actions">{action}</div>
        </div>
    }
}
