//! The Import page's dry run: reading the account (what the file says it needs), then the
//! plan's totals, what it needs of the session and the account, its rows, and the button that
//! says what the import will do.

use super::*;

/// The dry run: reads the account, then shows what each row would do and what it needs.
#[component]
pub(super) fn PlanView() -> impl IntoView {
    let ctx = use_bulk();
    let ready = move || {
        ctx.source
            .get()
            .is_some_and(|s| s.file.as_ref().is_ok_and(|f| !f.checked().is_empty()))
    };
    let start_read = move |_| {
        let Some(reads) = ctx.source.with_untracked(|s| {
            s.as_ref()
                .and_then(|s| s.file.as_ref().ok())
                .map(|f| f.reads(js_sys::Date::now()))
        }) else {
            return;
        };
        ctx.read.set(None);
        ctx.reading.set(Some(("account", 0, 0)));
        leptos::task::spawn_local(async move {
            let source = io::Io {
                host: ctx.host.get_value(),
                abort: Default::default(),
            };
            let r = account::read(&source, &reads, move |what, d, t| {
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
                        {format!(" Reading {what}: {} of {}", group(d), group(t))}
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
    let kind = plan.kind;
    let granted = host.granted();
    let missing: Vec<String> = plan
        .missing_scopes(host.scoped(), &granted)
        .into_iter()
        .map(str::to_string)
        .collect();
    let refusal = host.role().and_then(|r| kind.role_refusal(&r));
    let who = host.who();
    let creates = plan.count(Action::Create);
    let to_write = plan.to_write();
    let totals = if kind == Kind::Offboard {
        format!(
            "{} to offboard, {} unchanged, {} error.",
            plan.count(Action::Offboard),
            plan.count(Action::Unchanged),
            plan.count(Action::Error)
        )
    } else {
        format!(
            "{} create, {} update, {} add, {} unchanged, {} error.",
            plan.count(Action::Create),
            plan.count(Action::Update),
            plan.count(Action::Add),
            plan.count(Action::Unchanged),
            plan.count(Action::Error)
        )
    };
    let minutes =
        (plan.writes() as f64 * 60.0 / run::RATE_LIMIT_PER_MIN as f64 / 60.0).ceil() as u64;
    let classes: Vec<&'static str> = plan
        .rows
        .iter()
        .map(|r| filter::attention(r).map_or("", |_| "attention"))
        .collect();
    let fixes: Vec<(u64, pdscope::bulk::Problem)> = plan
        .rows
        .iter()
        .flat_map(|r| r.problems.iter().map(|p| (r.line, p.clone())))
        .filter(|(_, p)| p.fix.is_some())
        .collect();
    let rows: Vec<Vec<String>> = plan
        .rows
        .iter()
        .map(|r| {
            let what = if r.action == Action::Error {
                pdscope::bulk::Problem::joined(&r.problems)
            } else {
                r.changes.join("; ")
            };
            // Said in the row too: the highlight is not the only sign.
            let what = match filter::attention(r) {
                Some(why) => format!("{}: {what}", why[..1].to_uppercase() + &why[1..]),
                None => what,
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
    // With "Create missing teams" off the plan creates none: name the ones it would.
    let new_teams = if plan.new_teams.is_empty() && !ctx.create_teams.get_untracked() {
        ctx.source
            .with_untracked(|s| {
                let file = s.as_ref()?.file.as_ref().ok()?;
                Some(
                    file.plan(
                        &read.account,
                        plan::Options {
                            create_teams: true,
                            me: None,
                        },
                    )
                    .new_teams,
                )
            })
            .unwrap_or_default()
    } else {
        plan.new_teams.clone()
    };
    let plan_run = plan.clone();
    let not_listed = read.not_listed;
    let this = plan.clone();
    let ran = move || {
        ctx.run
            .plan
            .with(|p| p.as_ref().is_some_and(|p| Arc::ptr_eq(p, &this)))
            || (ctx.run.state.get().is_some() && !ctx.run.finished.get())
    };
    let start = move |_| start_run(ctx, plan_run.clone());
    view! {
        <p role="status" class="plan-summary">{format!("{}: {totals}", kind.count(plan.rows.len()))}</p>
        <p>{words::writes(&who, plan.writes(), minutes, plan.count(Action::Error))}</p>
        {(kind == Kind::Users).then(|| words::invitations(creates)).flatten().map(|w| view! {
            <p class="warnings">{w}</p>
        })}
        {plan.notes.iter().map(|n| view! { <p class="warnings">{n.clone()}</p> }).collect_view()}
        {(kind == Kind::Users).then(|| view! {
            <label class="check">
                <input type="checkbox" prop:checked=move || ctx.create_teams.get() on:change=move |ev| ctx.create_teams.set(event_target_checked(&ev)) />
                {words::create_teams(&new_teams)}
            </label>
        })}
        {(not_listed > 0).then(|| view! {
            <p class="warnings">{format!("PagerDuty lists at most 10,000 {noun}: {} were not compared. Rows matching them show as create; the import finds them and does not make duplicates.", group(not_listed))}</p>
        })}
        {(!missing.is_empty()).then(|| view! {
            <div class="warnings" role="alert">
                <p>{format!("This import needs the scope{} {}, which this session lacks (it has: {}). Nothing has been written.", if missing.len() > 1 { "s" } else { "" }, missing.join(" "), if granted.is_empty() { "none".to_string() } else { granted.join(" ") })}</p>
                {scope_button(&host, missing.clone())}
            </div>
        })}
        {refusal.map(|why| view! { <p class="warnings" role="alert">{why}" Nothing has been written."</p> })}
        {suggested::suggested(&fixes)}
        <rows::FilteredTable label="Plan" columns=PLAN_COLUMNS rows=rows classes=classes order=filter::PLAN_ORDER noun="plan" />
        <div class="actions">
            // Off while a run goes, and once this plan ran (plan again to see what is left).
            <button class="primary" disabled=move || blocked || to_write == 0 || ran() on:click=start>
                {if to_write == 0 { (if kind == Kind::Offboard { "Nothing to do" } else { "Nothing to import" }).to_string() } else { format!("{} {}", kind.verb(), kind.count(to_write)) }}
            </button>
        </div>
    }
}
