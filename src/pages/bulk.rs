//! `/import`: bulk onboarding. Choose users or services, give a CSV file (pick, drop or
//! paste), see every problem (Check), see what an import would do against the account
//! (Plan), import with pause / resume / cancel (Import), and keep the per-row report.
//!
//! This page is the importer module's (`importer/`, loaded on demand): the app mounts it once
//! into a box that stays in the page, so a run goes on (and its progress stays) while the
//! person looks at other pages. Everything about the session comes through [`Host`]. The
//! logic is `crate::import`'s; this file only wires it to the page.

use super::bulk_io::{self, Io, Read};
use crate::api::ApiError;
use crate::components::table::{Columns, Rows, Table, TableQuery, TableTools, TableView};
use crate::host::Host;
use crate::import::plan::{self, Action, Plan};
use crate::import::report::{self, ReportRow};
use crate::import::run::{self, Control, Outcome, RowResult, RunState, Runner};
use crate::import::services::{self, ServiceSpec};
use crate::import::users::{self, UserSpec};
use crate::import::{Checked, Kind};
use crate::table::{self, Index};
use leptos::prelude::*;
use std::sync::Arc;

/// A checked file of either kind.
#[derive(Clone, Debug)]
pub enum Input {
    Users(Arc<Checked<UserSpec>>),
    Services(Arc<Checked<ServiceSpec>>),
}

/// The file given, checked (or why it could not be).
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub input: Result<Input, String>,
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
    journal: RwSignal<Option<(Kind, String, Vec<RowResult>)>>,
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
    let journal = bulk_io::load_journal().and_then(|t| report::read_journal(&t));
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
        },
        journal: RwSignal::new(journal),
    };
    // A reload or a closed tab writes the journal of a run in progress as it stands
    // (sessionStorage is synchronous), so the page after a reload shows every finished row.
    let on_hide = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        let run = ctx.run;
        if run.state.try_get_untracked().flatten().is_some()
            && !run.finished.try_get_untracked().unwrap_or(true)
        {
            run.save_journal()
        }
    });
    if let Some(w) = web_sys::window() {
        use wasm_bindgen::JsCast;
        let _ = w.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
    }
    on_hide.forget();
    provide_context(ctx);
}

