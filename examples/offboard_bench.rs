//! Benchmark (a table, not a test): offboarding 50 people from an account of 2,000 users,
//! 300 schedules and 400 escalation policies at 50 ms a request (issue #28), with pdscope's own
//! `File::check`, `bulk::account::read`, `File::plan` and `Runner::run`, against the requests
//! PagerDuty's `user_deprovision` script makes for the same people, counted from its source
//! ([`script`]). Run: `scripts/bench.sh offboard` (`cargo run --release --example
//! offboard_bench`). Exits non-zero when a row fails, or a leaver or a level or layer with
//! nobody is left in the account. The account is [`build`]'s.
//!
//! Time is a virtual clock. A request is answered 50 ms after it is sent (the fake acts on it
//! when sent); sleeps (the Runner's pacing and back-off, a row waiting its turn on a shared
//! object) wait on the same clock. [`simulate`] polls every future in flight and moves the
//! clock to the earliest wake-up only when all of them wait, so requests overlap exactly as
//! far as pdscope lets them (8 pages at once for reads, 6 rows at once for the run, spaced
//! 60,000 / (960 × 0.985) ms apart by the Runner). CPU time is not counted. The fake answers
//! 429 past 960 requests in any rolling 60 s (429s are not counted in the window and carry no
//! `ratelimit-reset`, which a browser may not be allowed to read). The run is measured twice,
//! on fresh accounts: at once after the plan (its first minute shares the window with the
//! plan's reads, the worst case) and a minute after it (someone reading the plan first).

use futures::future::{FutureExt, LocalBoxFuture};
use pdscope::api::ApiError;
use pdscope::bulk::run::{self, Control, Method, Outcome, RowResult, Runner, Transport};
use pdscope::bulk::{account, plan::Action, File, Kind};
use pdscope::paging::PageSource;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::sync::{atomic::AtomicBool, atomic::Ordering::SeqCst, Arc};
use std::task::{Context, Poll, Wake, Waker};

const LATENCY_MS: f64 = 50.0;
const WINDOW_MS: f64 = 60_000.0;
const LIMIT: usize = 960;
const USERS: usize = 2_000;
const SCHEDULES: usize = 300;
const POLICIES: usize = 400;
const TEAM_SIZE: usize = 50;
const ON_CALL: usize = 12;

#[derive(Default)]
struct Clock {
    now: Cell<f64>,
    timers: RefCell<Vec<(f64, Waker)>>,
}

/// Ready once the clock reaches `ms` from now.
fn sleep(clock: &Rc<Clock>, ms: f64) -> impl Future<Output = ()> + 'static {
    let (clock, at) = (clock.clone(), clock.now.get() + ms);
    poll_fn(move |cx| {
        if clock.now.get() >= at {
            return Poll::Ready(());
        }
        clock.timers.borrow_mut().push((at, cx.waker().clone()));
        Poll::Pending
    })
}

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst)
    }
}

