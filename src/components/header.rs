use crate::auth::{sign_out, use_auth};
use crate::client;
use crate::context::href;
use crate::oauth::Session;
use crate::routes::AppRoute;
use leptos::prelude::*;

/// The signed-in person as `/users/me` describes them.
#[derive(Clone, Debug, PartialEq)]
pub struct Me {
    pub name: String,
    pub email: Option<String>,
    /// PagerDuty's role value (`admin`, `limited_user`, …).
    pub role: Option<String>,
}

/// `/users/me` for the person signed in: loaded once per person (not per token refresh) and
/// shared by the header and the lists. The inner `None`: the token cannot read it.
#[derive(Clone, Copy)]
pub struct MeCtx(pub RwSignal<Option<Option<Me>>>);

/// Starts loading `/users/me` whenever the person changes, and provides it.
pub fn provide_me() {
    let auth = use_auth();
    let identity = Memo::new(move |_| auth.session().map(|s| (s.client_id, s.id_token)));
    let me = crate::task::load_keyed(
        // `get`, not `track`: a memo nobody reads is never computed, so never changes.
        move || identity.get(),
        move |who, abort| async move {
            who.as_ref()?;
            let v = client::get_json_retrying(auth, "/users/me", &abort)
                .await
                .ok()?;
            let user = &v["user"];
            let text = |k: &str| crate::json::string(user, k);
            Some(Me {
                name: text("name").unwrap_or_else(|| "PagerDuty user".into()),
                email: text("email"),
                role: text("role"),
            })
        },
    );
    provide_context(MeCtx(me));
}

/// The signed-in person's role, once known.
pub fn use_role() -> Option<String> {
    use_context::<MeCtx>().and_then(|m| m.0.get().flatten().and_then(|me| me.role))
}

/// Who is signed in, in words: from `/users/me` where the token allows it, else the
/// id_token's claims.
fn who(me: Option<Me>, session: &Session) -> String {
    match me {
        Some(me) => {
            let mut text = match me.email {
                Some(email) => format!("{} ({email})", me.name),
                None => me.name,
            };
            if let Some(role) = me.role {
                text.push_str(" · ");
                text.push_str(crate::models::role_label(&role));
            }
            text
        }
        None => {
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
    let sections = [
        AppRoute::Services,
        AppRoute::Users,
        AppRoute::Import,
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
                            <span class="who-name">
                                {move || match (me.get(), auth.session()) {
                                    (Some(m), Some(s)) => who(m, &s),
                                    _ => "Signed in".into(),
                                }}
                            </span>
                            <button on:click=move |_| sign_out(auth)>"Sign out"</button>
                        </div>
                    }
                })
            }}
        </header>
    }
}
