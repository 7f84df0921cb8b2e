//! Carrying out a plan, for every kind: each row's writes in order (the kinds' `steps.rs`),
//! rows in parallel, every request paced under PagerDuty's rate limit.
//!
//! No run creates a duplicate: a write whose answer was lost (network error, 5xx, an
//! unreadable answer) is checked by reading before it is retried, and an "already taken"
//! answer is adopted when the existing object is the one the row describes. Pure: the
//! browser, and the tests' fake account, sit behind [`Transport`].

use super::account::{find_named, Named};
use super::plan::{Plan, RowPlan, Work};
use crate::api::ApiError;
use crate::json;
use futures::future::LocalBoxFuture;
use futures::StreamExt;
use serde_json::{json, Value};
use std::cell::Cell;
use std::rc::Rc;

/// PagerDuty's limit for OAuth user tokens: requests a minute per user per app.
pub const RATE_LIMIT_PER_MIN: u32 = 960;
/// Rows worked on at once: a browser keeps six connections to one host.
pub const CONCURRENCY: usize = 6;
/// Tries per request before the row is reported as failed.
pub const MAX_TRIES: u32 = 6;
/// Reads again after "already taken" when nothing is found yet (about 1 + 2 + 4 s).
pub const VISIBILITY_TRIES: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

/// The account as the importer sees it.
pub trait Transport {
    /// One request; `path` is relative to the API base and already encoded.
    fn send(
        &self,
        method: Method,
        path: String,
        body: Option<Value>,
    ) -> LocalBoxFuture<'static, Result<Value, ApiError>>;
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()>;
    /// Milliseconds on a monotonic clock.
    fn now_ms(&self) -> f64;
    /// A number in `0..1` to spread retries.
    fn jitter(&self) -> f64;
    /// The rate limit the server announced (`ratelimit-limit`, a minute), when it did.
    fn limit_per_min(&self) -> Option<u32> {
        None
    }
}

/// Running, paused or cancelled: set by the page, read by the run between steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Running,
    Paused,
    Cancelled,
}

/// How a row's steps ended without an error: all of them, or stopped by Cancel between two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    Finished,
    Stopped,
}

/// The handle the page holds to pause, resume and cancel a run.
#[derive(Clone, Debug)]
pub struct Control(Rc<Cell<RunState>>);

impl Default for Control {
    fn default() -> Self {
        Control(Rc::new(Cell::new(RunState::Running)))
    }
}

impl Control {
    pub fn set(&self, s: RunState) {
        // A cancelled run stays cancelled.
        if self.0.get() != RunState::Cancelled {
            self.0.set(s)
        }
    }
    pub fn get(&self) -> RunState {
        self.0.get()
    }
}

/// How a row ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed,
    /// Cancelled before it finished (what it did is listed).
    Stopped,
}

impl Outcome {
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::Stopped => "stopped",
        }
    }
}

/// Why a row failed: the step, PagerDuty's own words (when it gave some) and plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub step: String,
    pub pagerduty: String,
    pub plain: String,
}

/// What one row's run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowResult {
    pub line: u64,
    pub key: String,
    pub outcome: Outcome,
    /// What was done, in words ("created user PABC123", "added sms +44 7700900123").
    pub did: Vec<String>,
    /// PagerDuty ids of what the row made or found (the user or service first).
    pub ids: Vec<String>,
    /// The user or service the plan would create was found in PagerDuty instead (a try whose
    /// answer was lost, or made elsewhere since the plan): the row's fields were set on it.
    pub found: bool,
    pub error: Option<RowError>,
    /// Each object as it was before the row wrote it (JSON text), for "Download backup".
    pub before: Vec<String>,
    /// Routing keys of the integrations the row made: for the keys file only (the report
    /// and the journal never carry them; `Debug` masks them).
    pub keys: Vec<crate::bulk::services::keys::RoutingKey>,
}

/// Spaces requests evenly under the rate limit, and holds every row back after a 429.
struct Pacer {
    /// The limit to assume until the server announces one (`None`: no pacing).
    per_minute: Option<u32>,
    next_at: Cell<f64>,
}

impl Pacer {
    /// Milliseconds between requests: a hair under the limit, so a window's edge does not
    /// answer 429.
    fn spacing_ms(&self, announced: Option<u32>) -> f64 {
        announced
            .or(self.per_minute)
            .map_or(0.0, |n| 60_000.0 / (n.max(1) as f64 * 0.985))
    }
}

