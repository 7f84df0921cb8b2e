//! The Audit page: an access and hygiene audit an admin can hand to security (issue #29,
//! reference §13). Read-only. It reads the account once through the app's session
//! (`pdscope::audit::account::read`: a paged list per kind of object, never a request per
//! user) and shows what `pdscope::audit` found: people, roles against licences, services and
//! deleted users' placeholders, each in the app's table with search, sort and Export CSV, with
//! "Replace…" leading to the offboarding plan for a placeholder. It says what the API cannot
//! tell instead of guessing. Everything from PagerDuty is shown as text.

use crate::host::Host;
use crate::io::Io;
use futures::future::LocalBoxFuture;
use leptos::prelude::*;
use pdscope::api::ApiError;
use pdscope::audit::{self, people, services, Audit};
use pdscope::components::table::{Columns, Rows, Table, TableQuery, TableTools, TableView};
use pdscope::routes::AppRoute;
use pdscope::table::Index;
use serde_json::Value;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

/// Mounts the Audit page into `el`; `host` is the app's session.
pub fn mount(
    el: web_sys::HtmlElement,
    host: js_sys::Function,
) -> leptos::mount::UnmountHandle<impl Mountable> {
    leptos::mount::mount_to(el, move || {
        // Links under the app's base path (the app's router is not this module's).
        pdscope::nav::provide_nav(&pdscope::browser::page_context().base_path, false);
        view! { <AuditPage host=Host(host) /> }
    })
}

/// The app's page source, counting the requests it makes.
struct Counted {
    io: Io,
    sent: Rc<Cell<u64>>,
}

impl pdscope::paging::PageSource for Counted {
    fn get(&self, path: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
        self.sent.set(self.sent.get() + 1);
        self.io.get(path)
    }
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
        self.io.sleep(ms)
    }
    fn jitter(&self) -> f64 {
        self.io.jitter()
    }
}

/// The page: reads when shown and again on "Read again"; leaving the page stops the reads.
#[component]
pub fn AuditPage(host: Host) -> impl IntoView {
    let again = RwSignal::new(0u32);
    let progress = RwSignal::new(String::new());
    let data = pdscope::task::load_keyed(
        move || again.get(),
        move |_, abort| {
            let source = Counted {
                io: Io {
                    host: host.clone(),
                    abort,
                },
                sent: Rc::new(Cell::new(0)),
            };
            async move {
                let said = |what: &str, done: u64, total: u64| {
                    progress.try_set(format!(
                        "Reading {what}: {} of {}…",
                        pdscope::numfmt::group(done),
                        pdscope::numfmt::group(total)
                    ));
                };
                let read = audit::account::read(&source, js_sys::Date::now(), &said).await;
                read.map(|a| (audit::audit(&a), source.sent.get()))
                    .map_err(|e| crate::pages::user::not_shown("The audit's reads", &e))
            }
        },
    );
    view! {
        <section class="card audit">
            <h1>"Audit"</h1>
            <p>
                "Who can do what, who can be reached, and what is left behind, from one read of the account: for a security or licence review. "
                "Read-only: nothing is written. Every list exports to CSV in the columns of PagerDuty's own report scripts."
            </p>
            <div class="actions">
                <button on:click=move |_| again.update(|n| *n += 1)>"Read again"</button>
                <span class="export-note" role="status">{move || match data.get() {
                    Some(Ok((_, sent))) => format!("Read with {} requests.", pdscope::numfmt::group(sent)),
                    Some(Err(_)) => String::new(),
                    None => progress.get(),
                }}</span>
            </div>
            <h2>"What the API cannot tell"</h2>
            <ul class="cannot-tell">
                {audit::CANNOT_TELL.iter().map(|t| view! { <li>{*t}</li> }).collect_view()}
            </ul>
        </section>
        {move || match data.get() {
            None => view! { <p class="loading" role="status">"Reading the account…"</p> }.into_any(),
            Some(Err(why)) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
            Some(Ok((a, _))) => audit_view(a).into_any(),
        }}
    }
}