/// Runs `f` to its end: polls while something woke, else moves the clock to the earliest
/// timer and wakes everything due then.
fn simulate<F: Future>(clock: &Rc<Clock>, f: F) -> F::Output {
    let flag = Arc::new(Flag(AtomicBool::new(true)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        flag.0.store(false, SeqCst);
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        if flag.0.load(SeqCst) {
            continue;
        }
        let timers = clock.timers.take();
        let next = timers.iter().map(|t| t.0).fold(f64::INFINITY, f64::min);
        assert!(next.is_finite(), "every future waits and no timer is set");
        clock.now.set(next.max(clock.now.get()));
        let (due, rest): (Vec<_>, Vec<_>) = timers.into_iter().partition(|t| t.0 <= next);
        clock.timers.borrow_mut().extend(rest);
        due.into_iter().for_each(|t| t.1.wake());
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    /// `k` distinct items of `from`, in random order.
    fn pick(&mut self, from: &[usize], k: usize) -> Vec<usize> {
        let mut v: Vec<(usize, usize)> = from.iter().map(|x| (self.below(1 << 30), *x)).collect();
        v.sort_unstable();
        v.into_iter().take(k).map(|p| p.1).collect()
    }
}

fn uid(i: usize) -> String {
    format!("PU{i:05}")
}

fn uref(i: usize) -> Value {
    json!({"id": uid(i), "type": "user_reference", "summary": format!("Person {i}")})
}

/// The on-call people of team `t` (the first of its users but the Account Owner).
fn on_call(t: usize) -> Vec<usize> {
    (t * TEAM_SIZE + 1..=t * TEAM_SIZE + ON_CALL).collect()
}

/// A JSON array's items (none when it is not one).
fn arr(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// Whether a list of levels (or layers) is empty or has one whose `key` list is.
fn gap(list: &Value, key: &str) -> bool {
    arr(list).is_empty() || arr(list).iter().any(|x| arr(&x[key]).is_empty())
}

/// Whether `v` names the object `id` anywhere.
fn names(v: &Value, id: &str) -> bool {
    v.to_string().contains(&format!("\"id\":\"{id}\""))
}

/// Whether incident `i` is open and assigned to `id`.
fn open(i: &Value, id: &str) -> bool {
    i["status"] != "resolved" && names(&i["assignments"], id)
}

#[derive(Default)]
struct State {
    users: Vec<Value>,
    teams: Vec<Value>,
    policies: Vec<Value>,
    /// Layers in PUT order (GET answers them reversed, PagerDuty's quirk).
    schedules: Vec<Value>,
    overrides: Vec<(String, Value)>,
    incidents: Vec<Value>,
}

/// The account: 40 teams of 50 users, 12 of each on call; a team's schedules (1-3 layers of
/// 2-6 of its on-call people; every tenth schedule also an ended layer) and policies (1-3
/// levels of 1-2 targets: its on-call people or schedules). The leavers, with whom replaces
/// them (user numbers, in file order): 5 on-call people of each of 10 teams, so they share
/// policies and layers, each replaced by one of the team who stays; every third has 1-4 open
/// incidents, every fifth a future override.
fn build() -> (State, Vec<(usize, usize)>) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (teams, mut s) = (USERS / TEAM_SIZE, State::default());
    for i in 0..USERS {
        let team = format!("PT{:05}", i / TEAM_SIZE);
        let role = if i == 0 { "owner" } else { "user" };
        let u = json!({"id": uid(i), "type": "user", "name": format!("Person {i}"),
            "email": format!("person.{i}@example.com"), "role": role, "contact_methods": [],
            "notification_rules": [], "teams": [{"id": team, "type": "team_reference"}]});
        s.users.push(u);
        if i % TEAM_SIZE == 0 {
            let name = format!("Team {}", i / TEAM_SIZE);
            let team = json!({"id": team, "name": name, "summary": name});
            s.teams.push(team);
        }
    }
    for j in 0..SCHEDULES {
        let (live, ended) = (1 + rng.below(3), usize::from(j % 10 == 0));
        let layers: Vec<Value> = (0..live + ended)
            .map(|n| {
                let size = 2 + rng.below(5);
                let users = rng.pick(&on_call(j % teams), size).into_iter();
                let users: Vec<Value> = users.map(|u| json!({"user": uref(u)})).collect();
                let end = (n >= live).then_some("2026-02-01T00:00:00Z");
                json!({"id": format!("PS{j:05}L{n}"), "start": "2026-01-01T00:00:00Z",
                    "end": end, "rotation_virtual_start": "2026-01-01T00:00:00Z",
                    "rotation_turn_length_seconds": 604_800, "users": users})
            })
            .collect();
        let x = json!({"id": format!("PS{j:05}"), "type": "schedule",
            "name": format!("Schedule {j}"), "time_zone": "UTC", "schedule_layers": layers});
        s.schedules.push(x);
    }
    for k in 0..POLICIES {
        let mut rules = vec![];
        for r in 0..1 + rng.below(3) {
            let (t, id) = (k % teams, format!("PE{k:05}R{r}"));
            let j = t + teams * rng.below((SCHEDULES - t).div_ceil(teams));
            let schedule = json!({"id": format!("PS{j:05}"), "type": "schedule_reference"});
            let both = [schedule, uref(on_call(t)[rng.below(ON_CALL)])];
            let from = rng.below(2); // a schedule, a person, or both
            let targets = &both[from..=(from + rng.below(2)).min(1)];
            rules.push(json!({"id": id, "escalation_delay_in_minutes": 30, "targets": targets}));
        }
        let p = json!({"id": format!("PE{k:05}"), "type": "escalation_policy",
            "name": format!("Policy {k}"), "num_loops": 0, "escalation_rules": rules});
        s.policies.push(p);
    }
    let mut leavers = vec![];
    for t in 0..10 {
        let going = rng.pick(&on_call(t), 5);
        let staying = on_call(t).into_iter().filter(|p| !going.contains(p));
        leavers.extend(going.iter().copied().zip(staying));
    }
    for (k, (l, _)) in leavers.iter().enumerate() {
        for _ in 0..if k % 3 == 0 { 1 + rng.below(4) } else { 0 } {
            let n = 1000 + s.incidents.len();
            let i = json!({"id": format!("PI{n:05}"), "incident_number": n,
                "status": "triggered", "assignments": [{"assignee": uref(*l)}]});
            s.incidents.push(i);
        }
        let held = s.schedules.iter().find(|x| names(x, &uid(*l)));
        if let (0, Some(x)) = (k % 5, held) {
            let o = json!({"id": format!("PO{k:05}"), "start": "2026-12-12T00:00:00Z",
                "end": "2026-12-13T00:00:00Z", "user": uref(*l)});
            let at = x["id"].as_str().unwrap_or_default();
            s.overrides.push((at.into(), o));
        }
    }
    (s, leavers)
}

/// Every request: when it was sent, how, whether it was answered 429, and where.
type Log = Vec<(f64, Method, bool, String)>;

#[derive(Default)]
struct Fake {
    clock: Rc<Clock>,
    state: RefCell<State>,
    /// When the requests PagerDuty counted in the last minute were sent.
    window: RefCell<Vec<f64>>,
    log: RefCell<Log>,
}

fn param(path: &str, name: &str) -> Vec<String> {
    let q = pdscope::url::parse_query(path.split_once('?').map_or("", |(_, q)| q));
    let named = q.into_iter().filter(|(k, _)| k == name);
    named.map(|(_, v)| v).collect()
}

/// One page of `items`, as PagerDuty's classic paging answers (`limit` at most 100).
fn paged(path: &str, key: &str, items: Vec<Value>) -> Result<Value, ApiError> {
    let num = |k: &str, d| param(path, k).first().map_or(d, |v| v.parse().unwrap_or(d));
    let (limit, offset, total) = (num("limit", 25).min(100), num("offset", 0), items.len());
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    let with_total = param(path, "total").first().is_some_and(|t| t == "true");
    let (more, total) = (offset + limit < total, with_total.then_some(total));
    Ok(json!({key: page, "limit": limit, "offset": offset, "more": more, "total": total}))
}

fn bad(m: &str) -> ApiError {
    ApiError::BadRequest(format!("Invalid Input Provided: {m}"))
}

/// A schedule as GET answers it: layers in the reverse of PUT order.
fn got(x: &Value) -> Value {
    let mut v = x.clone();
    v["schedule_layers"] = arr(&x["schedule_layers"]).into_iter().rev().collect();
    v
}

/// `/oncalls` over 90 days for `who`: a weekly turn in each live layer a policy level
/// reaches (13 weeks shared among its members), each level naming them, each override.
fn oncalls(s: &State, who: &[String]) -> Vec<Value> {
    let mut out = vec![];
    for id in who {
        for p in &s.policies {
            for (level, r) in arr(&p["escalation_rules"]).iter().enumerate() {
                for t in arr(&r["targets"]) {
                    let x = s.schedules.iter().find(|x| x["id"] == t["id"]);
                    let layers = x.map(|x| arr(&x["schedule_layers"])).unwrap_or_default();
                    let live = layers.iter().filter(|l| l["end"].is_null() && names(l, id));
                    let turns = live.map(|l| 13usize.div_ceil(arr(&l["users"]).len()));
                    let (policy, level) = (json!({"id": p["id"]}), level + 1);
                    for w in 0..turns.sum::<usize>() + usize::from(t["id"] == *id.as_str()) {
                        out.push(json!({"user": {"id": id}, "start": format!("week {w}"),
                            "escalation_level": level, "escalation_policy": policy,
                            "schedule": x.map(|_| &t)}));
                    }
                }
            }
        }
    }
    let theirs = |o: &&(String, Value)| who.iter().any(|id| names(&o.1, id));
    for o in s.overrides.iter().filter(theirs) {
        out.push(json!({"user": o.1["user"], "schedule": {"id": o.0}, "start": o.1["start"]}));
    }
    out
}

impl Fake {
    fn apply(&self, m: Method, path: &str, body: Option<&Value>) -> Result<Value, ApiError> {
        use Method::{Delete, Get, Post, Put};
        let route = path.split('?').next().unwrap_or_default();
        let seg: Vec<&str> = route.split('/').skip(1).collect();
        let s = &mut *self.state.borrow_mut();
        let who = param(path, "user_ids[]");
        let body = |key: &str| body.map(|b| b[key].clone()).ok_or_else(|| bad("no body"));
        let missing = || ApiError::NotFound(path.into());
        let find = |list: &[Value], id: &str| list.iter().position(|x| x["id"] == id);
        let by_id = |list: &[Value], id: &str| list.iter().find(|x| x["id"] == id).cloned();
        let one = |list: &[Value], id: &str| by_id(list, id).ok_or_else(missing);
        let list = |key, items| paged(path, key, items);
        match (m, seg.as_slice()) {
            (Get, ["users"]) => list("users", s.users.clone()),
            (Get, ["teams"]) => list("teams", s.teams.clone()),
            (Get, ["abilities"]) => Ok(json!({"abilities": ["teams", "read_only_users"]})),
            (Get, ["escalation_policies"]) => list("escalation_policies", s.policies.clone()),
            (Get, ["schedules"]) => list("schedules", s.schedules.iter().map(got).collect()),
            (Get, ["incidents"]) => {
                let all = s.incidents.iter();
                let theirs = all.filter(|i| who.iter().any(|id| open(i, id)));
                paged(path, "incidents", theirs.cloned().collect())
            }
            (Get, ["oncalls"]) => paged(path, "oncalls", oncalls(s, &who)),
            (Get, ["schedules", id, "overrides"]) => {
                let here = s.overrides.iter().filter(|o| o.0 == *id);
                Ok(json!({"overrides": here.map(|o| &o.1).collect::<Vec<_>>()}))
            }
            (Post, ["schedules", id, "overrides"]) => {
                let mut answers = vec![];
                for mut o in arr(&body("overrides")?) {
                    o["id"] = json!(format!("PN{:05}", s.overrides.len()));
                    s.overrides.push((id.to_string(), o.clone()));
                    answers.push(json!({"status": 201, "override": o}));
                }
                Ok(Value::Array(answers))
            }
            (Delete, ["schedules", id, "overrides", oid]) => {
                let this = |o: &(String, Value)| o.0 == *id && o.1["id"] == *oid;
                let at = s.overrides.iter().position(this).ok_or_else(missing)?;
                s.overrides.remove(at);
                Ok(Value::Null)
            }
            (Get, ["schedules", id]) => Ok(json!({"schedule": got(&one(&s.schedules, id)?)})),
            (Get, ["escalation_policies", id]) => {
                Ok(json!({"escalation_policy": one(&s.policies, id)?}))
            }
            (Put, [kind @ ("schedules" | "escalation_policies"), id]) => {
                let (schedules, policies) = (&mut s.schedules, &mut s.policies);
                let (key, list, parts, inner) = match *kind {
                    "schedules" => ("schedule", schedules, "schedule_layers", "users"),
                    _ => ("escalation_policy", policies, "escalation_rules", "targets"),
                };
                let mut new = body(key)?;
                if gap(&new[parts], inner) {
                    return Err(bad("a level or layer with nobody"));
                }
                new["id"] = json!(id);
                let at = find(list, id).ok_or_else(missing)?;
                list[at] = new.clone();
                Ok(json!({ key: new }))
            }
            (Put, ["incidents"]) => {
                for it in arr(&body("incidents")?) {
                    let at = find(&s.incidents, it["id"].as_str().unwrap_or_default());
                    if let (Some(at), Some(a)) = (at, it.get("assignments")) {
                        s.incidents[at]["assignments"] = a.clone();
                    }
                }
                Ok(json!({"incidents": []}))
            }
            (Delete, ["teams", tid, "users", id]) => {
                let at = find(&s.users, id).ok_or_else(missing)?;
                let teams = arr(&s.users[at]["teams"]);
                s.users[at]["teams"] = teams.into_iter().filter(|t| t["id"] != *tid).collect();
                Ok(Value::Null)
            }
            (Delete, ["users", id]) => {
                let mut on_call = s.policies.iter().chain(&s.schedules);
                if on_call.any(|o| names(o, id)) || s.incidents.iter().any(|i| open(i, id)) {
                    return Err(bad("User is still referenced"));
                }
                s.users.remove(find(&s.users, id).ok_or_else(missing)?);
                Ok(Value::Null)
            }
            (_, [""]) => Ok(Value::Null), // the script's requests, only counted
            other => panic!("the fake has no route for {other:?}"),
        }
    }
}

impl Transport for Fake {
    fn send(&self, m: Method, path: String, body: Option<Value>) -> Answer {
        let now = self.clock.now.get();
        let mut window = self.window.borrow_mut();
        window.retain(|t| *t > now - WINDOW_MS);
        let limited = window.len() >= LIMIT;
        let answer = match limited {
            true => Err(ApiError::RateLimited { reset_s: None }),
            false => self.apply(m, &path, body.as_ref()),
        };
        window.extend((!limited).then_some(now));
        self.log.borrow_mut().push((now, m, limited, path));
        Box::pin(sleep(&self.clock, LATENCY_MS).map(|_| answer))
    }
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
        Box::pin(sleep(&self.clock, ms as f64))
    }
    fn now_ms(&self) -> f64 {
        self.clock.now.get()
    }
    fn jitter(&self) -> f64 {
        0.5
    }
}

type Answer = LocalBoxFuture<'static, Result<Value, ApiError>>;

impl PageSource for Fake {
    fn get(&self, path_and_query: String) -> Answer {
        Transport::send(self, Method::Get, path_and_query, None)
    }
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
        Transport::sleep(self, ms)
    }
    fn jitter(&self) -> f64 {
        0.5
    }
}

