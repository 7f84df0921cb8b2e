//! `/services` and `/users`: every row, loaded concurrently with a live count, instant
//! search and sort kept in the URL, rendering in pages, and CSV export.

use crate::api::ApiError;
use crate::auth::use_auth;
use crate::client::BrowserSource;
use crate::components::api_error::ApiErrorView;
use crate::components::auth_views::RequireAuth;
use crate::models::{Service, User};
use crate::paging::{self, Listing};
use crate::routes::AppRoute;
use crate::table::{self, Index};
use leptos::prelude::*;
use std::sync::Arc;

/// Rows rendered at a time; "Show more" adds this many (keeps 10,000-row lists fast).
const RENDER_PAGE: usize = 50;
/// The URL follows the search box this long after the last keystroke (the table follows at once).
const URL_DEBOUNCE_MS: u64 = 300;

/// Which list a page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Services,
    Users,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::Services => "Services",
            Kind::Users => "Users",
        }
    }
    fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Kind::Services => table::SERVICE_COLUMNS,
            Kind::Users => table::USER_COLUMNS,
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Kind::Services => "services",
            Kind::Users => "users",
        }
    }
    fn detail(self, id: &str) -> AppRoute {
        match self {
            Kind::Services => AppRoute::Service(id.to_string()),
            Kind::Users => AppRoute::User(id.to_string()),
        }
    }
}

/// A loaded list: ids in PagerDuty's order and the table index.
#[derive(Debug)]
struct Loaded {
    ids: Vec<String>,
    /// Each row's page in PagerDuty's web app (empty when PagerDuty gave none).
    links: Vec<String>,
    index: Index,
    total: u64,
    not_listed: u64,
    skipped: u64,
}

fn loaded<T>(
    listing: Listing<T>,
    id: impl Fn(&T) -> (String, String),
    cells: impl Fn(&T) -> Vec<String>,
) -> Loaded {
    let (ids, links) = listing.rows.iter().map(&id).unzip();
    Loaded {
        ids,
        links,
        index: Index::new(listing.rows.iter().map(cells).collect()),
        total: listing.total,
        not_listed: listing.not_listed,
        skipped: listing.skipped,
    }
}

/// A row's PagerDuty link for the export: https only, as on the page (empty otherwise).
fn export_link(url: Option<&str>) -> String {
    crate::models::safe_link(url, None).unwrap_or_default()
}

/// Loads every row, or with `query`, every row PagerDuty's own `query` filter matches.
async fn load(
    kind: Kind,
    source: BrowserSource,
    progress: RwSignal<(u64, u64)>,
    query: Option<String>,
) -> Result<Arc<Loaded>, ApiError> {
    let on_page = move |done, total| progress.set((done, total));
    let conc = paging::DEFAULT_CONCURRENCY;
    let base = match &query {
        Some(q) => format!("/{}?query={}", kind.noun(), crate::url::encode(q.trim())),
        None => format!("/{}", kind.noun()),
    };
    Ok(Arc::new(match kind {
        Kind::Services => {
            let l =
                paging::fetch_all::<Service, _>(&source, &base, "services", conc, on_page).await?;
            loaded(
                l,
                |s| (s.id.clone(), export_link(s.html_url.as_deref())),
                table::service_cells,
            )
        }
        Kind::Users => {
            let l = paging::fetch_all::<User, _>(&source, &base, "users", conc, on_page).await?;
            loaded(
                l,
                |u| (u.id.clone(), export_link(u.html_url.as_deref())),
                table::user_cells,
            )
        }
    }))
}

#[component]
pub fn ServicesPage() -> impl IntoView {
    view! { <RequireAuth what="Services"><EntityList kind=Kind::Services /></RequireAuth> }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    view! { <RequireAuth what="Users"><EntityList kind=Kind::Users /></RequireAuth> }
}