impl RunCtx {
    /// Writes the run's journal: the file it is of and every row finished so far.
    fn save_journal(self) {
        let Some(Some(source)) = self.source.try_get_untracked() else {
            return;
        };
        let kind = match source.input {
            Ok(Input::Services(_)) => Kind::Services,
            _ => Kind::Users,
        };
        if let Some(text) = self
            .results
            .try_with_untracked(|r| report::journal(kind, &source.name, r))
        {
            if let Err(e) = bulk_io::save_journal(&text) {
                self.journal_error.try_set(Some(e));
            }
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
    let lacks = crate::inspect::registration_lacks(&scopes, &host.requested());
    if !lacks.is_empty() {
        return view! { <p>{crate::inspect::registration_lacks_text(&lacks)}</p> }.into_any();
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

/// Checks `bytes` as a file of `kind`.
fn check(kind: Kind, name: String, bytes: &[u8]) -> Source {
    let input = crate::csvfile::read(bytes)
        .map_err(|e| e.to_string())
        .and_then(|rows| match kind {
            Kind::Users => users::check(&rows, &bulk_io::zone)
                .map(|c| Input::Users(Arc::new(c)))
                .map_err(|e| e.to_string()),
            Kind::Services => services::check(&rows)
                .map(|c| Input::Services(Arc::new(c)))
                .map_err(|e| e.to_string()),
        });
    Source { name, input }
}

impl BulkCtx {
    /// A new file: its check replaces the last file's plan (not a run's report).
    fn take(self, name: String, bytes: &[u8]) {
        let source = check(self.kind.get_untracked(), name, bytes);
        self.read.set(None);
        self.source.set(Some(Arc::new(source)));
    }

    fn plan(self) -> Option<Arc<Plan>> {
        let source = self.source.get()?;
        let read = self.read.get()?.ok()?;
        let create_teams = self.create_teams.get();
        Some(Arc::new(match source.input.as_ref().ok()? {
            Input::Users(c) => plan::users(c, &read.account, plan::Options { create_teams }),
            Input::Services(c) => plan::services(c, &read.account),
        }))
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
                "Add users (with contact methods, notification rules and teams) or services to PagerDuty from a CSV file. pdscope checks the file, shows what it would do against your account, and writes nothing until you press Import. An import never deletes anything; running the same file again changes nothing."
            </p>
            <Show when=move || !running() fallback=|| ()>
                <Choose />
            </Show>
        </section>
        <LastRun />
        <CheckView />
        <PlanView />
        <RunView />
    }
}

/// Users or services, the template, and the file (pick, drop or paste).
#[component]
fn Choose() -> impl IntoView {
    let ctx = use_bulk();
    let paste = RwSignal::new(String::new());
    let over = RwSignal::new(false);
    let on_kind = move |k: Kind| {
        ctx.kind.set(k);
        ctx.source.set(None);
        ctx.read.set(None);
    };
    let template = move |_| {
        let (text, kind) = match ctx.kind.get_untracked() {
            Kind::Users => (users::TEMPLATE, "users"),
            Kind::Services => (services::TEMPLATE, "services"),
        };
        crate::browser::download(
            &format!("pdscope-{kind}-template.csv"),
            "text/csv;charset=utf-8",
            &format!("\u{feff}{text}"),
        );
    };
    let take_file = move |file: Option<web_sys::File>| {
        let Some(file) = file else { return };
        leptos::task::spawn_local(async move {
            let name = file.name();
            match bulk_io::file_bytes(&file).await {
                Ok(bytes) => ctx.take(name, &bytes),
                Err(e) => ctx.source.set(Some(Arc::new(Source {
                    name,
                    input: Err(e),
                }))),
            }
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        take_file(
            input
                .as_ref()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0)),
        );
        // Choosing the same file again (after fixing it) must fire again.
        if let Some(i) = input {
            i.set_value("");
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        take_file(
            ev.data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0)),
        );
    };
    let noun = move || ctx.kind.get().noun();
    view! {
        <fieldset class="kind">
            <legend>"What to import"</legend>
            <label>
                <input type="radio" name="kind" prop:checked=move || ctx.kind.get() == Kind::Users on:change=move |_| on_kind(Kind::Users) />
                " Users"
            </label>
            <label>
                <input type="radio" name="kind" prop:checked=move || ctx.kind.get() == Kind::Services on:change=move |_| on_kind(Kind::Services) />
                " Services"
            </label>
        </fieldset>
        <p class="hint">
            {move || match ctx.kind.get() {
                Kind::Users => "Columns: name and email (required), role, job_title, time_zone, country_code, phone_number, sms_number, extra_emails, teams, team_roles, notify, description. Lists in a cell are separated by ;. PagerDuty's import_users files (no header row) work as they are.",
                Kind::Services => "Columns: name and escalation_policy (required: its exact name or id), description, urgency (high, low, severity_based), ack_timeout_min, auto_resolve_min (minutes; empty or off: no timeout on a new service, unchanged on an existing one). PagerDuty's create_services files work as they are.",
            }}
        </p>
        <div
            class="drop"
            class:over=move || over.get()
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                over.set(true);
            }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
        >
            <label class="button">
                {move || format!("Choose a {} file…", if ctx.kind.get() == Kind::Users { "users" } else { "services" })}
                <input class="visually-hidden" type="file" accept=".csv,text/csv,text/plain" on:change=on_pick />
            </label>
            <span>" or drop it here. "</span>
            <button on:click=template>{move || format!("Download {} template", noun())}</button>
        </div>
        <details class="paste">
            <summary>"Paste CSV text instead"</summary>
            <label>
                <span class="visually-hidden">"CSV text"</span>
                <textarea rows="6" prop:value=move || paste.get() on:input=move |ev| paste.set(event_target_value(&ev))></textarea>
            </label>
            <div class="actions">
                <button on:click=move |_| ctx.take("pasted text".into(), paste.get_untracked().as_bytes())>"Check pasted text"</button>
            </div>
        </details>
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
        <TableView table=table label=label empty="Nothing matches this search." />
    }
}

/// What the check found: the format, problems by row and column, ignored columns.
#[component]
fn CheckView() -> impl IntoView {
    let ctx = use_bulk();
    move || {
        let source = ctx.source.get()?;
        let name = source.name.clone();
        Some(match &source.input {
            Err(e) => view! {
                <section class="card" role="alert">
                    <h2>"Check"</h2>
                    <p class="error">{format!("{name}: {e}")}</p>
                </section>
            }
            .into_any(),
            Ok(input) => {
                let (format, ignored, total, problems) = match input {
                    Input::Users(c) => (
                        c.format,
                        c.ignored.clone(),
                        c.rows.len(),
                        problem_rows(&c.rows),
                    ),
                    Input::Services(c) => (
                        c.format,
                        c.ignored.clone(),
                        c.rows.len(),
                        problem_rows(&c.rows),
                    ),
                };
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
                                ctx.kind.get_untracked().count(total),
                                table::group((total - bad) as u64),
                                table::group(bad as u64)
                            )}
                        </p>
                        {(!ignored.is_empty()).then(|| view! {
                            <p class="warnings">{format!("Not imported (columns pdscope does not write): {}.", ignored.join(", "))}</p>
                        })}
                        {(!problems.is_empty()).then(|| view! {
                            <p>"Rows with problems are not imported. Fix them in the file and check it again, or import the rest now and the failed rows later."</p>
                            <RowsTable label="Problems" columns=PROBLEM_COLUMNS rows=problems noun="problems" />
                        })}
                    </section>
                }
                .into_any()
            }
        })
    }
}