// ---- PagerDuty's script, counted from its source ----

/// The requests of PagerDuty's `user_deprovision` (PagerDuty/public-support-scripts@0f68489,
/// `user_deprovision/user_deprovision.py`) run with `-y -r` (no prompts, resolve incidents) on
/// the same people, from its source; python-pagerduty@096632b's `list_all` pages by 100
/// (`default_page_size`), so a list of n is `pages(n)` = max(1, ⌈n/100⌉) requests:
/// - once a run, S schedules, T teams of m_t users: `Resources.get_schedules` lists the
///   schedules, `pages(S)`, then `rget`s each, S; `Resources.get_teams` lists the teams,
///   `pages(T)`, then each team's users (`users?team_ids[]=`), Σ_t `pages(m_t)`.
/// - per person p: `DeleteUser.user` → `find('users', email, attribute='email')`, 1 (the
///   first page of `?query=` holds them); `list_open_incidents`, `pages(I_p)`, and with `-r`
///   `resolve_incidents`, a PUT per incident, I_p; the `escalation_policies` property lists
///   only their policies (`user_ids[]=`), `pages(E_p)`, then a PUT (a DELETE when emptied) per
///   policy, E_p; in `delete_user`, a PUT per cached schedule whose `users` name them, C_p:
///   `remove_from_schedule` deletes `users` from the cached copy, so only the first leaver in
///   a schedule writes it (later ones stay in it); a team removal per team, T_p; the delete, 1.
///
/// Reads = pages(S) + S + pages(T) + Σ_t pages(m_t) + Σ_p (1 + pages(I_p) + pages(E_p)), writes
/// = Σ_p (I_p + E_p + C_p + T_p + 1); `-b` (backup) adds a GET before each write but team
/// removals. Returns reads, writes, Σ_p C_p and Σ_p S_p (S_p: the schedules naming p, what
/// its schedule writes would be had it taken every leaver out of every schedule).
fn script(s: &State, leavers: &[(usize, usize)]) -> [usize; 4] {
    let pages = |n: usize| n.div_ceil(100).max(1);
    let (schedules, teams) = (s.schedules.len(), s.teams.len());
    let mut reads = pages(schedules) + schedules + pages(teams) + teams * pages(TEAM_SIZE);
    let (mut writes, mut every, mut written) = (0, 0, BTreeSet::new());
    for (l, _) in leavers {
        let id = uid(*l);
        let incidents = s.incidents.iter().filter(|i| open(i, &id)).count();
        let direct = |r: &Value| arr(&r["targets"]).iter().any(|t| t["id"] == *id);
        let held = |p: &&Value| arr(&p["escalation_rules"]).iter().any(direct);
        let (policies, mut c) = (s.policies.iter().filter(held).count(), 0);
        for x in s.schedules.iter().filter(|x| names(x, &id)) {
            c += usize::from(written.insert(x["id"].to_string()));
            every += 1;
        }
        reads += 1 + pages(incidents) + pages(policies);
        writes += incidents + policies + c + arr(&s.users[*l]["teams"]).len() + 1;
    }
    [reads, writes, written.len(), every]
}

