use crate::app::href;
use crate::routes::AppRoute;
use leptos::prelude::*;
use leptos_router::components::A;

/// The top bar: product name and navigation.
#[component]
pub fn Header() -> impl IntoView {
    let nav = [AppRoute::Services, AppRoute::Users, AppRoute::Token];
    view! {
        <header class="topbar">
            <A href=href(&AppRoute::Home.path()) attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◉"</span>
                " pdscope"
            </A>
            <nav aria-label="Main">
                <ul>
                    {nav
                        .into_iter()
                        .map(|r| {
                            view! {
                                <li>
                                    <A href=href(&r.path())>{r.title()}</A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
        </header>
    }
}
