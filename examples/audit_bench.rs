//! Benchmark (a table, not a test): the Audit page's reads against an in-memory account of
//! 10,000 users, 100 teams, 2,000 schedules, 1,000 escalation policies and 3,000 services, with
//! 50 ms per request on a virtual clock, against reading each user's details one by one (what
//! PagerDuty's `get_info_on_all_users` scripts do: one GET per user besides the lists).
//! Issue #29 asks for the full audit in under 15 s with fewer than 1 request per 10 users.
//! Run: `scripts/bench.sh audit` (`cargo run --release --example audit_bench`).
//!
//! The model: every request is answered exactly 50 ms after it is sent, however many are in
//! flight (a server that is never the bottleneck, no rate limit, no transfer time). The code
//! under test runs as it does in the browser, on one thread: `paging::fetch_all` keeps up to
//! `DEFAULT_CONCURRENCY` (8) pages in flight. The clock only moves when every task waits, to
//! the next answer due, so the time is the number of 50 ms rounds the code's own awaiting
//! makes: concurrency helps exactly as much as the code lets it. Parsing and the audit itself
//! are timed apart, in real time (native; the browser's WebAssembly is slower).

use futures::executor::LocalPool;
use futures::future::LocalBoxFuture;
use futures::stream::{self, StreamExt};
use futures::task::LocalSpawnExt;
use pdscope::api::ApiError;
use pdscope::paging::{self, PageSource};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

const LATENCY_MS: u64 = 50;
const USERS: usize = 10_000;
const TEAMS: usize = 100;
const SCHEDULES: usize = 2_000;
const POLICIES: usize = 1_000;
const SERVICES: usize = 3_000;

/// The virtual clock and what was asked of the server.
#[derive(Default)]
struct Sim {
    now: Cell<u64>,
    timers: RefCell<Vec<(u64, Waker)>>,
    requests: Cell<u64>,
    in_flight: Cell<u64>,
    most_in_flight: Cell<u64>,
    /// Lists by their path and filters (no paging parameters).
    lists: BTreeMap<String, (String, Vec<Value>)>,
    users: BTreeMap<String, Value>,
}

struct Delay {
    sim: Rc<Sim>,
    at: u64,
}

impl Future for Delay {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.sim.now.get() >= self.at {
            Poll::Ready(())
        } else {
            self.sim
                .timers
                .borrow_mut()
                .push((self.at, cx.waker().clone()));
            Poll::Pending
        }
    }
}

impl Sim {
    fn answer(&self, url: &str) -> Value {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        if let Some(id) = path.strip_prefix("/users/") {
            return json!({"user": self.users[id]});
        }
        if path == "/licenses" {
            return json!({"licenses": [
                {"name": "Full User", "role_group": "FullUser", "current_value": 9000, "allocations_available": 500,
                 "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"]},
                {"name": "Full Stakeholder", "role_group": "Stakeholder", "current_value": 1000, "allocations_available": 0,
                 "valid_roles": ["read_only_user", "read_only_limited_user"]}]});
        }
        let mut filters = Vec::new();
        let (mut limit, mut offset) = (100usize, 0usize);
        for kv in query.split('&').filter(|kv| !kv.is_empty()) {
            if let Some(v) = kv.strip_prefix("limit=") {
                limit = v.parse().unwrap();
            } else if let Some(v) = kv.strip_prefix("offset=") {
                offset = v.parse().unwrap();
            } else if !kv.starts_with("total=") {
                filters.push(kv);
            }
        }
        let base = if filters.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", filters.join("&"))
        };
        let (key, all) = self
            .lists
            .get(&base)
            .unwrap_or_else(|| panic!("no list {base}"));
        let page: Vec<&Value> = all.iter().skip(offset).take(limit).collect();
        json!({key: page, "limit": limit, "offset": offset, "total": all.len(), "more": offset + limit < all.len()})
    }
}

#[derive(Clone)]
struct Source(Rc<Sim>);

impl PageSource for Source {
    fn get(&self, url: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
        let sim = self.0.clone();
        sim.requests.set(sim.requests.get() + 1);
        sim.in_flight.set(sim.in_flight.get() + 1);
        sim.most_in_flight
            .set(sim.most_in_flight.get().max(sim.in_flight.get()));
        let answer = sim.answer(&url);
        let at = sim.now.get() + LATENCY_MS;
        Box::pin(async move {
            Delay {
                sim: sim.clone(),
                at,
            }
            .await;
            sim.in_flight.set(sim.in_flight.get() - 1);
            Ok(answer)
        })
    }
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
        let at = self.0.now.get() + ms;
        Box::pin(Delay {
            sim: self.0.clone(),
            at,
        })
    }
    fn jitter(&self) -> f64 {
        0.5
    }
}