/// The script's requests one after another through the fake (its limit and latency), with
/// python-pagerduty's answer to a 429 (`sleep_timer` 1.5 s doubled before each sleep: 3, 6,
/// 12 s … for the same request): the log and its time.
fn script_run(reads: usize, writes: usize) -> (Log, f64) {
    let fake = Fake::default();
    simulate(&fake.clock.clone(), async {
        for n in 0..reads + writes {
            let (m, mut wait) = (if n < reads { Method::Get } else { Method::Put }, 1.5);
            while Transport::send(&fake, m, "/".into(), None).await.is_err() {
                wait *= 2.0;
                Transport::sleep(&fake, wait as u64 * 1000).await;
            }
        }
    });
    (fake.log.take(), fake.clock.now.get())
}

/// (reads, writes, 429s, most counted in any 60 s): reads and writes answered, 429s apart.
fn tally(log: &Log) -> [usize; 4] {
    let counted: Vec<f64> = log.iter().filter(|r| !r.2).map(|r| r.0).collect();
    let reads = log.iter().filter(|r| r.1 == Method::Get && !r.2).count();
    let in_minute = |(i, t): (usize, &f64)| counted[i..].partition_point(|u| *u < t + WINDOW_MS);
    let peak = counted.iter().enumerate().map(in_minute).max().unwrap_or(0);
    let (writes, limited) = (counted.len() - reads, log.len() - counted.len());
    [reads, writes, limited, peak]
}