/// Every problem as a table row: line, row key, column, message.
fn problem_rows<T>(rows: &[crate::import::Line<T>]) -> Vec<Vec<String>> {
    rows.iter()
        .filter_map(|r| r.spec.as_ref().err().map(|ps| (r, ps)))
        .flat_map(|(r, ps)| {
            ps.iter().map(move |p| {
                vec![
                    r.line.to_string(),
                    r.key.clone(),
                    if p.column.is_empty() {
                        "(row)".into()
                    } else {
                        p.column.clone()
                    },
                    p.message.clone(),
                ]
            })
        })
        .collect()
}

/// The dry run: reads the account, then shows what each row would do and what it needs.
#[component]
fn PlanView() -> impl IntoView {
    let ctx = use_bulk();
    let ready = move || {
        ctx.source.get().is_some_and(|s| match &s.input {
            Ok(Input::Users(c)) => !c.rows.is_empty(),
            Ok(Input::Services(c)) => !c.rows.is_empty(),
            Err(_) => false,
        })
    };
    let start_read = move |_| {
        let kind = ctx.kind.get_untracked();
        let role_teams = ctx
            .source
            .with_untracked(|s| match s.as_ref().map(|s| &s.input) {
                Some(Ok(Input::Users(c))) => users::teams_with_roles(c),
                _ => vec![],
            });
        ctx.read.set(None);
        ctx.reading.set(Some(("account", 0, 0)));
        leptos::task::spawn_local(async move {
            let source = bulk_io::Io {
                host: ctx.host.get_value(),
                abort: Default::default(),
            };
            let r = bulk_io::read_account(kind, source, &role_teams, move |what, d, t| {
                ctx.reading.set(Some((what, d, t)))
            })
            .await;
            ctx.reading.set(None);
            ctx.read.set(Some(r.map(Arc::new)));
        });
    };
    let plan = Memo::new(move |_| ctx.plan());
    move || {
        if !ready() {
            return None;
        }
        let noun = ctx.kind.get().noun();
        if ctx.host.with_value(|h| h.token().is_none()) {
            return Some(view! {
                <section class="card">
                    <h2>"Plan"</h2>
                    <p>"Sign in to compare the file with your PagerDuty account. Nothing is written until you press Import."</p>
                    {scope_button(&ctx.host.get_value(), vec![])}
                </section>
            }.into_any());
        }
        let reading = ctx.reading.get();
        Some(view! {
            <section class="card">
                <h2>"Plan"</h2>
                <div class="actions">
                    <button class="primary" on:click=start_read disabled=reading.is_some()>
                        {if ctx.read.get().is_some() { "Plan again" } else { "Plan against PagerDuty" }}
                    </button>
                </div>
                {reading.map(|(what, d, t)| view! {
                    <p role="status" class="count">
                        <progress max=t.max(1) value=d></progress>
                        {format!(" Reading {what}: {} of {}", table::group(d), table::group(t))}
                    </p>
                })}
                {move || match ctx.read.get() {
                    Some(Err(e)) => Some(view! { <ErrorText error=e /> }.into_any()),
                    Some(Ok(read)) => plan.get().map(|p| view! { <PlanBody plan=p read=read noun=noun /> }.into_any()),
                    None => None,
                }}
            </section>
        }.into_any())
    }
}