/// People or services as the table shows them, each tagged with its findings' labels.
fn audit_rows<F: Copy>(
    rows: &[pdscope::audit::row::Row<F>],
    label: fn(F) -> &'static str,
) -> Vec<AuditRow> {
    rows.iter()
        .map(|r| AuditRow {
            id: r.id.clone(),
            cells: r.cells.clone(),
            export: r.export.clone(),
            tags: r.findings.iter().map(|&f| label(f)).collect(),
        })
        .collect()
}

/// What the audit found, section by section.
pub fn audit_view(a: Audit) -> impl IntoView {
    let cut = (!a.cut.is_empty())
        .then(|| view! { <p class="warnings" role="alert">{a.cut.join(". ")}"."</p> });
    let people_rows = audit_rows(&a.people, pdscope::audit::people::Finding::label);
    let service_rows = audit_rows(&a.services, pdscope::audit::services::Finding::label);
    let place_rows: Vec<AuditRow> = a
        .placements
        .iter()
        .map(|p| AuditRow {
            id: p.object_id.clone(),
            cells: p.cells(),
            export: p.export(),
            tags: vec![],
        })
        .collect();
    let people_filters: Vec<&'static str> =
        people::Finding::ALL.iter().map(|f| f.label()).collect();
    let service_filters: Vec<&'static str> =
        services::Finding::ALL.iter().map(|f| f.label()).collect();
    view! {
        {cut}
        <section class="card">
            <h2>"Roles and licences"</h2>
            {licences_view(&a)}
        </section>
        <section class="card">
            <h2>"People"</h2>
            <p>
                "\"No way to reach them\": no high-urgency notification rule to a phone, an SMS number or a push device (e-mail alone wakes nobody). "
                "\"Not on call anywhere\": in no live schedule layer and on no escalation policy, directly or through a schedule (stakeholders, who cannot be on call, are left out)."
            </p>
            <AuditTable label="People table" noun="people" columns=people::COLUMNS export=&people::EXPORT_COLUMNS
                rows=people_rows filters=people_filters link=Some(to_user as fn(&str) -> AppRoute) />
        </section>
        <section class="card">
            <h2>"Services"</h2>
            <AuditTable label="Services table" noun="services" columns=services::COLUMNS export=&services::EXPORT_COLUMNS
                rows=service_rows filters=service_filters link=Some(to_service as fn(&str) -> AppRoute) />
        </section>
        <section class="card">
            <h2>"Deleted users' placeholders"</h2>
            <p>"Policies and schedules that still name a deleted user (PagerDuty leaves a placeholder: a user whose link is gone). Nobody is paged in their place."</p>
            <AuditTable label="Placeholders table" noun="placeholders" columns=services::PLACEHOLDER_COLUMNS export=&services::PLACEHOLDER_EXPORT
                rows=place_rows filters=vec![] link=None />
            {replace_view(a.placeholders)}
        </section>
    }
}