/// PUTs answered in `log` to paths starting `to`, and to how many objects.
fn puts(log: &Log, to: &str) -> [usize; 2] {
    let all = log.iter().filter(|r| r.1 == Method::Put && !r.2);
    let paths: Vec<&String> = all.map(|r| &r.3).filter(|p| p.starts_with(to)).collect();
    [paths.len(), paths.iter().collect::<BTreeSet<_>>().len()]
}

/// What is wrong with the account after the run: a leaver left anywhere, an override or open
/// incident of theirs, a level or layer with nobody.
fn end_state(s: &State, leavers: &[(usize, usize)]) -> Vec<String> {
    let mut wrong = vec![];
    for id in leavers.iter().map(|l| uid(l.0)) {
        let on_call = s.policies.iter().chain(&s.schedules).chain(&s.users);
        let mut all = on_call.chain(s.overrides.iter().map(|o| &o.1));
        let left = all.find(|o| names(o, &id));
        if let Some(o) = left.or_else(|| s.incidents.iter().find(|i| open(i, &id))) {
            wrong.push(format!("{id} is still in {}", o["id"]));
        }
    }
    let (policies, schedules) = (s.policies.iter(), s.schedules.iter());
    let levels = policies.filter(|p| gap(&p["escalation_rules"], "targets"));
    let layers = schedules.filter(|x| gap(&x["schedule_layers"], "users"));
    for o in levels.chain(layers) {
        wrong.push(format!("{} has a level or layer with nobody", o["id"]));
    }
    wrong
}