/// The plan's totals, requirements, rows and the Import button.
#[component]
fn PlanBody(plan: Arc<Plan>, read: Arc<Read>, noun: &'static str) -> impl IntoView {
    let ctx = use_bulk();
    let host = ctx.host.get_value();
    let kind = ctx.kind.get_untracked();
    let granted = host.granted();
    let missing: Vec<String> = plan
        .missing_scopes(kind, host.scoped(), &granted)
        .into_iter()
        .map(str::to_string)
        .collect();
    let refusal = host.role().and_then(|r| plan::role_refusal(kind, &r));
    let who = host.who();
    let creates = plan.count(Action::Create);
    let to_write = plan.to_write();
    let totals = format!(
        "{} create, {} update, {} add, {} unchanged, {} error.",
        plan.count(Action::Create),
        plan.count(Action::Update),
        plan.count(Action::Add),
        plan.count(Action::Unchanged),
        plan.count(Action::Error)
    );
    let minutes =
        (plan.writes() as f64 * 60.0 / run::RATE_LIMIT_PER_MIN as f64 / 60.0).ceil() as u64;
    let rows: Vec<Vec<String>> = plan
        .rows
        .iter()
        .map(|r| {
            let what = if r.action == Action::Error {
                crate::import::Problem::joined(&r.problems)
            } else {
                r.changes.join("; ")
            };
            vec![
                r.line.to_string(),
                r.key.clone(),
                r.action.word().to_string(),
                what,
            ]
        })
        .collect();
    let blocked = !missing.is_empty() || refusal.is_some();
    let new_teams = plan.new_teams.clone();
    let plan_run = plan.clone();
    let not_listed = read.not_listed;
    let this = plan.clone();
    let ran = move || {
        ctx.run
            .plan
            .with(|p| p.as_ref().is_some_and(|p| Arc::ptr_eq(p, &this)))
            || (ctx.run.state.get().is_some() && !ctx.run.finished.get())
    };
    let start = move |_| start_run(ctx, plan_run.clone(), read.clone());
    view! {
        <p role="status" class="plan-summary">{format!("{}: {totals}", kind.count(plan.rows.len()))}</p>
        <p>{format!("It will write as {who}, with about {} (at PagerDuty's 960 a minute: about {minutes} min).", match plan.writes() { 1 => "1 request".to_string(), n => format!("{} requests", table::group(n as u64)) })}</p>
        {(kind == Kind::Users && creates > 0).then(|| view! {
            <p class="warnings">{format!("PagerDuty e-mails an invitation to each of the {} new users as they are created; there is no way to turn this off.", table::group(creates as u64))}</p>
        })}
        {(kind == Kind::Users).then(|| view! {
            <label class="check">
                <input type="checkbox" prop:checked=move || ctx.create_teams.get() on:change=move |ev| ctx.create_teams.set(event_target_checked(&ev)) />
                {format!(" Create missing teams{}", if new_teams.is_empty() { String::new() } else { format!(": {}", new_teams.join(", ")) })}
            </label>
        })}
        {(not_listed > 0).then(|| view! {
            <p class="warnings">{format!("PagerDuty lists at most 10,000 {noun}: {} were not compared. Rows matching them show as create; the import finds them and does not make duplicates.", table::group(not_listed))}</p>
        })}
        {(!missing.is_empty()).then(|| view! {
            <div class="warnings" role="alert">
                <p>{format!("This import needs the scope{} {}, which this session lacks (it has: {}). Nothing has been written.", if missing.len() > 1 { "s" } else { "" }, missing.join(" "), if granted.is_empty() { "none".to_string() } else { granted.join(" ") })}</p>
                {scope_button(&host, missing.clone())}
            </div>
        })}
        {refusal.map(|why| view! { <p class="warnings" role="alert">{why}" Nothing has been written."</p> })}
        <RowsTable label="Plan" columns=PLAN_COLUMNS rows=rows noun="plan" />
        <div class="actions">
            // Off while a run goes, and once this plan ran (plan again to see what is left).
            <button class="primary" disabled=move || blocked || to_write == 0 || ran() on:click=start>
                {if to_write == 0 { "Nothing to import".to_string() } else { format!("Import {}", kind.count(to_write)) }}
            </button>
        </div>
    }
}

