use leptos::prelude::*;

/// A page whose content a later change fills in.
#[component]
pub fn Placeholder(
    /// The page heading.
    title: &'static str,
) -> impl IntoView {
    view! {
        <section class="card">
            <h1>{title}</h1>
            <p>"This page is not built yet."</p>
        </section>
    }
}