/// A plan and its run against a fresh account, the run `pause_ms` after the plan: each
/// phase's log and time, what went wrong, and what the run wrote, in words.
fn measure(text: &str, pause_ms: f64) -> ((Log, f64), (Log, f64), Vec<String>, String) {
    let (fake, (state, leavers)) = (Fake::default(), build());
    let clock = fake.clock.clone();
    fake.state.replace(state);
    let file = File::check(Kind::Offboard, text.as_bytes(), &|z| Some(z.to_string()));
    let file = file.expect("the file checks");
    let now = pdscope::timefmt::parse_iso("2026-12-06T00:00:00Z").expect("a date");
    let read = simulate(&clock, account::read(&fake, &file.reads(now), |_, _, _| {}));
    let plan = file.plan(&read.expect("the reads").account, Default::default());
    let planned = (fake.log.take(), clock.now.get());
    let mut wrong = vec![];
    for r in plan.rows.iter().filter(|r| r.action != Action::Offboard) {
        let (line, action, changes) = (r.line, r.action, r.changes.join(" / "));
        wrong.push(format!("line {line}: {action:?} {changes}"));
    }
    clock.now.set(planned.1 + pause_ms);
    let runner = Runner::new(&fake, Some(run::RATE_LIMIT_PER_MIN), Control::default());
    let done = RefCell::new(vec![]);
    let each = |r: RowResult| done.borrow_mut().push(r);
    simulate(&clock, runner.run(&plan, run::CONCURRENCY, &each));
    for r in done.take().iter().filter(|r| r.outcome != Outcome::Done) {
        wrong.push(format!("line {}: {:?} {:?}", r.line, r.outcome, r.error));
    }
    wrong.extend(end_state(&fake.state.borrow(), &leavers));
    let ran = (fake.log.take(), clock.now.get() - planned.1 - pause_ms);
    let [p, ps] = puts(&ran.0, "/escalation_policies/");
    let ([x, xs], [i, _]) = (puts(&ran.0, "/schedules/"), puts(&ran.0, "/incidents"));
    let edits = format!("{p} policy PUTs to {ps} policies (a GET before each), {x} schedule PUTs to {xs} schedules (a GET before each; the first also read back for the layer order), {i} incident PUTs, and the overrides (GET, POST, DELETE each), a team removal and a delete a person");
    (planned, ran, wrong, edits)
}

