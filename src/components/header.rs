use crate::app::href;
use crate::auth::{sign_out, use_auth};
use crate::client;
use crate::oauth::Session;
use crate::routes::AppRoute;
use leptos::prelude::*;

/// Who is signed in: `/users/me` where the token allows it, else the id_token's claims.
async fn who(auth: crate::auth::Auth, session: Session, abort: crate::task::Abort) -> String {
    match client::get_json_retrying(auth, "/users/me", &abort).await {
        Ok(v) => {
            let user = &v["user"];
            let name = user["name"].as_str().unwrap_or("PagerDuty user");
            match user["email"].as_str() {
                Some(email) => format!("{name} ({email})"),
                None => name.to_string(),
            }
        }
        Err(_) => {
            let claims = session.id_claims().unwrap_or_default();
            let user = claims
                .get("user_id")
                .and_then(|v| v.as_str())
                .unwrap_or("a PagerDuty user");
            match session.subdomain.as_deref() {
                Some(sub) => format!("{user} on {sub}"),
                None => user.to_string(),
            }
        }
    }
}

/// The top bar: product name, navigation, and who is signed in.
#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    let router = crate::nav::use_nav();
    let sections = [AppRoute::Services, AppRoute::Users, AppRoute::Token];
    // Refetch only when the person changes, not on every token refresh.
    let identity = Memo::new(move |_| auth.session().map(|s| (s.client_id, s.id_token)));
    let me = crate::task::load_keyed(
        // `get`, not `track`: a memo nobody reads is never computed, so never changes.
        move || identity.get(),
        move |_, abort| {
            let session = auth.session_untracked();
            async move {
                match session {
                    Some(s) => Some(who(auth, s, abort).await),
                    None => None,
                }
            }
        },
    );
    view! {
        <header class="topbar">
            <a href=href(&AppRoute::Home.path()) class="brand">
                <span class="brand-mark" aria-hidden="true">"◉"</span>
                " pdscope"
            </a>
            <nav aria-label="Main">
                <ul>
                    {sections
                        .into_iter()
                        .map(|r| {
                            let title = r.title();
                            // The current section, for the eye (CSS) and for screen readers.
                            let current = move || (router.route().title() == title).then_some("page");
                            view! {
                                <li>
                                    <a href=href(&r.path()) aria-current=current>{title}</a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
            {move || {
                auth.session().map(|_| {
                    view! {
                        <div class="who">
                            <span class="who-name">
                                {move || me.get().flatten().unwrap_or_else(|| "Signed in".into())}
                            </span>
                            <button on:click=move |_| sign_out(auth)>"Sign out"</button>
                        </div>
                    }
                })
            }}
        </header>
    }
}