/// The list view shared by services and users.
#[component]
fn EntityList(
    /// Which list.
    kind: Kind,
) -> impl IntoView {
    let auth = use_auth();
    let progress = RwSignal::new((0u64, 0u64));
    // Keyed on who is signed in, not on each token refresh.
    let who = Memo::new(move |_| {
        auth.session()
            .map(|s| (s.client_id, s.id_token, s.granted_scopes))
    });
    let data = crate::task::load_keyed(
        move || who.get(),
        move |_, abort| load(kind, BrowserSource { auth, abort }, progress, None),
    );

    let nav = crate::nav::use_nav();
    let url_q = Memo::new(move |_| nav.query("q").unwrap_or_default());
    // The table filters on this signal at every keystroke; the URL follows, debounced, so a
    // keystroke never waits for history and router work. Back/forward flow the other way.
    let search = RwSignal::new(url_q.get_untracked());
    Effect::new(move |_| {
        let from_url = url_q.get();
        if from_url != search.get_untracked() {
            search.set(from_url);
        }
    });
    let q = Memo::new(move |_| search.get());
    // Past PagerDuty's 10,000-row paging ceiling the local list is incomplete: then a search
    // (once typing pauses, with the URL) also asks PagerDuty itself, whose `query` reaches
    // every row by name.
    let remote_progress = RwSignal::new((0u64, 0u64));
    let remote = crate::task::load_keyed(
        move || {
            let text = url_q.get();
            let truncated = data.with(|d| matches!(d, Some(Ok(l)) if l.not_listed > 0));
            (truncated && !text.trim().is_empty()).then_some(text)
        },
        move |text, abort| async move {
            match text {
                Some(text) => {
                    let source = BrowserSource { auth, abort };
                    Some(load(kind, source, remote_progress, Some(text)).await)
                }
                None => None,
            }
        },
    );
    // The rows on show: PagerDuty's search results when there are some, else the full list.
    let active = move || -> Option<(Arc<Loaded>, bool)> {
        match remote.get().flatten() {
            Some(Ok(r)) => Some((r, true)),
            _ => data.get().and_then(|r| r.ok()).map(|l| (l, false)),
        }
    };
    let sort_key = Memo::new(move |_| nav.query("sort").unwrap_or_default());
    let desc = Memo::new(move |_| nav.query("dir").as_deref() == Some("desc"));
    let sort_col = Memo::new(move |_| table::column_index(kind.columns(), &sort_key.get()));
    let shown = RwSignal::new(RENDER_PAGE);

    let set_query = move |q: String, sort: String, desc: bool, replace: bool| {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !q.is_empty() {
            pairs.push(("q", &q));
        }
        if !sort.is_empty() {
            pairs.push(("sort", &sort));
            if desc {
                pairs.push(("dir", "desc"));
            }
        }
        let query = crate::url::form(&pairs);
        let path = format!(
            "/{}{}{}",
            kind.noun(),
            if query.is_empty() { "" } else { "?" },
            query
        );
        nav.navigate(&path, replace, false);
    };

    let view_rows = Memo::new(move |_| match active() {
        Some((l, _)) => l.index.view(&q.get(), sort_col.get(), desc.get()),
        None => Vec::new(),
    });

    let typing = StoredValue::new(0u64);
    let on_search = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        // Each set re-runs the table: only reset the page size when it changed.
        if shown.get_untracked() != RENDER_PAGE {
            shown.set(RENDER_PAGE);
        }
        search.set(text.clone());
        let ticket = typing.get_value() + 1;
        typing.set_value(ticket);
        leptos::task::spawn_local(async move {
            crate::client::sleep_ms(URL_DEBOUNCE_MS).await;
            if typing.get_value() == ticket && url_q.get_untracked() != text {
                set_query(text, sort_key.get_untracked(), desc.get_untracked(), true);
            }
        });
    };

    // Exactly the rows the table shows: `view_rows` index the active list, which past the
    // ceiling may be PagerDuty's search answer rather than the local list.
    let export = move |_| {
        let Some((l, _)) = untrack(active) else {
            return;
        };
        let headers: Vec<&str> = kind.columns().iter().map(|(_, t)| *t).collect();
        let csv = table::to_csv(
            &headers,
            &l.index,
            &view_rows.get_untracked(),
            &[("Id", &l.ids), ("PagerDuty link", &l.links)],
        );
        let name = table::export_name(
            kind.noun(),
            &q.get_untracked(),
            &crate::browser::local_date(),
        );
        crate::browser::download(&name, "text/csv;charset=utf-8", &csv);
    };

    let header_cells = move || {
        kind.columns()
            .iter()
            .map(move |(key, title)| {
                let key = key.to_string();
                let k2 = key.clone();
                let aria = move || {
                    if sort_key.get() == k2 {
                        if desc.get() {
                            "descending"
                        } else {
                            "ascending"
                        }
                    } else {
                        "none"
                    }
                };
                let k3 = key.clone();
                view! {
                    <th scope="col" aria-sort=aria>
                        <button class="sort" on:click=move |_| {
                            let same = sort_key.get_untracked() == k3;
                            let next_desc = same && !desc.get_untracked();
                            set_query(q.get_untracked(), k3.clone(), next_desc, false);
                        }>{*title}</button>
                    </th>
                }
            })
            .collect_view()
    };

    view! {
        <section class="card list">
            <div class="list-head">
                <h1>{kind.title()}</h1>
                <label class="search">
                    <span class="visually-hidden">{format!("Search {}", kind.noun())}</span>
                    <input
                        type="search"
                        placeholder=format!("Search {}…", kind.noun())
                        prop:value=move || q.get()
                        on:input=on_search
                    />
                </label>
                <button on:click=export disabled=move || !matches!(data.get(), Some(Ok(_)))>"Export CSV"</button>
                <crate::components::importer::ExportForImport kind=kind.noun() />
            </div>
            <div role="status" aria-live="polite" class="count">
                {move || match data.get() {
                    None => {
                        let (done, total) = progress.get();
                        view! {
                            <progress max=total.max(1) value=done></progress>
                            " "
                            {format!("{} of {} {}", table::group(done), table::group(total), kind.noun())}
                        }.into_any()
                    }
                    Some(Ok(l)) => {
                        let n = view_rows.get().len() as u64;
                        let searching = remote.get().flatten();
                        let text = if let Some(Ok(r)) = searching {
                            format!(
                                "{} {} match \"{}\" on PagerDuty's side, past the 10,000-row listing",
                                table::group(n.min(r.ids.len() as u64)), kind.noun(), url_q.get()
                            )
                        } else if matches!(searching, Some(Err(_))) {
                            "PagerDuty's own search failed; showing local matches only.".to_string()
                        } else if q.get().is_empty() {
                            match crate::components::header::use_role().filter(|r| crate::models::sees_only_own_teams(r)) {
                                Some(role) => format!(
                                    "{} {}: PagerDuty shows {} users only their teams' {}",
                                    table::group(l.ids.len() as u64), kind.noun(),
                                    crate::models::role_label(&role), kind.noun()
                                ),
                                None => format!("{} {}", table::group(l.ids.len() as u64), kind.noun()),
                            }
                        } else {
                            format!("{} of {} {} match", table::group(n), table::group(l.ids.len() as u64), kind.noun())
                        };
                        view! { {text} }.into_any()
                    }
                    Some(Err(_)) => view! { "" }.into_any(),
                }}
            </div>
            {move || match data.get() {
                Some(Err(e)) => Some(view! { <ApiErrorView error=e /> }.into_any()),
                Some(Ok(l)) if l.not_listed > 0 => Some(view! {
                    <p class="warnings">
                        {format!(
                            "PagerDuty lists at most 10,000 rows by paging: {} of {} {} were not listed here. Search asks PagerDuty itself once you pause typing, so those are found by name; PagerDuty's web app finds them too.",
                            table::group(l.not_listed), table::group(l.total), kind.noun()
                        )}
                    </p>
                }.into_any()),
                _ => None,
            }}
            {move || active().map(|(l, _)| {
                let l2 = l.clone();
                let l3 = l.clone();
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label=format!("{} table", kind.title())>
                        <table>
                            <thead><tr>{header_cells()}</tr></thead>
                            <tbody>
                                <For
                                    each=move || {
                                        let rows = view_rows.get();
                                        rows.into_iter().take(shown.get()).collect::<Vec<_>>()
                                    }
                                    key=move |i| l2.ids[*i].clone()
                                    children=move |i| {
                                        let mut cells = l.index.cells[i].iter().cloned();
                                        let name = cells.next().unwrap_or_default();
                                        let link = nav.href(&kind.detail(&l.ids[i]).path());
                                        // One fixed row shape (no type-erased cell views), and a
                                        // plain link the router handles: rows are cheap to build.
                                        // Each cell carries its column's title for the card layout
                                        // at phone width; the status column is a badge.
                                        let cols = kind.columns();
                                        view! {
                                            <tr>
                                                <td data-col=cols[0].1><a href=link>{name}</a></td>
                                                {cells.enumerate().map(|(c, text)| {
                                                    let (key, title) = cols[c + 1];
                                                    let badge = (key == "status").then(|| table::status_class(&text));
                                                    view! { <td data-col=title><span class=badge>{text}</span></td> }
                                                }).collect_view()}
                                            </tr>
                                        }
                                    }
                                />
                            </tbody>
                        </table>
                    </div>
                    {move || {
                        let total = view_rows.get().len();
                        let now = shown.get().min(total);
                        (now < total).then(|| view! {
                            <div class="actions">
                                <button on:click=move |_| shown.update(|s| *s += RENDER_PAGE)>
                                    {format!("Show more ({} of {} shown)", table::group(now as u64), table::group(total as u64))}
                                </button>
                            </div>
                        })
                    }}
                    {(l3.skipped > 0).then(|| view! {
                        <p class="warnings">{paging::skipped_note(l3.skipped)}</p>
                    })}
                    {move || (view_rows.get().is_empty()).then(|| view! {
                        <p class="empty">{if q.get().is_empty() { format!("No {} visible to this token.", kind.noun()) } else { "Nothing matches this search.".to_string() }}</p>
                    })}
                }
            })}
        </section>
    }
}
