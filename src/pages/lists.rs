//! `/services` and `/users`: every row, loaded concurrently with a live count, instant
//! search and sort kept in the URL, rendering in pages, and CSV export. The table is the
//! shared [`crate::components::table`]; this page adds the loading progress, PagerDuty's own
//! search past its 10,000-row paging ceiling, and the URL.

use crate::api::ApiError;
use crate::auth::use_auth;
use crate::client::BrowserSource;
use crate::components::auth_views::RequireAuth;
use crate::components::load::Loaded;
use crate::components::table::{
    Columns, QueryChange, Rows, Table, TableQuery, TableTools, TableView,
};
use crate::models::{Service, User};
use crate::paging::{self, Listing};
use crate::routes::AppRoute;
use crate::table::{self, Index};
use leptos::prelude::*;
use std::sync::Arc;

/// The URL follows the search box this long after the last keystroke (the table follows at once).
const URL_DEBOUNCE_MS: u64 = 300;

/// Which list a page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Services,
    Users,
}

impl ListKind {
    /// The bulk job of the same objects, for "Export for import".
    fn bulk(self) -> crate::bulk::Kind {
        match self {
            ListKind::Services => crate::bulk::Kind::Services,
            ListKind::Users => crate::bulk::Kind::Users,
        }
    }

    fn title(self) -> &'static str {
        match self {
            ListKind::Services => "Services",
            ListKind::Users => "Users",
        }
    }
    fn columns(self) -> Columns {
        match self {
            ListKind::Services => table::SERVICE_COLUMNS,
            ListKind::Users => table::USER_COLUMNS,
        }
    }
    fn noun(self) -> &'static str {
        match self {
            ListKind::Services => "services",
            ListKind::Users => "users",
        }
    }
    /// The detail page of a row.
    fn detail(self) -> fn(&str) -> AppRoute {
        match self {
            ListKind::Services => |id| AppRoute::Service(id.to_string()),
            ListKind::Users => |id| AppRoute::User(id.to_string()),
        }
    }
}

/// A loaded list: its rows in PagerDuty's order, and what the listing said about the rest.
#[derive(Debug)]
struct Listed {
    /// The rows, with each one's id and (for the export) its page in PagerDuty's web app
    /// (empty when PagerDuty gave none).
    rows: Rows,
    total: u64,
    not_listed: u64,
}

fn listed<T>(
    listing: Listing<T>,
    id: impl Fn(&T) -> (String, String),
    cells: impl Fn(&T) -> Vec<String>,
) -> Listed {
    let (ids, links): (Vec<String>, Vec<String>) = listing.rows.iter().map(&id).unzip();
    let ids: Arc<[String]> = ids.into();
    Listed {
        rows: Rows {
            index: Arc::new(Index::new(listing.rows.iter().map(cells).collect())),
            export: Arc::new([("Id", ids.clone()), ("PagerDuty link", links.into())]),
            ids,
            classes: Arc::new([]),
            note: (listing.skipped > 0).then(|| paging::skipped_note(listing.skipped)),
        },
        total: listing.total,
        not_listed: listing.not_listed,
    }
}

/// A row's PagerDuty link for the export: https only, as on the page (empty otherwise).
fn export_link(url: Option<&str>) -> String {
    crate::models::safe_link(url, None).unwrap_or_default()
}

/// Loads every row, or with `query`, every row PagerDuty's own `query` filter matches.
async fn load(
    kind: ListKind,
    source: BrowserSource,
    progress: RwSignal<(u64, u64)>,
    query: Option<String>,
) -> Result<Arc<Listed>, ApiError> {
    let on_page = move |done, total| progress.set((done, total));
    let conc = paging::DEFAULT_CONCURRENCY;
    let base = match &query {
        Some(q) => format!("/{}?query={}", kind.noun(), crate::url::encode(q.trim())),
        None => format!("/{}", kind.noun()),
    };
    Ok(Arc::new(match kind {
        ListKind::Services => {
            let l =
                paging::fetch_all::<Service, _>(&source, &base, "services", conc, on_page).await?;
            listed(
                l,
                |s| (s.id.clone(), export_link(s.html_url.as_deref())),
                table::service_cells,
            )
        }
        ListKind::Users => {
            let l = paging::fetch_all::<User, _>(&source, &base, "users", conc, on_page).await?;
            listed(
                l,
                |u| (u.id.clone(), export_link(u.html_url.as_deref())),
                table::user_cells,
            )
        }
    }))
}

#[component]
pub fn ServicesPage() -> impl IntoView {
    view! { <RequireAuth what="Services"><EntityList kind=ListKind::Services /></RequireAuth> }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    view! { <RequireAuth what="Users"><EntityList kind=ListKind::Users /></RequireAuth> }
}