/// Runs `work` on the virtual clock: the virtual milliseconds it took and its answer.
fn run<T: 'static>(sim: &Rc<Sim>, work: impl Future<Output = T> + 'static) -> (u64, T) {
    let mut pool = LocalPool::new();
    let out = Rc::new(RefCell::new(None));
    let slot = out.clone();
    pool.spawner()
        .spawn_local(async move { *slot.borrow_mut() = Some(work.await) })
        .unwrap();
    let start = sim.now.get();
    loop {
        pool.run_until_stalled();
        if out.borrow().is_some() {
            break;
        }
        let next = sim.timers.borrow().iter().map(|(at, _)| *at).min();
        let next = next.expect("stalled with nothing due");
        sim.now.set(next);
        let due: Vec<Waker> = {
            let mut timers = sim.timers.borrow_mut();
            let (due, later): (Vec<_>, Vec<_>) = timers.drain(..).partition(|(at, _)| *at <= next);
            *timers = later;
            due.into_iter().map(|(_, w)| w).collect()
        };
        due.into_iter().for_each(Waker::wake);
    }
    let answer = out.borrow_mut().take().unwrap();
    (sim.now.get() - start, answer)
}

fn reference(kind: &str, id: &str) -> Value {
    json!({"id": id, "type": format!("{kind}_reference"), "summary": id, "self": format!("https://api/{kind}s/{id}")})
}

/// The account: every fifth user has only e-mail, every 50th is a stakeholder, every 7th is
/// on no schedule; policies page a schedule then a person; every tenth service lacks a team.
fn fake_account() -> Sim {
    let uid = |i: usize| format!("PU{i:05}");
    let users: Vec<Value> = (0..USERS)
        .map(|i| {
            let id = uid(i);
            let mut cms = vec![json!({"id": format!("CE{i}"), "type": "email_contact_method", "address": format!("u{i}@example.com")})];
            let mut rules = vec![json!({"id": format!("RE{i}"), "urgency": "high", "contact_method": {"id": format!("CE{i}"), "type": "email_contact_method_reference"}})];
            if i % 5 != 0 {
                cms.push(json!({"id": format!("CP{i}"), "type": "phone_contact_method", "country_code": 44, "address": format!("7700 9{i:05}")}));
                cms.push(json!({"id": format!("CU{i}"), "type": "push_notification_contact_method", "label": "Phone", "address": "token"}));
                rules.push(json!({"id": format!("RP{i}"), "urgency": "high", "contact_method": {"id": format!("CP{i}"), "type": "phone_contact_method_reference"}}));
            }
            let role = match i {
                0 => "owner",
                i if i % 50 == 0 => "read_only_user",
                i if i % 100 == 1 => "admin",
                i if i % 3 == 0 => "limited_user",
                _ => "user",
            };
            json!({"id": id, "name": format!("User {i}"), "email": format!("u{i}@example.com"), "role": role,
                "time_zone": "Europe/London", "job_title": "Engineer", "invitation_sent": i % 97 == 0,
                "html_url": format!("https://acme.pagerduty.com/users/{id}"),
                "contact_methods": cms, "notification_rules": rules,
                "teams": [reference("team", &format!("PT{:03}", i % TEAMS))]})
        })
        .collect();
    let mut lists = BTreeMap::new();
    let teams: Vec<Value> = (0..TEAMS)
        .map(|t| json!({"id": format!("PT{t:03}"), "name": format!("Team {t}"), "type": "team"}))
        .collect();
    for t in 0..TEAMS {
        let members: Vec<Value> = (0..USERS)
            .filter(|i| i % TEAMS == t)
            .map(|i| json!({"user": reference("user", &uid(i)), "role": if i % 10 == 0 { "manager" } else { "responder" }}))
            .collect();
        lists.insert(
            format!("/teams/PT{t:03}/members"),
            ("members".to_string(), members),
        );
    }
    let schedules: Vec<Value> = (0..SCHEDULES)
        .map(|s| {
            let members: Vec<Value> = (0..5)
                .map(|k| (s * 5 + k) % USERS)
                .filter(|i| i % 7 != 0 && i % 50 != 0)
                .map(|i| json!({"user": reference("user", &uid(i))}))
                .collect();
            json!({"id": format!("PS{s:04}"), "name": format!("Schedule {s}"),
                "html_url": format!("https://acme.pagerduty.com/schedules/PS{s:04}"),
                "schedule_layers": [{"id": format!("L{s}"), "name": "Weekly", "start": "2024-01-01T00:00:00Z", "end": null, "users": members}]})
        })
        .collect();
    let policies: Vec<Value> = (0..POLICIES)
        .map(|p| {
            let person = (p * 7 + 1) % USERS;
            let second = if p % 20 == 0 {
                json!({"id": "PGONE01", "type": "user_reference", "summary": "Robin Former", "self": null, "deleted_at": "2025-11-03T16:20:00Z"})
            } else {
                reference("user", &uid(person))
            };
            json!({"id": format!("PP{p:04}"), "name": format!("Policy {p}"),
                "escalation_rules": [
                    {"id": format!("R{p}a"), "escalation_delay_in_minutes": 30, "targets": [reference("schedule", &format!("PS{:04}", p * 2))]},
                    {"id": format!("R{p}b"), "escalation_delay_in_minutes": 30, "targets": [second]}]})
        })
        .collect();
    let services: Vec<Value> = (0..SERVICES)
        .map(|s| {
            let teams = if s % 10 == 0 { vec![] } else { vec![reference("team", &format!("PT{:03}", s % TEAMS))] };
            json!({"id": format!("PV{s:04}"), "name": format!("Service {s}"), "status": "active",
                "html_url": format!("https://acme.pagerduty.com/service-directory/PV{s:04}"),
                "escalation_policy": reference("escalation_policy", &format!("PP{:04}", s % POLICIES)),
                "teams": teams, "integrations": if s % 4 == 0 { vec![] } else { vec![reference("generic_events_api_inbound_integration", "PI1")] }})
        })
        .collect();
    lists.insert(
        pdscope::bulk::account::USERS_PATH.into(),
        ("users".into(), users.clone()),
    );
    // The one-by-one baseline lists users without includes.
    lists.insert("/users".into(), ("users".into(), users.clone()));
    lists.insert("/teams".into(), ("teams".into(), teams));
    lists.insert(
        pdscope::audit::account::SERVICES_PATH.into(),
        ("services".into(), services),
    );
    lists.insert(
        "/escalation_policies".into(),
        ("escalation_policies".into(), policies),
    );
    lists.insert(
        "/schedules?include%5B%5D=schedule_layers".into(),
        ("schedules".into(), schedules),
    );
    Sim {
        users: users
            .iter()
            .map(|u| (u["id"].as_str().unwrap().to_string(), u.clone()))
            .collect(),
        lists,
        ..Sim::default()
    }
}

