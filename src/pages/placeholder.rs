use crate::components::auth_views::RequireAuth;
use leptos::prelude::*;

/// A page whose content a later change fills in; it already requires sign-in.
#[component]
pub fn Placeholder(
    /// The page heading.
    title: &'static str,
) -> impl IntoView {
    view! {
        <RequireAuth what=title>
            <section class="card">
                <h1>{title}</h1>
                <p>"This page is not built yet."</p>
            </section>
        </RequireAuth>
    }
}