/// Each placeholder once, with "Replace…": the offboarding plan with a file naming it.
fn replace_view(
    placeholders: Vec<(pdscope::bulk::offboard::oncall::Person, Vec<String>)>,
) -> impl IntoView {
    let nav = use_context::<pdscope::nav::Nav>();
    (!placeholders.is_empty()).then(|| {
        view! {
            <ul class="placeholders">
                {placeholders.into_iter().map(|(who, at)| {
                    let path = format!("/import?offboard={}", pdscope::url::encode(&who.id));
                    let href = nav.map_or(path.clone(), |n| n.href(&path));
                    let id = who.id.clone();
                    view! {
                        <li>
                            {format!("{} ({}) in {}. ", if who.name.is_empty() { "A deleted user" } else { &who.name }, who.id, at.join(", "))}
                            <a href=href on:click=move |_| crate::pages::bulk::offboard_soon(std::slice::from_ref(&id), "from the audit")>{format!("Replace {}…", who.name)}</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p>"Replace… opens offboarding with a file naming the placeholder: add who takes over in its replacement column, then plan. Nothing is written until you press Offboard."</p>
        }
    })
}

/// The count per role and each licence against it, or why the licences are unknown.
fn licences_view(a: &Audit) -> impl IntoView {
    let roles = a.roles.clone();
    let licences = match a.licences.clone() {
        Err(why) => view! { <p class="warnings">{why}". Each role's licence below is the tier PagerDuty documents for it."</p> }.into_any(),
        Ok(ls) => view! {
            <table>
                <thead><tr><th scope="col">"Licence"</th><th scope="col">"People whose role takes it"</th><th scope="col">"In use (PagerDuty)"</th><th scope="col">"Free"</th></tr></thead>
                <tbody>
                    {ls.into_iter().map(|l| {
                        let n = |v: Option<u64>| v.map_or("not said".to_string(), pdscope::numfmt::group);
                        view! { <tr><td>{l.name}</td><td>{l.people}</td><td>{n(l.current)}</td><td>{n(l.available)}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any(),
    };
    view! {
        <table>
            <thead><tr><th scope="col">"Role"</th><th scope="col">"People"</th><th scope="col">"Licence"</th></tr></thead>
            <tbody>
                {roles.into_iter().map(|r| view! { <tr><td>{r.role}</td><td>{r.count}</td><td>{r.licence}</td></tr> }).collect_view()}
            </tbody>
        </table>
        {licences}
    }
}

/// A row of an audit table: its object's id (the row link), cells, export-only values and
/// the findings it shows under.
#[derive(Clone, Debug)]
pub struct AuditRow {
    pub id: String,
    pub cells: Vec<String>,
    pub export: Vec<String>,
    pub tags: Vec<&'static str>,
}

/// The app's table over audit rows, with a "Show" choice of one finding.
#[component]
pub fn AuditTable(
    /// Accessible name of the table region.
    label: &'static str,
    /// What the rows are, for the search box and the export's name.
    noun: &'static str,
    columns: Columns,
    /// Titles of the export-only columns (one value per row in `AuditRow::export`).
    export: &'static [&'static str],
    rows: Vec<AuditRow>,
    /// The findings to choose among (none: no choice).
    filters: Vec<&'static str>,
    /// The page a row's id names.
    link: Option<fn(&str) -> AppRoute>,
) -> impl IntoView {
    let rows = Arc::new(rows);
    let only = RwSignal::new(String::new());
    let options: Vec<(&'static str, usize)> = filters
        .iter()
        .map(|f| (*f, rows.iter().filter(|r| r.tags.contains(f)).count()))
        .collect();
    let total = rows.len();
    let set = Memo::new(move |_| {
        let only = only.get();
        let pick: Vec<&AuditRow> = rows
            .iter()
            .filter(|r| only.is_empty() || r.tags.iter().any(|t| *t == only))
            .collect();
        let export = export
            .iter()
            .enumerate()
            .map(|(k, title)| {
                let values: Arc<[String]> = pick
                    .iter()
                    .map(|r| r.export.get(k).cloned().unwrap_or_default())
                    .collect();
                (*title, values)
            })
            .collect();
        Some(Rows {
            index: Arc::new(Index::new(pick.iter().map(|r| r.cells.clone()).collect())),
            ids: if link.is_some() {
                pick.iter().map(|r| r.id.clone()).collect()
            } else {
                Arc::from(Vec::new())
            },
            export,
            ..Default::default()
        })
    });
    let table = Table::new(columns, set, TableQuery::local());
    // Rows without a page of their own carry no ids, so the table links none of them.
    let to = link.unwrap_or(|_| AppRoute::NotFound);
    let choice = (!options.is_empty()).then(|| {
        view! {
            <label class="show">
                "Show "
                <select on:change=move |ev| only.set(event_target_value(&ev))>
                    <option value="">{format!("all ({total})")}</option>
                    {options.into_iter().map(|(word, n)| view! { <option value=word>{format!("{word} ({n})")}</option> }).collect_view()}
                </select>
            </label>
        }
    });
    view! {
        <div class="list-head">
            {choice}
            <TableTools table=table noun=noun />
        </div>
        <div class="list audit-list">
            <TableView table=table label=label empty="None found." link=to />
        </div>
    }
}

fn to_user(id: &str) -> AppRoute {
    AppRoute::User(id.to_string())
}

fn to_service(id: &str) -> AppRoute {
    AppRoute::Service(id.to_string())
}