/// Starts the import of `plan`.
fn start_run(ctx: BulkCtx, plan: Arc<Plan>, read: Arc<Read>) {
    let run = ctx.run;
    if run.state.get_untracked().is_some() && !run.finished.get_untracked() {
        return;
    }
    let control = Control::default();
    run.control.set_value(Some(control.clone()));
    run.plan.set(Some(plan.clone()));
    run.source.set(ctx.source.get_untracked());
    run.journal_error.set(None);
    run.results.set(Vec::new());
    run.finished.set(false);
    run.state.set(Some(RunState::Running));
    run.started_ms.set(js_sys::Date::now());
    ctx.journal.set(None);
    leptos::task::spawn_local(async move {
        let io = Io {
            host: ctx.host.get_value(),
            abort: Default::default(),
        };
        let runner = Runner::new(&io, Some(run::RATE_LIMIT_PER_MIN), control);
        let saved = std::cell::Cell::new(0.0);
        run.save_journal();
        runner
            .run(&plan, &read.account.teams, run::CONCURRENCY, &|r| {
                run.results.try_update(|v| v.push(r));
                // Rewritten at most every two seconds (and at the end, and on pagehide).
                let now = js_sys::Date::now();
                if now - saved.get() > 2000.0 {
                    saved.set(now);
                    run.save_journal();
                }
            })
            .await;
        run.save_journal();
        run.counts
            .try_set((runner.sent.get(), runner.throttled.get()));
        run.finished.try_set(true);
    });
}

/// Progress, pause / resume / cancel, and the report.
#[component]
fn RunView() -> impl IntoView {
    let ctx = use_bulk();
    let run = ctx.run;
    let set_state = move |s: RunState| {
        if let Some(c) = run.control.get_value() {
            c.set(s);
            run.state.set(Some(c.get()));
        }
    };
    // The report table is built when the run stops or pauses, not at each row (a 10,000-row
    // report rebuilt per row would be quadratic); the progress line follows every row.
    let settled =
        Memo::new(move |_| run.finished.get() || run.state.get() == Some(RunState::Paused));
    let progress = move || {
        let plan = run.plan.get()?;
        let finished = run.finished.get();
        let state = run.state.get();
        let total = plan.rows.iter().filter(|r| r.writes() > 0).count();
        let (n, done, failed) = run.results.with(|results| {
            let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
            (results.len(), count(Outcome::Done), count(Outcome::Failed))
        });
        let left = total.saturating_sub(n);
        let elapsed = js_sys::Date::now() - run.started_ms.get_untracked();
        let remaining = if n >= 3 {
            elapsed / n as f64 * left as f64
        } else {
            left as f64 * 7.0 * 60_000.0 / run::RATE_LIMIT_PER_MIN as f64
        };
        let status = if finished {
            match state {
                Some(RunState::Cancelled) => "Cancelled.".to_string(),
                _ => "Finished.".to_string(),
            }
        } else if state == Some(RunState::Paused) {
            "Paused.".to_string()
        } else {
            crate::timefmt::duration_words(remaining / 1000.0)
                .map(|d| format!("About {d} left."))
                .unwrap_or_default()
        };
        Some(view! {
            <p role="status" class="run-progress">
                <progress max=total.max(1) value=n></progress>
                {format!(
                    " {} done, {} failed, {} left. {status}",
                    table::group(done as u64),
                    table::group(failed as u64),
                    table::group(left as u64)
                )}
            </p>
        })
    };
    let controls = move || {
        let state = run.state.get();
        (!run.finished.get()).then(|| view! {
            <div class="actions">
                {if state == Some(RunState::Paused) {
                    view! { <button on:click=move |_| set_state(RunState::Running)>"Resume"</button> }.into_any()
                } else {
                    view! { <button on:click=move |_| set_state(RunState::Paused)>"Pause"</button> }.into_any()
                }}
                <button on:click=move |_| set_state(RunState::Cancelled)>"Cancel"</button>
            </div>
        })
    };
    let summary = move || {
        let journal = run.journal_error.get().map(|e| {
            view! { <p class="warnings" role="alert">{format!("The run's journal could not be kept in this tab ({e}); this page's report is complete, but a reload would lose it: download the report.")}</p> }
        });
        let done = run.finished.get().then(|| {
            let (sent, throttled) = run.counts.get();
            view! {
                <p>{format!(
                    "{} requests, {} answered \"rate limited\" and repeated. To finish failed or stopped rows, fix them if needed and plan again: what was done shows as unchanged.",
                    table::group(sent),
                    table::group(throttled)
                )}</p>
            }
        });
        (journal, done)
    };
    let report = move || {
        if !settled.get() {
            return None;
        }
        let plan = run.plan.get_untracked()?;
        let rows = run.results.with_untracked(|r| report::rows(&plan, r));
        Some(view! { <ReportView report=Arc::new(rows) kind=ctx.kind.get_untracked() /> })
    };
    move || {
        run.plan.with(Option::is_some).then(|| {
            view! {
                <section class="card">
                    <h2>"Import"</h2>
                    {progress}
                    {controls}
                    {summary}
                    {report}
                </section>
            }
        })
    }
}

