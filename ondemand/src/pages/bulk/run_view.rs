//! The Import page's run: starting the import of a plan, its progress with pause / resume /
//! cancel, the per-row report and its downloads (the routing keys a services run made apart),
//! and the journal of a run from before this page load.

use super::keys::RoutingKeys;
use super::rows::FilteredTable;
use super::{use_bulk, BulkCtx, RowsTable, REPORT_COLUMNS};
use crate::io::Io;
use leptos::prelude::*;
use pdscope::bulk::filter;
use pdscope::bulk::journal;
use pdscope::bulk::plan::Plan;
use pdscope::bulk::report::{self, ReportRow};
use pdscope::bulk::run::{self, Control, RunState, Runner};
use pdscope::bulk::Kind;
use std::sync::Arc;

/// Starts the import of `plan`.
pub(super) fn start_run(ctx: BulkCtx, plan: Arc<Plan>) {
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
    // Which file, kind, account and time this run and its report belong to.
    let account = ctx.host.with_value(|h| h.session()).map(|s| {
        s.subdomain
            .map(|d| format!("{d}.pagerduty.com"))
            .or(s.api_url)
            .unwrap_or_default()
    });
    let file = ctx
        .source
        .with_untracked(|s| s.as_ref().map(|s| s.name.clone()));
    run.about.set(format!(
        "{} ({}){}, started {}.",
        file.unwrap_or_default(),
        plan.kind.noun(),
        account.map(|a| format!(" in {a}")).unwrap_or_default(),
        pdscope::browser::local_time(js_sys::Date::now())
    ));
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
            .run(&plan, run::CONCURRENCY, &|r| {
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
pub(super) fn RunView() -> impl IntoView {
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
        let (n, words) = run
            .results
            .with(|results| (results.len(), report::progress_words(&plan, results)));
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
            pdscope::timefmt::duration_words(remaining / 1000.0)
                .map(|d| format!("About {d} left."))
                .unwrap_or_default()
        };
        Some(view! {
            <p role="status" class="run-progress">
                <progress max=total.max(1) value=n></progress>
                {format!(" {words} {status}")}
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
                <p>{pdscope::bulk::words::run_done(sent, throttled)}</p>
            }
        });
        (journal, done)
    };
    let report = move || {
        if !settled.get() {
            return None;
        }
        let plan = run.plan.get_untracked()?;
        let (mut rows, teams, backup, changes) = run.results.with_untracked(|r| {
            (
                report::rows(&plan, r),
                report::teams_created(&plan, r),
                report::backup(r),
                (plan.kind == Kind::Offboard).then(|| report::changes(&plan, r)),
            )
        });
        if let Some(Ok(file)) = run
            .source
            .with_untracked(|s| s.as_ref().map(|s| s.file.clone()))
        {
            report::with_names(&mut rows, file.checked());
        }
        // In the file's order (rows finish in any order).
        let mut keys: Vec<_> = run.results.with_untracked(|r| {
            r.iter()
                .flat_map(|r| r.keys.iter().map(move |k| (r.line, k.clone())))
                .collect()
        });
        keys.sort_by_key(|(line, _)| *line);
        let keys: Vec<_> = keys.into_iter().map(|(_, k)| k).collect();
        let region = ctx.host.with_value(|h| h.session()).and_then(|s| s.region);
        Some(view! {
            <ReportView report=Arc::new(rows) kind=plan.kind teams=teams backup=backup changes=changes />
            {(!keys.is_empty()).then(|| view! { <RoutingKeys keys=Arc::new(keys) region=region /> })}
        })
    };
    move || {
        run.plan.with(Option::is_some).then(|| {
            view! {
                <section class="card">
                    <h2>{move || run.plan.with(|p| p.as_ref().map_or("Import", |p| p.kind.verb()))}</h2>
                    <p class="run-of">{move || run.about.get()}</p>
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
fn ReportView(
    report: Arc<Vec<ReportRow>>,
    kind: Kind,
    teams: Vec<String>,
    /// The objects as they were before the run changed them, when it kept any.
    backup: Option<String>,
    /// Offboarding's changes, one line per object (CSV).
    changes: Option<String>,
) -> impl IntoView {
    let ctx = use_bulk();
    let rows: Vec<Vec<String>> = report.iter().map(ReportRow::cells).collect();
    let any_failed = report.iter().any(ReportRow::failed);
    let for_csv = report.clone();
    let download_report = move |_| {
        pdscope::browser::download(
            &report::file_name(kind, "report", &now()),
            "text/csv;charset=utf-8",
            &report::csv(&for_csv),
        )
    };
    let download_failed = move |_| {
        let Some(source) = ctx.run.source.get_untracked() else {
            return;
        };
        let Ok(file) = &source.file else { return };
        let text = file.failed_rows(&report);
        pdscope::browser::download(
            &report::file_name(kind, "failed-rows", &now()),
            "text/csv;charset=utf-8",
            &text,
        )
    };
    view! {
        <div class="actions">
            <button on:click=download_report>"Download report"</button>
            {any_failed.then(|| view! { <button on:click=download_failed>"Download failed rows"</button> })}
            {changes.map(|text| {
                let download = move |_| pdscope::browser::download(&report::file_name(kind, "changes", &now()), "text/csv;charset=utf-8", &text);
                view! { <button on:click=download>"Download changes"</button> }
            })}
            {backup.map(|text| view! { <BackupButton text=text kind=kind /> })}
        </div>
        {(!teams.is_empty()).then(|| view! {
            <p class="teams-created">{format!("Teams created: {}.", teams.join(", "))}</p>
        })}
        <FilteredTable label="Report" columns=REPORT_COLUMNS rows=rows order=filter::REPORT_ORDER noun="report" />
    }
}

/// "Download backup": the policies and schedules as they were before the run wrote them.
#[component]
fn BackupButton(text: String, kind: Kind) -> impl IntoView {
    let download = move |_| {
        let name = report::file_name(kind, "backup", &now()).replace(".csv", ".json");
        pdscope::browser::download(&name, "application/json", &text)
    };
    view! { <button on:click=download>"Download backup"</button> }
}

/// The local time for a download's name (`2026-11-29 14:03:07 …`).
fn now() -> String {
    pdscope::browser::local_time(js_sys::Date::now())
}

/// The journal of a run from before this page load (a reload, or another visit in this tab).
#[component]
pub(super) fn LastRun() -> impl IntoView {
    let ctx = use_bulk();
    move || {
        let journal = ctx.journal.get()?;
        let rows: Vec<Vec<String>> = journal
            .rows
            .iter()
            .map(|r| report::from_result(r).cells())
            .collect();
        Some(view! {
            <section class="card last-run">
                <h2>"Last import in this tab"</h2>
                <p role="status">{journal.summary()}</p>
                <div class="actions">
                    <button on:click=move |_| {
                        journal::clear();
                        ctx.journal.set(None);
                    }>"Forget it"</button>
                    {report::backup(&journal.rows).map(|text| view! { <BackupButton text=text kind=journal.kind /> })}
                </div>
                <RowsTable label="Last import" columns=REPORT_COLUMNS rows=rows />
            </section>
        })
    }
}