/// Whether an error leaves the write's outcome unknown (it may have happened).
pub(crate) fn lost(e: &ApiError) -> bool {
    match e {
        ApiError::Network(_) | ApiError::Server { .. } | ApiError::Malformed { .. } => true,
        // Parallel creates on licensed accounts (terraform-provider-pagerduty #1117).
        ApiError::BadRequest(m) => m.contains("could not be locked"),
        _ => false,
    }
}

/// Whether PagerDuty refused a create because the object exists.
fn taken(e: &ApiError) -> bool {
    matches!(e, ApiError::BadRequest(m) if m.contains("already been taken") || m.contains("must be unique") || m.contains("already exists"))
}

/// PagerDuty's words and plain words for a failure.
pub fn explain(step: &str, e: &ApiError) -> RowError {
    let pagerduty = match e {
        ApiError::BadRequest(m) | ApiError::Forbidden(m) | ApiError::PlanLacks(m) => m.clone(),
        other => other.to_string(),
    };
    let plain = match e {
        ApiError::PlanLacks(m) => match ability_named(m) {
            Some(a) => format!("This PagerDuty account's plan does not include the {a} ability this row needs; change the row (leave out what needs it) or ask PagerDuty to add it to the plan. The cells are not wrong."),
            None => "This PagerDuty account's plan does not include what this row needs (for example low-urgency rules, stakeholder roles or teams); change the row or the plan. The cells are not wrong.".to_string(),
        },
        ApiError::BadRequest(m) if m.contains("License is not available") => {
            "PagerDuty has no licence left for this user's role; free one (a stakeholder role frees a Full User licence) or buy more, then import the failed rows again.".to_string()
        }
        ApiError::BadRequest(m) if m.contains("Email has already been taken") => {
            "PagerDuty says this e-mail is taken, but no user with it is visible here: it may belong to a user of another PagerDuty account. Use another address.".to_string()
        }
        ApiError::BadRequest(m) if m.contains("already been taken") => {
            "It already exists in PagerDuty and is not the one this row describes; change the row or the existing object.".to_string()
        }
        ApiError::BadRequest(_) => "PagerDuty refused the values in this row; fix the cell it names and import the failed rows again.".to_string(),
        ApiError::Forbidden(_) => "Your PagerDuty role may not make this change; ask a Global Admin to run the import.".to_string(),
        ApiError::MissingScope { .. } => format!("{e} Sign in again with the scopes the import needs."),
        ApiError::RateLimited { .. } | ApiError::Server { .. } | ApiError::Network(_) | ApiError::Malformed { .. } => {
            "PagerDuty did not answer after several tries; nothing is duplicated by trying again: import the failed rows again.".to_string()
        }
        other => other.to_string(),
    };
    RowError {
        step: step.to_string(),
        pagerduty,
        plain,
    }
}

/// The ability PagerDuty names in a 402's words ("… does not have the teams ability").
fn ability_named(words: &str) -> Option<&str> {
    let before = words.find(" ability")?;
    let start = words[..before].rfind(' ')? + 1;
    let name = &words[start..before];
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')).then_some(name)
}

/// A run: the transport, the pacing and the control.
pub struct Runner<'a, T: Transport> {
    pub(crate) t: &'a T,
    pacer: Pacer,
    ctl: Control,
    /// Requests sent (every try), and 429 answers among them, for the benchmark and report.
    pub sent: Cell<u64>,
    pub throttled: Cell<u64>,
    /// Licence kinds PagerDuty said are used up ("License is not available") in this run:
    /// later creates that need one fail at once instead of each asking again.
    pub(crate) licences_out: std::cell::RefCell<Vec<&'static str>>,
    /// Licences left by kind, when the plan read them: a create takes one before it asks.
    pub(crate) licences_left: std::cell::RefCell<Vec<(&'static str, u64)>>,
    /// Objects (policies, schedules) a row is reading and writing: rows run at once, and two
    /// read-change-write turns on one object would undo each other, so each waits its turn.
    pub(crate) busy: std::cell::RefCell<std::collections::BTreeSet<String>>,
    /// Offboarding: the leavers still to be taken out of each policy or schedule (by id).
    pub(crate) shared_edits: std::cell::RefCell<
        std::collections::BTreeMap<String, Vec<crate::bulk::offboard::work::SharedEdit>>,
    >,
    /// Whether the account lists schedule layers on GET in the reverse of PUT order
    /// (PagerDuty's quirk), once the first schedule write has shown it.
    pub(crate) layers_reversed: Cell<Option<bool>>,
}

