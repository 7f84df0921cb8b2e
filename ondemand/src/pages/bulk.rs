//! `/import`: bulk onboarding. Choose users or services, give a CSV file (pick, drop or
//! paste), see every problem (Check), see what an import would do against the account
//! (Plan), import with pause / resume / cancel (Import), and keep the per-row report.
//!
//! This page is the on-demand module's (`ondemand/`, loaded when first opened): the app mounts it once
//! into a box that stays in the page, so a run goes on (and its progress stays) while the
//! person looks at other pages. Everything about the session comes through [`Host`]. The
//! logic is `pdscope::bulk`'s (bytes → checked file → reads → plan → run → report); this file
//! only wires it to the page, and names no kind (the picker lists `Kind::ALL`).

mod choose;
mod fit;
mod keys;
mod plan_view;
pub mod rows;
mod run_view;
mod suggested;

use crate::host::Host;
use crate::io::{self, Io};
use choose::Choose;
use leptos::prelude::*;
use pdscope::api::ApiError;
use pdscope::bulk::account::{self, Read};
use pdscope::bulk::journal::{self, Journal};
use pdscope::bulk::plan::{self, Action, Plan};
use pdscope::bulk::run::{self, Control, RowResult, RunState};
use pdscope::bulk::{filter, words};
use pdscope::bulk::{File, Kind};
use pdscope::components::table::{Columns, Rows, Table, TableQuery, TableTools, TableView};
use pdscope::numfmt::group;
use pdscope::table::Index;
use run_view::{start_run, LastRun, RunView};
use std::sync::Arc;

/// The file given, checked (or why it could not be).
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub file: Result<File, String>,
}

/// A run under way or finished.
#[derive(Clone, Copy)]
struct RunCtx {
    plan: RwSignal<Option<Arc<Plan>>>,
    /// The file the run is of (a new file may be checked meanwhile).
    source: RwSignal<Option<Arc<Source>>>,
    /// Why the journal could not be kept, if it could not.
    journal_error: RwSignal<Option<String>>,
    results: RwSignal<Vec<RowResult>>,
    state: RwSignal<Option<RunState>>,
    finished: RwSignal<bool>,
    started_ms: RwSignal<f64>,
    control: StoredValue<Option<Control>, LocalStorage>,
    /// Requests sent and 429s among them, when finished.
    counts: RwSignal<(u64, u64)>,
    /// Which file, kind, account and time the run belongs to, in words.
    about: RwSignal<String>,
    /// Whose journal this page keeps (the session's account and person); none signed out.
    owner: StoredValue<Option<String>>,
}

