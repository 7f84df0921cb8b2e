//! `/services/:id` and `/users/:id`.

use crate::api::ApiError;
use crate::auth::use_auth;
use crate::client;
use crate::components::api_error::scope_action;
use crate::components::auth_views::RequireAuth;
use crate::components::load::Loaded;
use crate::components::ondemand::OnDemand;
use crate::context::href;
use crate::host::Entry;
use crate::models::{parse_one, safe_link, Reference, Service, User};
use crate::routes::AppRoute;
use leptos::prelude::*;

/// An object, and the scopes whose lack hid some of its details.
type Fetched<T> = Result<(T, Vec<String>), ApiError>;

/// GETs `path` with `include[]`s. A token that may read the object but not an include (a
/// Scoped token without `teams.read`, say) gets PagerDuty's missing-scope 403: the object is
/// then fetched without includes, and the scopes that would show more are returned.
async fn fetch<T: crate::json::FromJson>(
    auth: crate::auth::Auth,
    path: Option<String>,
    includes: &[&str],
    key: &str,
    abort: crate::task::Abort,
) -> Fetched<T> {
    let path = path.ok_or_else(|| ApiError::NotFound(crate::api::not_found_text("")))?;
    let pairs: Vec<(&str, &str)> = includes.iter().map(|i| ("include[]", *i)).collect();
    let full = format!("{path}?{}", crate::url::form(&pairs));
    let (v, hidden) = match client::get_json_retrying(auth, &full, &abort).await {
        Err(ApiError::MissingScope { required, .. }) if !includes.is_empty() => (
            client::get_json_retrying(auth, &path, &abort).await?,
            required,
        ),
        other => (other?, Vec::new()),
    };
    let one = parse_one(&v, key).map_err(|detail| ApiError::Malformed {
        endpoint: path,
        detail,
    })?;
    Ok((one, hidden))
}

/// The API path of one object, `/{collection}/{id}`, with the id as one segment: `None` for a
/// dot segment (`..` would name another API path; see [`crate::url::segment`]).
fn object_path(collection: &str, id: &str) -> Option<String> {
    crate::url::segment(id).map(|s| format!("/{collection}/{s}"))
}

/// Says which scopes would show more, with the way to them.
fn hidden_note(hidden: Vec<String>) -> Option<AnyView> {
    (!hidden.is_empty()).then(|| {
        let text = format!(
            "Some details are not shown: this token lacks {}.",
            hidden.join(", ")
        );
        view! {
            <div class="warnings">
                <p>{text}</p>
                {scope_action(hidden)}
            </div>
        }
        .into_any()
    })
}

fn api_origin() -> Option<String> {
    use_auth()
        .session_untracked()
        .and_then(|s| s.api_url)
        .and_then(|u| crate::url::origin_of(&u))
}

/// A link when the URL is safe to link to (https or the API origin); text otherwise.
#[component]
fn MaybeLink(url: Option<String>, text: String) -> impl IntoView {
    match safe_link(url.as_deref(), api_origin().as_deref()) {
        Some(u) => {
            view! { <a href=u rel="noopener noreferrer" target="_blank">{text}</a> }.into_any()
        }
        None => view! { <span>{text}</span> }.into_any(),
    }
}

/// References (teams, an escalation policy) as links to PagerDuty where it gave one.
fn refs(list: Vec<Reference>) -> AnyView {
    if list.is_empty() {
        return "none".into_any();
    }
    let last = list.len() - 1;
    list.into_iter()
        .enumerate()
        .map(|(i, r)| {
            let text = r.label().to_string();
            view! { <MaybeLink url=r.html_url.clone() text=text />{(i < last).then_some(", ")} }
        })
        .collect_view()
        .into_any()
}

/// A time from PagerDuty in the person's time zone, with UTC on hover; text as is when it
/// is not a time.
fn when(text: Option<String>, none: &'static str) -> AnyView {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return none.into_any();
    };
    match crate::timefmt::parse_iso(&text) {
        Some(ms) => view! {
            <time datetime=text.clone() title=crate::timefmt::iso(ms)>{crate::browser::local_time(ms)}</time>
        }
        .into_any(),
        None => text.into_any(),
    }
}

/// A timeout in words (`4 h`), or `off` when unset.
fn timeout(secs: &Option<String>) -> String {
    secs.as_deref()
        .and_then(|t| t.parse::<u32>().ok())
        .map(f64::from)
        .and_then(crate::timefmt::duration_words)
        .or_else(|| secs.clone())
        .unwrap_or_else(|| "off".into())
}

#[component]
pub fn ServiceDetail(
    /// The service id from the address.
    id: String,
) -> impl IntoView {
    view! { <RequireAuth what="Service"><ServiceInner id=id.clone() /></RequireAuth> }
}

#[component]
fn ServiceInner(id: String) -> impl IntoView {
    let auth = use_auth();
    let path = object_path("services", &id);
    let data =
        crate::task::spawn_into(|abort| fetch::<Service>(auth, path, &["teams"], "service", abort));
    view! {
        <p><a href=href(&AppRoute::Services.path())>"← All services"</a></p>
        <Loaded data=data let:answer>{service_view(answer)}</Loaded>
    }
}

