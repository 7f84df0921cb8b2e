//! Any path the app does not know: says so, with a way home.

use crate::context::href;
use crate::routes::AppRoute;
use leptos::prelude::*;

/// Shown for any path the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There is no pdscope page at this address."</p>
            <p><a href=href(&AppRoute::Home.path())>"Go to the home page"</a></p>
        </section>
    }
}