impl<'a, T: Transport> Runner<'a, T> {
    /// `per_minute`: the rate limit to stay under until the server announces its own
    /// (`None`: no pacing).
    pub fn new(t: &'a T, per_minute: Option<u32>, ctl: Control) -> Self {
        Runner {
            t,
            pacer: Pacer {
                per_minute,
                next_at: Cell::new(0.0),
            },
            ctl,
            sent: Cell::new(0),
            throttled: Cell::new(0),
            licences_out: Default::default(),
            licences_left: Default::default(),
            busy: Default::default(),
            shared_edits: Default::default(),
            layers_reversed: Cell::new(None),
        }
    }

    /// Waits the back-off of try `attempt` after `e` (for steps that retry on their own).
    pub(crate) async fn back_off(&self, attempt: u32, e: &ApiError) {
        let ms = crate::paging::backoff_ms(attempt, e, self.t.jitter());
        self.t.sleep(ms).await
    }

    /// Milliseconds on the transport's clock.
    pub(crate) fn now_ms(&self) -> f64 {
        self.t.now_ms()
    }

    /// Waits while paused; `false` once cancelled.
    pub(crate) async fn go_on(&self) -> bool {
        loop {
            match self.ctl.get() {
                RunState::Running => return true,
                RunState::Cancelled => return false,
                RunState::Paused => self.t.sleep(250).await,
            }
        }
    }

    /// One request in its turn; a 429 holds every row back until the limit resets, then
    /// the same request goes again. Other errors are the caller's to handle.
    pub(crate) async fn call(
        &self,
        m: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let mut limited = 0;
        loop {
            let now = self.t.now_ms();
            let at = self.pacer.next_at.get().max(now);
            self.pacer
                .next_at
                .set(at + self.pacer.spacing_ms(self.t.limit_per_min()));
            if at > now {
                self.t.sleep((at - now) as u64).await;
            }
            self.sent.set(self.sent.get() + 1);
            match self.t.send(m, path.to_string(), body.cloned()).await {
                Err(e @ ApiError::RateLimited { .. }) => {
                    self.throttled.set(self.throttled.get() + 1);
                    limited += 1;
                    if limited >= MAX_TRIES * 2 {
                        return Err(e);
                    }
                    let wait = crate::paging::backoff_ms(limited, &e, self.t.jitter()) as f64;
                    let until = self.t.now_ms() + wait;
                    if self.pacer.next_at.get() < until {
                        self.pacer.next_at.set(until);
                    }
                }
                other => return other,
            }
        }
    }