/// The report table and its downloads.
#[component]
fn ReportView(report: Arc<Vec<ReportRow>>, kind: Kind) -> impl IntoView {
    let ctx = use_bulk();
    let rows: Vec<Vec<String>> = report.iter().map(ReportRow::cells).collect();
    let any_failed = report.iter().any(ReportRow::failed);
    let for_csv = report.clone();
    let download_report = move |_| {
        crate::browser::download(
            &report::file_name(kind, "report", &crate::browser::local_date()),
            "text/csv;charset=utf-8",
            &report::csv(&for_csv),
        )
    };
    let download_failed = move |_| {
        let Some(source) = ctx.run.source.get_untracked() else {
            return;
        };
        let text = match &source.input {
            Ok(Input::Users(c)) => report::failed_rows(c.header.as_deref(), &c.rows, &report),
            Ok(Input::Services(c)) => report::failed_rows(c.header.as_deref(), &c.rows, &report),
            Err(_) => return,
        };
        crate::browser::download(
            &report::file_name(kind, "failed-rows", &crate::browser::local_date()),
            "text/csv;charset=utf-8",
            &text,
        )
    };
    view! {
        <div class="actions">
            <button on:click=download_report>"Download report"</button>
            {any_failed.then(|| view! { <button on:click=download_failed>"Download failed rows"</button> })}
        </div>
        <RowsTable label="Report" columns=REPORT_COLUMNS rows=rows />
    }
}

/// The journal of a run from before this page load (a reload, or another visit in this tab).
#[component]
fn LastRun() -> impl IntoView {
    let ctx = use_bulk();
    move || {
        let (kind, file, results) = ctx.journal.get()?;
        let done = results
            .iter()
            .filter(|r| r.outcome == Outcome::Done)
            .count();
        let rows: Vec<Vec<String>> = results
            .iter()
            .map(|r| report::from_result(r).cells())
            .collect();
        Some(view! {
            <section class="card last-run">
                <h2>"Last import in this tab"</h2>
                <p role="status">{format!(
                    "{file} ({}): {} rows done, {} not. To finish the rest, choose the file again and plan: what was done shows as unchanged.",
                    kind.noun(),
                    table::group(done as u64),
                    table::group((results.len() - done) as u64)
                )}</p>
                <div class="actions">
                    <button on:click=move |_| {
                        bulk_io::clear_journal();
                        ctx.journal.set(None);
                    }>"Forget it"</button>
                </div>
                <RowsTable label="Last import" columns=REPORT_COLUMNS rows=rows />
            </section>
        })
    }
}

/// "Export for import": reads every user or service (`kind` is `users` or `services`) as the
/// plan does and downloads them in the import format. The answer says what was exported.
pub async fn export_for_import(kind: &str, host: js_sys::Function) -> Result<String, String> {
    let kind = if kind == "services" {
        Kind::Services
    } else {
        Kind::Users
    };
    let io = Io {
        host: Host(host),
        abort: Default::default(),
    };
    let read = bulk_io::read_account(kind, io, &[], |_, _, _| {})
        .await
        .map_err(|e| e.to_string())?;
    let (text, n) = crate::import::export_csv(kind, &read.account);
    crate::browser::download(
        &format!(
            "pdscope-{}-for-import-{}.csv",
            kind.noun(),
            crate::browser::local_date()
        ),
        "text/csv;charset=utf-8",
        &text,
    );
    Ok(if read.not_listed > 0 {
        format!(
            "Exported {} for import; PagerDuty lists at most 10,000, so {} are not in the file.",
            kind.count(n),
            table::group(read.not_listed)
        )
    } else {
        format!("Exported {} for import.", kind.count(n))
    })
}
