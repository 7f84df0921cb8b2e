//! The top bar: product name, the main navigation, who is signed in and the way out.

use crate::auth::{sign_out, use_auth};
use crate::context::{href, Me, MeCtx};
use crate::oauth::Session;
use crate::routes::AppRoute;
use leptos::prelude::*;

/// Who is signed in, in words: from `/users/me` where the token allows it, else the
/// id_token's claims.
fn who(me: Option<Me>, session: &Session) -> (String, String) {
    match me {
        Some(me) => {
            let text = match me.email {
                Some(email) => format!("{} ({email})", me.name),
                None => me.name,
            };
            // Apart, so that a long name is what gives way, never the role.
            let role = me.role.map_or(String::new(), |r| {
                format!(" · {}", crate::models::role_label(&r))
            });
            (text, role)
        }
        None => {
            let claims = session.id_claims().unwrap_or_default();
            let user = claims
                .get("user_id")
                .and_then(|v| v.as_str())
                .unwrap_or("a PagerDuty user");
            let text = match session.subdomain.as_deref() {
                Some(sub) => format!("{user} on {sub}"),
                None => user.to_string(),
            };
            (text, String::new())
        }
    }
}

/// The top bar: product name, navigation, and who is signed in.
#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    let router = crate::nav::use_nav();
    let sections = [
        AppRoute::Services,
        AppRoute::Users,
        AppRoute::Import,
        AppRoute::Audit,
        AppRoute::Token,
    ];
    let me = use_context::<MeCtx>()
        .map(|m| m.0)
        .unwrap_or_else(|| RwSignal::new(None));
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
                            {move || {
                                let (name, role) = match (me.get(), auth.session()) {
                                    (Some(m), Some(s)) => who(m, &s),
                                    _ => ("Signed in".into(), String::new()),
                                };
                                view! {
                                    <span class="who-name">
                                        <span class="who-person">{name}</span>
                                        <span class="who-role">{role}</span>
                                    </span>
                                }
                            }}
                            <button on:click=move |_| sign_out(auth)>"Sign out"</button>
                        </div>
                    }
                })
            }}
        </header>
    }
}