/// What `get_info_on_all_users` does: each list page by page, then one GET per user for
/// their contact methods and rules, `at_once` at a time.
async fn one_by_one(source: Source, at_once: usize) -> u64 {
    let users =
        paging::fetch_all::<pdscope::models::User, _>(&source, "/users", "users", 1, |_, _| {})
            .await
            .unwrap();
    let per_user = stream::iter(users.rows)
        .map(|u| {
            let s = source.clone();
            async move {
                paging::get_with_retry(
                    &s,
                    format!(
                        "/users/{}?include%5B%5D=contact_methods&include%5B%5D=notification_rules",
                        u.id
                    ),
                )
                .await
                .unwrap()
            }
        })
        .buffer_unordered(at_once);
    per_user.count().await as u64
}

fn row(what: &str, sim: &Sim, ms: u64, goal: &str) {
    let n = sim.requests.get();
    println!(
        "| {what} | {} | {:.2} | {} | {:.1} | {goal} |",
        pdscope::numfmt::group(n),
        n as f64 * 10.0 / USERS as f64,
        sim.most_in_flight.get(),
        ms as f64 / 1000.0,
    );
}

fn main() {
    println!("| approach | requests | requests per 10 users | most in flight | time at 50 ms a request, s | goal |");
    println!("|---|---:|---:|---:|---:|---|");
    let sim = Rc::new(fake_account());
    let source = Source(sim.clone());
    let (ms, read) = run(&sim, async move {
        pdscope::audit::account::read(&source, 1.8e12, &|_, _, _| {}).await
    });
    let account = read.expect("read");
    row(
        "pdscope's audit (lists with include[], 8 pages at a time)",
        &sim,
        ms,
        "under 15 s, under 1 request per 10 users",
    );
    let started = Instant::now();
    let audit = pdscope::audit::audit(&account);
    let cpu_ms = started.elapsed().as_secs_f64() * 1000.0;
    for (label, at_once) in [
        ("one GET per user, one at a time (PagerDuty's scripts)", 1),
        ("one GET per user, 8 at a time", 8),
    ] {
        let sim = Rc::new(fake_account());
        let source = Source(sim.clone());
        let (ms, n) = run(&sim, one_by_one(source, at_once));
        assert_eq!(n, USERS as u64);
        row(label, &sim, ms, "(users and their contact methods only)");
    }
    println!();
    println!(
        "The audit itself (native, release): {cpu_ms:.0} ms for {} people, {} services and {} placements; {} people nothing pages, {} services without a team.",
        pdscope::numfmt::group(audit.people.len() as u64),
        pdscope::numfmt::group(audit.services.len() as u64),
        audit.placements.len(),
        audit.people_with(Some(pdscope::audit::people::Finding::Unreachable)).len(),
        audit.services_with(Some(pdscope::audit::services::Finding::NoTeam)).len(),
    );
}