thread_local! {
    /// The Import page's state while it is mounted (the user page's "Offboard…" reaches it).
    static LIVE: std::cell::Cell<Option<BulkCtx>> = const { std::cell::Cell::new(None) };
    /// Someone to offboard, named before the Import page was mounted.
    static PENDING: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// "Offboard…" on a user's page: the Import page opens on offboarding with a file of that one
/// person, checked (the plan is still the person's to ask for). A run under way is left alone.
pub fn offboard_soon(email: &str) {
    match LIVE.with(|l| l.get()) {
        Some(ctx) => ctx.offboard(email),
        None => PENDING.with(|p| *p.borrow_mut() = Some(email.to_string())),
    }
}

/// The Import page's state, kept for the whole session in the shell.
#[derive(Clone, Copy)]
pub struct BulkCtx {
    host: StoredValue<Host, LocalStorage>,
    kind: RwSignal<Kind>,
    source: RwSignal<Option<Arc<Source>>>,
    create_teams: RwSignal<bool>,
    read: RwSignal<Option<Result<Arc<Read>, ApiError>>>,
    reading: RwSignal<Option<(&'static str, u64, u64)>>,
    run: RunCtx,
    /// The journal of a run from before this page load.
    journal: RwSignal<Option<Journal>>,
}

/// Mounts the Import page into `el`, with the app's session behind `host`.
pub fn mount(
    el: web_sys::HtmlElement,
    host: js_sys::Function,
) -> leptos::mount::UnmountHandle<impl Mountable> {
    leptos::mount::mount_to(el, move || {
        provide_bulk(Host(host));
        view! { <ImportPage /> }
    })
}

/// Provides the Import page's state. When the page goes (sign-out unmounts it), a run in
/// progress is cancelled.
pub fn provide_bulk(host: Host) {
    let owner = host.session().map(|s| journal::owner(&s));
    let journal = owner.as_deref().and_then(journal::load);
    let control: StoredValue<Option<Control>, LocalStorage> = StoredValue::new_local(None);
    on_cleanup(move || {
        if let Some(Some(c)) = control.try_get_value() {
            c.set(RunState::Cancelled)
        }
    });
    let ctx = BulkCtx {
        host: StoredValue::new_local(host),
        kind: RwSignal::new(Kind::Users),
        source: RwSignal::new(None),
        create_teams: RwSignal::new(true),
        read: RwSignal::new(None),
        reading: RwSignal::new(None),
        run: RunCtx {
            plan: RwSignal::new(None),
            source: RwSignal::new(None),
            journal_error: RwSignal::new(None),
            results: RwSignal::new(Vec::new()),
            state: RwSignal::new(None),
            finished: RwSignal::new(false),
            started_ms: RwSignal::new(0.0),
            control,
            counts: RwSignal::new((0, 0)),
            about: RwSignal::new(String::new()),
            owner: StoredValue::new(owner),
        },
        journal: RwSignal::new(journal),
    };
    let running = move || {
        let run = ctx.run;
        run.state.try_get_untracked().flatten().is_some()
            && !run.finished.try_get_untracked().unwrap_or(true)
    };
    // Closing or reloading the tab during a run asks first; if the person goes anyway, the
    // journal of the run is written as it stands (sessionStorage is synchronous), so the page
    // after a reload shows every finished row.
    listen("beforeunload", move |ev| {
        if running() {
            ev.prevent_default();
            let _ = js_sys::Reflect::set(&ev, &"returnValue".into(), &"".into());
        }
    });
    listen("pagehide", move |_| {
        if running() {
            ctx.run.save_journal()
        }
    });
    provide_context(ctx);
    LIVE.with(|l| l.set(Some(ctx)));
    on_cleanup(|| LIVE.with(|l| l.set(None)));
    // Named on a user's page before this page was mounted, or in the address (`?offboard=`,
    // when the link loaded the app afresh).
    let named = PENDING.with(|p| p.borrow_mut().take()).or_else(|| {
        let search = web_sys::window()?.location().search().ok()?;
        pdscope::url::parse_query(&search)
            .into_iter()
            .find(|(k, _)| k == "offboard")
            .map(|(_, v)| v)
    });
    if let Some(email) = named {
        ctx.offboard(&email);
    }
}

/// Listens to `event` on the window for as long as the page lives (sign-out unmounts it: the
/// listener and its closure go with it).
fn listen(event: &'static str, f: impl Fn(web_sys::Event) + 'static) {
    use wasm_bindgen::JsCast;
    let Some(w) = web_sys::window() else { return };
    let f = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(f);
    let _ = w.add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
    let f = StoredValue::new_local(Some(f));
    on_cleanup(move || {
        let f = f.try_update_value(Option::take).flatten();
        if let (Some(f), Some(w)) = (f, web_sys::window()) {
            let _ = w.remove_event_listener_with_callback(event, f.as_ref().unchecked_ref());
        }
    });
}

impl RunCtx {
    /// Writes the run's journal: the file it is of and every row finished so far.
    fn save_journal(self) {
        let Some(Some(source)) = self.source.try_get_untracked() else {
            return;
        };
        let Ok(file) = &source.file else { return };
        let Some(Some(owner)) = self.owner.try_get_value() else {
            return;
        };
        let planned = self
            .plan
            .try_with_untracked(|p| p.as_ref().map_or(0, |p| p.to_write()))
            .unwrap_or(0);
        let saved = self
            .results
            .try_with_untracked(|r| journal::save(file.kind(), &source.name, &owner, planned, r));
        if let Some(Err(e)) = saved {
            self.journal_error.try_set(Some(e));
        }
    }
}

fn use_bulk() -> BulkCtx {
    expect_context::<BulkCtx>()
}

/// An API error with the way forward (sign in again, with more scopes if needed).
#[component]
fn ErrorText(error: ApiError) -> impl IntoView {
    let ctx = use_bulk();
    let host = ctx.host.get_value();
    let action = match &error {
        ApiError::MissingScope { required, .. } => Some(scope_button(&host, required.clone())),
        ApiError::Unauthorized => Some(scope_button(&host, vec![])),
        _ => None,
    };
    view! {
        <div role="alert">
            <p class="error">{error.to_string()}</p>
            {action}
        </div>
    }
}

/// "Sign in again (with …)", or why that would not help: the app registration lacks a
/// scope it asked for and did not get.
fn scope_button(host: &Host, scopes: Vec<String>) -> AnyView {
    let lacks = pdscope::inspect::registration_lacks(&scopes, &host.requested());
    if !lacks.is_empty() {
        return view! { <p>{pdscope::inspect::registration_lacks_text(&lacks)}</p> }.into_any();
    }
    let label = if scopes.is_empty() {
        "Sign in".to_string()
    } else {
        format!("Sign in again with {}", scopes.join(" "))
    };
    let host = host.clone();
    view! {
        <div class="actions">
            <button class="primary" on:click=move |_| host.sign_in(&scopes)>{label}</button>
        </div>
    }
    .into_any()
}

impl BulkCtx {
    /// Offboarding, with a file of the one person `email` checked; a deleted user's
    /// placeholder (its id, from the Audit page) gets an empty `replacement` to fill in, as
    /// a placeholder can only be replaced.
    fn offboard(self, email: &str) {
        if self.run.state.get_untracked().is_some() && !self.run.finished.get_untracked() {
            return;
        }
        self.kind.set(Kind::Offboard);
        let (name, file) = if pdscope::bulk::offboard::looks_like_id(email) {
            (
                format!("{email} (a deleted user's placeholder, from the audit)"),
                format!("email,replacement\n{email},\n"),
            )
        } else {
            (
                format!("{email} (from the user page)"),
                format!("email\n{email}\n"),
            )
        };
        self.take(name, file.as_bytes());
    }

    /// A new file: its check replaces the last file's plan (not a run's report).
    fn take(self, name: String, bytes: &[u8]) {
        let file = File::check(self.kind.get_untracked(), bytes, &|z| {
            pdscope::bulk::users::zones::canonical(z).map(str::to_string)
        })
        .map_err(|e| e.to_string());
        let source = Source { name, file };
        self.read.set(None);
        self.source.set(Some(Arc::new(source)));
        // A finished run's report goes with its file (a run still going stays).
        if self.run.finished.get_untracked() {
            self.run.plan.set(None);
            self.run.state.set(None);
        }
    }

    fn plan(self) -> Option<Arc<Plan>> {
        let source = self.source.get()?;
        let read = self.read.get()?.ok()?;
        let create_teams = self.create_teams.get();
        let file = source.file.as_ref().ok()?;
        Some(Arc::new(
            file.plan(&read.account, plan::Options { create_teams }),
        ))
    }
}

/// The Import page.
#[component]
pub fn ImportPage() -> impl IntoView {
    let ctx = use_bulk();
    let running = move || ctx.run.state.get().is_some() && !ctx.run.finished.get();
    view! {
        <section class="card import">
            <h1>"Import"</h1>
            <p>
                {move || if ctx.kind.get() == Kind::Offboard {
                    "Take people out of PagerDuty from a CSV file: pdscope shows every escalation policy, schedule layer, override, open incident and team that would change, and who is on call before and after, and refuses to leave a level or layer with nobody. Nothing is written until you press Offboard; running the same file again changes nothing."
                } else {
                    "Add users (with contact methods, notification rules and teams) or services to PagerDuty from a CSV file. pdscope checks the file, shows what it would do against your account, and writes nothing until you press Import. An import never deletes anything; running the same file again changes nothing."
                }}
            </p>
            <fit::SessionFit />
            <Show when=move || !running() fallback=|| ()>
                <Choose />
            </Show>
        </section>
        <LastRun />
        <CheckView />
        <plan_view::PlanView />
        <RunView />
    }
}

/// Column keys and titles of the import's tables (`status` shows as a badge).
const PROBLEM_COLUMNS: Columns = &[
    ("line", "line"),
    ("row", "row"),
    ("column", "column"),
    ("problem", "problem"),
];
const PLAN_COLUMNS: Columns = &[
    ("line", "line"),
    ("row", "row"),
    ("status", "action"),
    ("what", "what it will do"),
];
const REPORT_COLUMNS: Columns = &[
    ("line", "line"),
    ("row", "row"),
    ("status", "status"),
    ("did", "what was done"),
    ("ids", "PagerDuty ids"),
    ("said", "PagerDuty said"),
    ("todo", "what to do"),
];

/// The app's table (search, sort, 30 rows at a time, CSV of what is shown) over rows of
/// text, searched and sorted in place (not in the URL). With `noun`, the search box and
/// "Export CSV" come with it.
#[component]
fn RowsTable(
    /// Accessible name of the table region.
    label: &'static str,
    columns: Columns,
    /// Rows of cells.
    rows: Vec<Vec<String>>,
    /// What the rows are, for the search box and the export's name.
    #[prop(optional)]
    noun: Option<&'static str>,
) -> impl IntoView {
    let set = Rows {
        index: Arc::new(Index::new(rows)),
        ..Default::default()
    };
    let rows = Memo::new(move |_| Some(set.clone()));
    let table = Table::new(columns, rows, TableQuery::local());
    view! {
        {noun.map(|noun| view! { <div class="list-head"><TableTools table=table noun=noun /></div> })}
        <div class="list import-rows">
            <TableView table=table label=label empty="Nothing matches this search." />
        </div>
    }
}

/// What the check found: the format, problems by row and column, ignored columns.
#[component]
fn CheckView() -> impl IntoView {
    let ctx = use_bulk();
    move || {
        let source = ctx.source.get()?;
        let name = source.name.clone();
        Some(match &source.file {
            Err(e) => view! {
                <section class="card" role="alert">
                    <h2>"Check"</h2>
                    <p class="error">{format!("{name}: {e}")}</p>
                </section>
            }
            .into_any(),
            Ok(file) => {
                let checked = file.checked();
                let (format, ignored, total, problems) = (
                    checked.format(),
                    checked.ignored().to_vec(),
                    checked.len(),
                    checked.problem_rows(),
                );
                let bad = problems
                    .iter()
                    .map(|p| &p[0])
                    .collect::<std::collections::BTreeSet<_>>()
                    .len();
                view! {
                    <section class="card">
                        <h2>"Check"</h2>
                        <p role="status" class="check-summary">
                            {format!(
                                "{name}: read as {format}. {}: {} ready, {} with problems.",
                                file.kind().count(total),
                                group((total - bad) as u64),
                                group(bad as u64)
                            )}
                        </p>
                        {(!ignored.is_empty()).then(|| view! {
                            <p class="warnings">{format!("Not imported (columns pdscope does not write): {}.", ignored.join(", "))}</p>
                        })}
                        {(!problems.is_empty()).then(|| view! {
                            <p>"Rows with problems are not imported. Fix them in the file and check it again, or import the rest now and the failed rows later."</p>
                            <RowsTable label="Problems" columns=PROBLEM_COLUMNS rows=problems noun="problems" />
                        })}
                        {suggested::suggested(&[])}
                    </section>
                }
                .into_any()
            }
        })
    }
}

/// "Export for import": reads every user or service (`kind` is `users` or `services`) as the
/// plan does and downloads them in the import format. The answer says what was exported.
pub async fn export_for_import(kind: &str, host: js_sys::Function) -> Result<String, String> {
    let kind = Kind::from_noun(kind).ok_or_else(|| format!("pdscope cannot export {kind}."))?;
    let io = Io {
        host: Host(host),
        abort: Default::default(),
    };
    let read = account::read(&io, &pdscope::bulk::export_reads(kind), |_, _, _| {})
        .await
        .map_err(|e| e.to_string())?;
    let (text, n) = pdscope::bulk::export(kind, &read.account);
    pdscope::browser::download(
        &format!(
            "pdscope-{}-for-import-{}.csv",
            kind.noun(),
            pdscope::browser::local_date()
        ),
        "text/csv;charset=utf-8",
        &text,
    );
    Ok(if read.not_listed > 0 {
        format!(
            "Exported {} for import (the whole account, whatever the search box says); PagerDuty lists at most 10,000, so {} are not in the file.",
            kind.count(n),
            group(read.not_listed)
        )
    } else {
        format!(
            "Exported {} for import (the whole account, whatever the search box says).",
            kind.count(n)
        )
    })
}

/// "Export routing keys": every service's Events API v2 routing keys, read as PagerDuty's
/// `export_routing_keys` script reads them, downloaded as the keys file. The answer says
/// what was exported.
pub async fn export_routing_keys(host: js_sys::Function) -> Result<String, String> {
    let host = Host(host);
    let region = host.session().and_then(|s| s.region);
    let io = Io {
        host,
        abort: Default::default(),
    };
    let (keys, not_listed) = pdscope::bulk::services::keys::export(&io)
        .await
        .map_err(|e| e.to_string())?;
    let name = pdscope::bulk::services::keys::file_name(&pdscope::browser::local_time(
        js_sys::Date::now(),
    ));
    let text = pdscope::bulk::services::keys::csv(&keys, region);
    pdscope::browser::download(&name, "text/csv;charset=utf-8", &text);
    let services = keys
        .iter()
        .map(|k| k.service_id.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut said = format!(
        "Exported {} of {} (the whole account). The file is a credential: keep it where you keep passwords.",
        words::count(keys.len(), "routing key", "routing keys"),
        words::count(services, "service", "services")
    );
    if not_listed > 0 {
        said += &format!(
            " PagerDuty lists at most 10,000 services: {} are not in the file.",
            group(not_listed)
        );
    }
    Ok(said)
}