fn main() {
    let (state, leavers) = build();
    let mut text = String::from("email,replacement\n");
    for (l, r) in &leavers {
        text += &format!("person.{l}@example.com,person.{r}@example.com\n");
    }
    let [reads, writes, first, every] = script(&state, &leavers);
    let (plan, run, mut wrong, edits) = measure(&text, 0.0);
    let (_, later, also, _) = measure(&text, WINDOW_MS);
    wrong.extend(also);
    let script_run = script_run(reads, writes);
    let leaving = |i: &&Value| leavers.iter().any(|l| open(i, &uid(l.0)));
    let incidents = state.incidents.iter().filter(leaving).count();
    println!("{} leavers, each with a replacement ({incidents} open incidents, {} future overrides); {USERS} users, {SCHEDULES} schedules, {POLICIES} policies; 50 ms a request; 960 requests in any 60 s, then 429\n", leavers.len(), state.overrides.len());
    println!("| | reads | writes | total | 429s | most in any 60 s | time (simulated) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let both: Log = plan.0.iter().chain(&run.0).cloned().collect();
    let mut totals = vec![];
    for (what, (log, ms)) in [
        ("pdscope: plan (reads once for the file)", &plan),
        ("pdscope: run, at once after the plan", &run),
        ("pdscope: run, a minute after the plan", &later),
        ("**pdscope: plan + run at once**", &(both, plan.1 + run.1)),
        ("PagerDuty's `user_deprovision -y -r` (source)", &script_run),
    ] {
        let [r, w, limited, peak] = tally(log);
        let (total, s) = (r + w, ms / 1000.0);
        println!("| {what} | {r} | {w} | {total} | {limited} | {peak} | {s:.1} s |");
        totals.push((total as f64, *ms));
    }
    let (requests, time) = (totals[3].0 / totals[4].0, totals[3].1 / totals[4].1);
    println!("\npdscope / script: requests {requests:.2}, time {time:.2}. pdscope's run: {edits}. The script's {reads} reads and {writes} writes; it writes {first} schedules, where taking every leaver out of every schedule they are in takes {every}.");
    if !wrong.is_empty() {
        eprintln!("the account is not as it should be:\n{}", wrong.join("\n"));
        std::process::exit(1);
    }
    println!("End state checked: every leaver out of every policy, layer and override and deleted, their incidents reassigned, no level or layer with nobody.");
}