    /// A request that may simply be repeated (reads, `PUT`s): retried when its answer was lost.
    pub(crate) async fn again(
        &self,
        m: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.call(m, path, body).await {
                Err(e) if lost(&e) && tries < MAX_TRIES => {
                    self.t
                        .sleep(crate::paging::backoff_ms(tries, &e, self.t.jitter()))
                        .await
                }
                other => return other,
            }
        }
    }

    /// A create that must happen once: on a lost answer or "already taken", `find` reads
    /// what exists; what it finds is handed back as found (`Ok((value, true))`) for the
    /// caller to adopt or refuse. A lost answer with nothing found is tried again; "already
    /// taken" with nothing found is read again for a few seconds, then fails.
    pub(crate) async fn create_once<F, Fut>(
        &self,
        path: &str,
        body: &Value,
        find: F,
    ) -> Result<(Value, bool), ApiError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<Value>, ApiError>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.call(Method::Post, path, Some(body)).await {
                Ok(v) => return Ok((v, false)),
                Err(e) if taken(&e) => {
                    // Taken but not found: PagerDuty is eventually consistent, so a write may
                    // not be listed yet. Read again with back-off for a few seconds first.
                    for attempt in 0..=VISIBILITY_TRIES {
                        if attempt > 0 {
                            let ms = crate::paging::backoff_ms(attempt, &e, self.t.jitter());
                            self.t.sleep(ms).await;
                        }
                        if let Some(found) = find().await? {
                            return Ok((found, true));
                        }
                    }
                    return Err(e);
                }
                Err(e) if lost(&e) => {
                    if let Some(found) = find().await? {
                        return Ok((found, true));
                    }
                    if tries >= MAX_TRIES {
                        return Err(e);
                    }
                    self.t
                        .sleep(crate::paging::backoff_ms(tries, &e, self.t.jitter()))
                        .await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Makes sure every team in `names` exists: found by exact name, else created once.
    /// Returns each name with its id or why it could not be made.
    pub async fn teams(&self, names: &[String]) -> Vec<(String, Result<String, RowError>)> {
        let mut out = Vec::new();
        for name in names {
            let find = || async {
                let v = self
                    .again(
                        Method::Get,
                        &format!("/teams?query={}&limit=100", crate::url::encode(name)),
                        None,
                    )
                    .await?;
                let teams: Vec<Named> = json::list(&v, "teams");
                Ok(teams
                    .into_iter()
                    .find(|t| t.name == *name)
                    .map(|t| json!({"team": {"id": t.id}})))
            };
            let r = match find().await {
                Ok(Some(v)) => Ok(v),
                Ok(None) => {
                    let body = json!({"team": {"type": "team", "name": name}});
                    self.create_once("/teams", &body, || async {
                        Ok(find().await?.map(|v| v.get("team").cloned().unwrap_or(v)))
                    })
                    .await
                    .map(|(v, _)| v)
                }
                Err(e) => Err(e),
            };
            let id = r
                .map_err(|e| explain(&format!("creating team {name}"), &e))
                .and_then(|v| {
                    v.get("team")
                        .unwrap_or(&v)
                        .get("id")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| {
                            explain(
                                &format!("creating team {name}"),
                                &ApiError::Malformed {
                                    endpoint: "/teams".into(),
                                    detail: "no team id".into(),
                                },
                            )
                        })
                });
            out.push((name.clone(), id));
        }
        out
    }

    /// One row, reported whatever happens.
    async fn row(
        &self,
        p: &RowPlan,
        team_id: &dyn Fn(&str) -> Result<String, RowError>,
    ) -> RowResult {
        let mut r = RowResult {
            line: p.line,
            key: p.key.clone(),
            outcome: Outcome::Done,
            did: vec![],
            ids: vec![],
            found: false,
            before: vec![],
            error: None,
            keys: vec![],
        };
        let result = match &p.work {
            Work::User(w) => self.user(w, team_id, &mut r).await,
            Work::Service(w) => self.service(w, &mut r).await,
            Work::Offboard(w) => self.offboard(w, &mut r).await,
            Work::Nothing => Ok(Ended::Finished),
        };
        // A row whose last write went out just before Cancel was pressed is done, not stopped.
        match result {
            Err(e) => {
                r.outcome = Outcome::Failed;
                r.error = Some(e);
            }
            Ok(Ended::Stopped) => r.outcome = Outcome::Stopped,
            Ok(Ended::Finished) => {}
        }
        r
    }

    /// Runs every row of `plan` that writes something: missing teams first, then the rows,
    /// `concurrency` at a time. `done` hears each row as it ends, in the order they end;
    /// rows not started when the run is cancelled are reported as stopped with nothing done.
    pub async fn run(&self, plan: &Plan, concurrency: usize, done: &dyn Fn(RowResult)) {
        *self.licences_left.borrow_mut() = plan.licences_free.clone();
        for row in &plan.rows {
            if let Work::Offboard(w) = &row.work {
                let mut shared = self.shared_edits.borrow_mut();
                for (id, e) in w.shared(row.line) {
                    shared.entry(id).or_default().push(e);
                }
            }
        }
        let created = if plan.new_teams.is_empty() || !self.go_on().await {
            vec![]
        } else {
            self.teams(&plan.new_teams).await
        };
        let team_id = |name: &str| -> Result<String, RowError> {
            if let Some((_, r)) = created.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                return r.clone();
            }
            find_named(&plan.teams, name)
                .map(|t| t.id.clone())
                .ok_or_else(|| RowError {
                    step: format!("adding to team {name}"),
                    pagerduty: String::new(),
                    plain: format!("There is no team named {name}; plan again with \"Create missing teams\" on."),
                })
        };
        let team_id = &team_id;
        futures::stream::iter(plan.rows.iter().filter(|p| p.writes() > 0))
            .map(|p| async move {
                if self.ctl.get() == RunState::Cancelled {
                    RowResult {
                        line: p.line,
                        key: p.key.clone(),
                        outcome: Outcome::Stopped,
                        did: vec![],
                        ids: vec![],
                        found: false,
                        before: vec![],
                        error: None,
                        keys: vec![],
                    }
                } else {
                    self.row(p, team_id).await
                }
            })
            .buffer_unordered(concurrency.max(1))
            .for_each(|r| {
                done(r);
                async {}
            })
            .await;
    }
}

#[cfg(test)]
mod tests;