/// A service's facts.
fn service_view((s, hidden): (Service, Vec<String>)) -> impl IntoView {
    view! {
        <section class="card">
            <h1>{s.display_name().to_string()}</h1>
            {hidden_note(hidden)}
            <dl class="facts">
                <dt>"Id"</dt><dd><code>{s.id.clone()}</code></dd>
                <dt>"Status"</dt><dd>{
                    let st = s.status.clone().unwrap_or_else(|| "unknown".into());
                    let class = crate::table::status_class(&st);
                    view! { <span class=class>{st}</span> }
                }</dd>
                <dt>"Description"</dt><dd>{s.description.clone().filter(|d| !d.is_empty()).unwrap_or_else(|| "none".into())}</dd>
                <dt>"Escalation policy"</dt><dd>{refs(s.escalation_policy.clone().into_iter().collect())}</dd>
                <dt>"Urgency"</dt><dd>{s.urgency.clone().map_or_else(|| "not shown".into(), |u| u.replace('_', " "))}</dd>
                <dt>"Teams"</dt><dd>{refs(s.teams.clone())}</dd>
                <dt>"Created"</dt><dd>{when(s.created_at.clone(), "unknown")}</dd>
                <dt>"Last incident"</dt><dd>{when(s.last_incident_timestamp.clone(), "none")}</dd>
                <dt>"Auto-resolve after"</dt><dd>{timeout(&s.auto_resolve_timeout)}</dd>
                <dt>"Acknowledgement timeout"</dt><dd>{timeout(&s.acknowledgement_timeout)}</dd>
                <dt>"In PagerDuty"</dt><dd><MaybeLink url=s.html_url.clone() text=s.html_url.clone().unwrap_or_else(|| "no link".into()) /></dd>
            </dl>
        </section>
    }
}

#[component]
pub fn UserDetail(
    /// The user id from the address.
    id: String,
) -> impl IntoView {
    view! { <RequireAuth what="User"><UserInner id=id.clone() /></RequireAuth> }
}

#[component]
fn UserInner(id: String) -> impl IntoView {
    let auth = use_auth();
    let path = object_path("users", &id);
    let data = crate::task::spawn_into(|abort| {
        fetch::<User>(auth, path, &["contact_methods", "teams"], "user", abort)
    });
    // The notification rules and team roles (what an import writes) are the on-demand
    // module's: most visits do not need them, and the first load stays small.
    view! {
        <p><a href=href(&AppRoute::Users.path())>"← All users"</a></p>
        <Loaded data=data let:answer>{user_view(answer)}</Loaded>
        <OnDemand what="the rules and roles" entry=Entry::MountUserExtras arg=id />
    }
}

/// A user's facts and contact methods.
fn user_view((u, hidden): (User, Vec<String>)) -> impl IntoView {
    let methods = u.contact_methods.clone();
    view! {
        <section class="card">
            <h1>{u.display_name().to_string()}</h1>
            {hidden_note(hidden)}
            <dl class="facts">
                <dt>"Id"</dt><dd><code>{u.id.clone()}</code></dd>
                <dt>"Email"</dt><dd>{u.email.clone().unwrap_or_default()}</dd>
                <dt>"Role"</dt><dd>{u.role.as_deref().map(crate::models::role_label).unwrap_or_default().to_string()}</dd>
                <dt>"Job title"</dt><dd>{u.job_title.clone().unwrap_or_else(|| "none".into())}</dd>
                <dt>"Time zone"</dt><dd>{u.time_zone.clone().unwrap_or_else(|| "account default".into())}</dd>
                <dt>"Teams"</dt><dd>{refs(u.teams.clone())}</dd>
                <dt>"In PagerDuty"</dt><dd><MaybeLink url=u.html_url.clone() text=u.html_url.clone().unwrap_or_else(|| "no link".into()) /></dd>
            </dl>
            <h2>"Contact methods"</h2>
            {if methods.is_empty() {
                view! { <p>"None visible to this token."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Type"</th><th scope="col">"Label"</th><th scope="col">"Address"</th></tr></thead>
                        <tbody>
                            {methods.into_iter().map(|m| view! {
                                <tr>
                                    <td>{m.channel().to_string()}</td>
                                    <td>{m.label.clone().or(m.summary.clone()).unwrap_or_default()}</td>
                                    <td class="wrap">{m.display_address().unwrap_or_else(|| "hidden".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_id_stays_one_segment_of_the_api_path() {
        assert_eq!(
            super::object_path("services", "P1").as_deref(),
            Some("/services/P1")
        );
        assert_eq!(
            super::object_path("users", "../x").as_deref(),
            Some("/users/..%2Fx")
        );
        for dots in ["..", ".", ""] {
            assert_eq!(super::object_path("services", dots), None, "{dots:?}");
        }
    }
}
