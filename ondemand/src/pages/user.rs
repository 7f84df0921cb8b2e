//! The user page's notification rules and the user's role in each team: what an import's
//! `notify` and `team_roles` write, so that after an import the user page shows it took.
//!
//! It lives in this module, not the app's user page, to keep the first load small: the app's
//! user page (`pdscope::pages::detail`) mounts it into a box below the user's card with
//! `pdscope::host::Entry::MountUserExtras` and the user's id ([`mount`]). It reads through
//! the app's session (`crate::host`): `GET /users/{id}` with the notification rules and
//! contact methods included (`users:contact_methods.read`; Classic `read` covers it), then
//! `GET /teams/{id}/members` for each of the user's teams (`teams.read`). Everything from
//! PagerDuty is shown as text.

use crate::host::Host;
use crate::io::Io;
use leptos::prelude::*;
use pdscope::api::ApiError;
use pdscope::json;
use pdscope::models::{
    parse_one, rule_rows, ContactMethod, NotificationRule, Reference, TeamMember, User,
};
use pdscope::paging;

/// Mounts the rules and roles of the user `id` into `el`; `host` is the app's session.
pub fn mount(
    el: web_sys::HtmlElement,
    host: js_sys::Function,
    id: String,
) -> leptos::mount::UnmountHandle<impl Mountable> {
    leptos::mount::mount_to(
        el,
        move || view! { <UserExtras host=Host(host) id=id.clone() /> },
    )
}

/// What was read: the rules as rows (when, urgency, contact method) and each team with the
/// user's role in it (`None`: not among its members), or why not, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extras {
    /// The user's name and e-mail, for "Offboard…".
    pub who: (String, String),
    pub rules: Result<Vec<[String; 3]>, String>,
    pub roles: Result<Vec<(String, Option<String>)>, String>,
}

/// Why `what` is not shown, in words: a missing scope is named with the way to it.
pub fn not_shown(what: &str, e: &ApiError) -> String {
    match e {
        ApiError::MissingScope { required, .. } => format!(
            "{what} are not shown: this token lacks {}. The token page can sign in again with it.",
            required.join(", ")
        ),
        e => format!("{what} could not be read. {e}"),
    }
}

/// Reads the user `id`'s rules and team roles through `io`. `Err` when the user itself
/// could not be read (the card above says why, too).
async fn read(io: &Io, id: &str) -> Result<Extras, ApiError> {
    let user = format!("/users/{}", pdscope::url::encode(id));
    let full = format!(
        "{user}?{}",
        pdscope::url::form(&[
            ("include[]", "notification_rules"),
            ("include[]", "contact_methods")
        ])
    );
    // A Scoped token without `users:contact_methods.read` may still read the user's teams.
    let (v, rules) = match paging::get_with_retry(io, full).await {
        Err(e @ ApiError::MissingScope { .. }) => (
            paging::get_with_retry(io, user.clone()).await?,
            Err(not_shown("Notification rules", &e)),
        ),
        Err(e) => return Err(e),
        Ok(v) => {
            let u = v.get("user").unwrap_or(&v);
            let rules: Vec<NotificationRule> = json::list(u, "notification_rules");
            let methods: Vec<ContactMethod> = json::list(u, "contact_methods");
            let rows = rule_rows(&rules, &methods);
            (v, Ok(rows))
        }
    };
    let u: User = parse_one(&v, "user").map_err(|detail| ApiError::Malformed {
        endpoint: user,
        detail,
    })?;
    Ok(Extras {
        who: (
            u.display_name().to_string(),
            u.email.clone().unwrap_or_default(),
        ),
        rules,
        roles: roles(io, &u.id, &u.teams).await,
    })
}

/// The user's role in each of `teams`, from its members (paged).
async fn roles(
    io: &Io,
    user_id: &str,
    teams: &[Reference],
) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    for t in teams {
        let path = format!("/teams/{}/members", pdscope::url::encode(&t.id));
        let members = paging::fetch_all::<TeamMember, _>(
            io,
            &path,
            "members",
            paging::DEFAULT_CONCURRENCY,
            |_, _| {},
        )
        .await
        .map_err(|e| not_shown("Team roles", &e))?;
        let role = members
            .rows
            .into_iter()
            .find(|m| m.user_id == user_id)
            .and_then(|m| m.role);
        out.push((t.label().to_string(), role));
    }
    Ok(out)
}

/// The rules and roles of the user `id`, read when shown; leaving the page stops the reads.
#[component]
pub fn UserExtras(host: Host, id: String) -> impl IntoView {
    let data = pdscope::task::spawn_into(move |abort| async move {
        read(&Io { host, abort }, &id)
            .await
            .map_err(|e| not_shown("Notification rules and team roles", &e))
    });
    view! {
        <section class="card user-extras" aria-label="Notification rules and team roles">
            {move || match data.get() {
                None => view! {
                    <p class="loading" role="status">"Reading the notification rules and team roles…"</p>
                }.into_any(),
                Some(Err(why)) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
                Some(Ok(x)) => extras_view(x).into_any(),
            }}
        </section>
    }
}

/// The two sections, each with its own reason when it could not be read.
pub fn extras_view(x: Extras) -> impl IntoView {
    let rules = match x.rules {
        Err(why) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
        Ok(rows) if rows.is_empty() => view! { <p>"None."</p> }.into_any(),
        Ok(rows) => view! {
            <table>
                <thead><tr><th scope="col">"When"</th><th scope="col">"Urgency"</th><th scope="col">"Contact method"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|[when, urgency, cm]| view! {
                        <tr><td>{when}</td><td>{urgency}</td><td class="wrap">{cm}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    };
    let roles = match x.roles {
        Err(why) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
        Ok(teams) if teams.is_empty() => view! { <p>"In no team."</p> }.into_any(),
        Ok(teams) => view! {
            <table>
                <thead><tr><th scope="col">"Team"</th><th scope="col">"Role"</th></tr></thead>
                <tbody>
                    {teams.into_iter().map(|(team, role)| view! {
                        <tr><td class="wrap">{team}</td><td>{role.unwrap_or_else(|| "not listed among its members".into())}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    };
    let (name, email) = x.who;
    let href = format!("../import?offboard={}", pdscope::url::encode(&email));
    let offboard = (!email.is_empty()).then(|| {
        view! {
            <h2>"Leaving?"</h2>
            <p>
                <a href=href on:click=move |_| crate::pages::bulk::offboard_soon(std::slice::from_ref(&email), "from the user page")>{format!("Offboard {name}…")}</a>
                " Plans taking them off every escalation policy and schedule, with who takes over; nothing is written until you press Offboard."
            </p>
        }
    });
    view! {
        <h2>"Notification rules"</h2>
        {rules}
        <h2>"Team roles"</h2>
        {roles}
        {offboard}
    }
}