/// The list view shared by services and users.
#[component]
fn EntityList(
    /// Which list.
    kind: ListKind,
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
    // The list on show: PagerDuty's search results when there are some, else the full list.
    let active = move || -> Option<Arc<Listed>> {
        match remote.get().flatten() {
            Some(Ok(r)) => Some(r),
            _ => data.get().and_then(|r| r.ok()),
        }
    };
    let sort_key = Memo::new(move |_| nav.query("sort").unwrap_or_default());
    let desc = Memo::new(move |_| nav.query("dir").as_deref() == Some("desc"));

    let set_query = move |q: String, sort: &str, desc: bool, replace: bool| {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !q.is_empty() {
            pairs.push(("q", &q));
        }
        if !sort.is_empty() {
            pairs.push(("sort", sort));
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
    let typing = StoredValue::new(0u64);
    let query = TableQuery {
        search,
        sort: sort_key,
        desc,
        changed: Callback::new(move |change| match change {
            QueryChange::Sort(key, desc) => set_query(search.get_untracked(), key, desc, false),
            QueryChange::Search(text) => {
                let ticket = typing.get_value() + 1;
                typing.set_value(ticket);
                leptos::task::spawn_local(async move {
                    crate::client::sleep_ms(URL_DEBOUNCE_MS).await;
                    if typing.get_value() == ticket && url_q.get_untracked() != text {
                        set_query(text, &sort_key.get_untracked(), desc.get_untracked(), true);
                    }
                });
            }
        }),
    };
    // Exactly the rows the table shows and exports: past the ceiling these may be
    // PagerDuty's search answer rather than the local list.
    let rows = Memo::new(move |_| active().map(|l| l.rows.clone()));
    let table = Table::new(kind.columns(), rows, query);

    let count = move || {
        let Some(answer) = data.get() else {
            // Built once per load and updated in place (rebuilt at each page, the bar had its
            // `max` and `value` removed and set again each time).
            return view! {
                <progress max=move || progress.get().1.max(1) value=move || progress.get().0></progress>
                " "
                {move || {
                    let (done, total) = progress.get();
                    format!("{} of {} {}", crate::numfmt::group(done), crate::numfmt::group(total), kind.noun())
                }}
            }
            .into_any();
        };
        answer
            .ok()
            .map(|l| {
                let n = table.matches() as u64;
                let listed = l.rows.index.len() as u64;
                let searching = remote.get().flatten();
                if let Some(Ok(r)) = searching {
                    format!(
                        "{} {} match \"{}\" on PagerDuty's side, past the 10,000-row listing",
                        crate::numfmt::group(n.min(r.rows.index.len() as u64)),
                        kind.noun(),
                        url_q.get()
                    )
                } else if matches!(searching, Some(Err(_))) {
                    "PagerDuty's own search failed; showing local matches only.".to_string()
                } else if table.search().is_empty() {
                    match crate::context::use_role()
                        .filter(|r| crate::models::sees_only_own_teams(r))
                    {
                        Some(role) => format!(
                            "{} {}: PagerDuty shows {} users only their teams' {}",
                            crate::numfmt::group(listed),
                            kind.noun(),
                            crate::models::role_label(&role),
                            kind.noun()
                        ),
                        None => format!("{} {}", crate::numfmt::group(listed), kind.noun()),
                    }
                } else {
                    format!(
                        "{} of {} {} match",
                        crate::numfmt::group(n),
                        crate::numfmt::group(listed),
                        kind.noun()
                    )
                }
            })
            .into_any()
    };

    view! {
        <section class="card list">
            <div class="list-head">
                <h1>{kind.title()}</h1>
                <TableTools table=table noun=kind.noun() />
                <crate::components::ondemand::ExportForImport kind=kind.bulk() />
                {(kind == ListKind::Users).then(|| view! { <crate::components::ondemand::OffboardThese table=table /> })}
                {(kind == ListKind::Services).then(|| view! {
                    <crate::components::ondemand::ExportForImport kind=kind.bulk() keys=true />
                })}
            </div>
            <div role="status" aria-live="polite" class="count">{count}</div>
            <Loaded data=data loading=|| () let:l>
                {(l.not_listed > 0).then(|| view! {
                    <p class="warnings">
                        {format!(
                            "PagerDuty lists at most 10,000 rows by paging: {} of {} {} were not listed here. Search asks PagerDuty itself once you pause typing, so those are found by name; PagerDuty's web app finds them too.",
                            crate::numfmt::group(l.not_listed), crate::numfmt::group(l.total), kind.noun()
                        )}
                    </p>
                })}
            </Loaded>
            <TableView
                table=table
                label=format!("{} table", kind.title())
                empty=format!("No {} visible to this token.", kind.noun())
                link=kind.detail()
            />
        </section>
    }
}
