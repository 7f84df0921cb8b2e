//! The executor against a fake PagerDuty account that loses answers, fails and throttles.

use super::*;
use crate::import::account::{AService, Account};
use crate::import::plan::{self, Action, Options};
use crate::import::users::Channel;
use crate::import::{services, users};
use std::cell::RefCell;

#[derive(Default)]
struct FUser {
    id: String,
    name: String,
    email: String,
    cms: Vec<(String, Channel, String, Option<u16>)>,
    rules: Vec<(String, String, u32)>,
    teams: Vec<(String, String)>,
}

#[derive(Default)]
struct State {
    users: Vec<FUser>,
    teams: Vec<(String, String)>,
    services: Vec<(String, String, String)>,
    next: u32,
}

impl State {
    fn id(&mut self, p: &str) -> String {
        self.next += 1;
        format!("{p}{:05}", self.next)
    }
}

/// A fake account. Faults are drawn from a fixed-seed generator, so every run is the same.
struct Fake {
    state: RefCell<State>,
    clock: Cell<f64>,
    seed: Cell<u64>,
    fail_rate: f64,
    lost_rate: f64,
    throttle_rate: f64,
    /// (time, method, path) of every request that reached the account.
    log: RefCell<Vec<(f64, Method, String)>>,
    /// Cancel the control after this many requests.
    cancel_after: Option<(usize, Control)>,
    /// Faults injected: throttled, failed, answers lost.
    injected: Cell<[u32; 3]>,
    /// The `ratelimit-limit` the fake announces.
    announced: Option<u32>,
}

fn bad(message: &str) -> ApiError {
    ApiError::BadRequest(format!("Invalid Input Provided: {message}"))
}

impl Fake {
    fn new(fail_rate: f64, lost_rate: f64, throttle_rate: f64) -> Fake {
        let mut state = State::default();
        state.teams.push(("T00000".into(), "Payments".into()));
        Fake {
            state: RefCell::new(state),
            clock: Cell::new(1000.0),
            seed: Cell::new(0x9e37_79b9_7f4a_7c15),
            fail_rate,
            lost_rate,
            throttle_rate,
            log: RefCell::new(vec![]),
            cancel_after: None,
            injected: Cell::new([0; 3]),
            announced: None,
        }
    }

    fn roll(&self) -> f64 {
        // xorshift64*
        let mut x = self.seed.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.seed.set(x);
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn account(&self) -> Account {
        let s = self.state.borrow();
        Account {
            users: s
                .users
                .iter()
                .map(|u| AUser {
                    id: u.id.clone(),
                    name: u.name.clone(),
                    email: u.email.clone(),
                    role: "user".into(),
                    contacts: u
                        .cms
                        .iter()
                        .map(|(id, ch, a, cc)| Cm {
                            id: id.clone(),
                            channel: *ch,
                            address: a.clone(),
                            country_code: *cc,
                        })
                        .collect(),
                    rules: u
                        .rules
                        .iter()
                        .map(|(id, cm, d)| NRule {
                            id: id.clone(),
                            cm_id: cm.clone(),
                            delay: *d,
                            urgency: "high".into(),
                        })
                        .collect(),
                    teams: u.teams.iter().map(|(t, _)| t.clone()).collect(),
                    ..Default::default()
                })
                .collect(),
            teams: s
                .teams
                .iter()
                .map(|(id, name)| Named {
                    id: id.clone(),
                    name: name.clone(),
                })
                .collect(),
            members: s
                .users
                .iter()
                .flat_map(|u| {
                    u.teams
                        .iter()
                        .map(|(t, r)| ((t.clone(), u.id.clone()), r.clone()))
                })
                .collect(),
            policies: vec![
                Named {
                    id: "P1".into(),
                    name: "Ops".into(),
                },
                Named {
                    id: "P2".into(),
                    name: "Other".into(),
                },
            ],
            services: s
                .services
                .iter()
                .map(|(id, name, p)| AService {
                    id: id.clone(),
                    name: name.clone(),
                    description: None,
                    policy_id: p.clone(),
                    urgency: None,
                    ack_timeout: None,
                    auto_resolve: None,
                })
                .collect(),
        }
    }

    fn cm_json(c: &(String, Channel, String, Option<u16>)) -> Value {
        json!({"id": c.0, "type": c.1.api_type(), "address": c.2, "country_code": c.3})
    }

    /// Applies one request to the account.
    fn apply(&self, m: Method, path: &str, body: Option<&Value>) -> Result<Value, ApiError> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let q = |k: &str| {
            crate::url::parse_query(query)
                .into_iter()
                .find(|(a, _)| a == k)
                .map(|(_, v)| v)
                .unwrap_or_default()
        };
        let seg: Vec<String> = path
            .trim_start_matches('/')
            .split('/')
            .map(crate::url::decode)
            .collect();
        let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
        let b = |k: &str| body.and_then(|b| b.get(k)).cloned().unwrap_or_default();
        let mut s = self.state.borrow_mut();
        let user_at = |s: &State, id: &str| {
            s.users
                .iter()
                .position(|u| u.id == id)
                .ok_or(ApiError::NotFound("user".into()))
        };
        match (m, seg.as_slice()) {
            (Method::Get, ["users"]) => {
                // PagerDuty's query matches loosely: a prefix of the name or e-mail.
                let needle = q("query").to_lowercase();
                let found: Vec<Value> = s
                    .users
                    .iter()
                    .filter(|u| {
                        u.email.to_lowercase().contains(&needle)
                            || u.name.to_lowercase().contains(&needle)
                    })
                    .map(|u| json!({"id": u.id, "email": u.email, "name": u.name}))
                    .collect();
                Ok(json!({ "users": found }))
            }
            (Method::Post, ["users"]) => {
                let u = b("user");
                let email = json::string(&u, "email").unwrap_or_default();
                if s.users.iter().any(|x| x.email.eq_ignore_ascii_case(&email)) {
                    return Err(bad("Email has already been taken"));
                }
                let id = s.id("U");
                let cm = s.id("C");
                let rule = s.id("R");
                s.users.push(FUser {
                    id: id.clone(),
                    name: json::string(&u, "name").unwrap_or_default(),
                    email: email.clone(),
                    cms: vec![(cm.clone(), Channel::Email, email.clone(), None)],
                    rules: vec![(rule, cm, 0)],
                    teams: vec![],
                });
                Ok(json!({"user": {"id": id, "email": email}}))
            }
            (Method::Put, ["users", id]) => {
                let i = user_at(&s, id)?;
                if let Some(name) = json::string(&b("user"), "name") {
                    s.users[i].name = name;
                }
                Ok(json!({"user": {"id": id}}))
            }
            (Method::Get, ["users", id, "contact_methods"]) => {
                let i = user_at(&s, id)?;
                Ok(
                    json!({"contact_methods": s.users[i].cms.iter().map(Fake::cm_json).collect::<Vec<_>>()}),
                )
            }
            (Method::Post, ["users", id, "contact_methods"]) => {
                let i = user_at(&s, id)?;
                let c = b("contact_method");
                let ch = Channel::from_api(&json::string(&c, "type").unwrap_or_default())
                    .ok_or_else(|| bad("Type is invalid"))?;
                let addr = json::string(&c, "address").unwrap_or_default();
                let cc = c
                    .get("country_code")
                    .and_then(Value::as_u64)
                    .map(|n| n as u16);
                if s.users[i].cms.iter().any(|x| x.1 == ch && x.2 == addr) {
                    return Err(bad("User Contact method must be unique"));
                }
                let cid = s.id("C");
                let entry = (cid, ch, addr, cc);
                let out = Fake::cm_json(&entry);
                s.users[i].cms.push(entry);
                Ok(json!({ "contact_method": out }))
            }
            (Method::Get, ["users", id, "notification_rules"]) => {
                let i = user_at(&s, id)?;
                let rules: Vec<Value> = s.users[i]
                    .rules
                    .iter()
                    .map(|(rid, cm, d)| json!({"id": rid, "start_delay_in_minutes": d, "urgency": "high", "contact_method": {"id": cm}}))
                    .collect();
                Ok(json!({ "notification_rules": rules }))
            }
            (Method::Post, ["users", id, "notification_rules"]) => {
                let i = user_at(&s, id)?;
                let r = b("notification_rule");
                let cm = r
                    .get("contact_method")
                    .and_then(|c| json::string(c, "id"))
                    .unwrap_or_default();
                let d = r
                    .get("start_delay_in_minutes")
                    .and_then(Value::as_u64)
                    .unwrap_or(0) as u32;
                if !s.users[i].cms.iter().any(|c| c.0 == cm) {
                    return Err(bad("Contact method not found"));
                }
                if s.users[i].rules.iter().any(|x| x.1 == cm && x.2 == d) {
                    return Err(bad(
                        "Channel Start delay must be unique for a given contact method",
                    ));
                }
                let rid = s.id("R");
                s.users[i].rules.push((rid.clone(), cm.clone(), d));
                Ok(
                    json!({"notification_rule": {"id": rid, "start_delay_in_minutes": d, "urgency": "high", "contact_method": {"id": cm}}}),
                )
            }
            (Method::Get, ["teams"]) => {
                let needle = q("query").to_lowercase();
                let found: Vec<Value> = s
                    .teams
                    .iter()
                    .filter(|t| t.1.to_lowercase().contains(&needle))
                    .map(|t| json!({"id": t.0, "name": t.1}))
                    .collect();
                Ok(json!({ "teams": found }))
            }
            (Method::Post, ["teams"]) => {
                let name = json::string(&b("team"), "name").unwrap_or_default();
                if s.teams.iter().any(|t| t.1 == name) {
                    return Err(bad("Name has already been taken"));
                }
                let id = s.id("T");
                s.teams.push((id.clone(), name.clone()));
                Ok(json!({"team": {"id": id, "name": name}}))
            }
            (Method::Put, ["teams", tid, "users", uid]) => {
                let i = user_at(&s, uid)?;
                let role = json::string(body.unwrap_or(&Value::Null), "role").unwrap_or_default();
                let u = &mut s.users[i];
                u.teams.retain(|(t, _)| t != tid);
                u.teams.push((tid.to_string(), role));
                Ok(Value::Null)
            }
            (Method::Get, ["services"]) => {
                let name = q("name");
                let found: Vec<Value> = s
                    .services
                    .iter()
                    .filter(|x| x.1 == name)
                    .map(|x| json!({"id": x.0, "name": x.1, "escalation_policy": {"id": x.2}}))
                    .collect();
                Ok(json!({ "services": found }))
            }
            (Method::Post, ["services"]) => {
                let sv = b("service");
                let name = json::string(&sv, "name").unwrap_or_default();
                let policy = sv
                    .get("escalation_policy")
                    .and_then(|p| json::string(p, "id"))
                    .unwrap_or_default();
                if s.services.iter().any(|x| x.1.eq_ignore_ascii_case(&name)) {
                    return Err(bad("Name has already been taken"));
                }
                let id = s.id("S");
                s.services.push((id.clone(), name.clone(), policy.clone()));
                Ok(
                    json!({"service": {"id": id, "name": name, "escalation_policy": {"id": policy}}}),
                )
            }
            (Method::Put, ["services", id]) => Ok(json!({"service": {"id": id}})),
            other => panic!("the fake has no route for {other:?}"),
        }
    }
}

impl Transport for Fake {
    fn send(
        &self,
        m: Method,
        path: String,
        body: Option<Value>,
    ) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
        self.log
            .borrow_mut()
            .push((self.clock.get(), m, path.clone()));
        if let Some((n, ctl)) = &self.cancel_after {
            if self.log.borrow().len() >= *n {
                ctl.set(RunState::Cancelled);
            }
        }
        // Each request takes 50 ms.
        self.clock.set(self.clock.get() + 50.0);
        let count = |i: usize| {
            let mut n = self.injected.get();
            n[i] += 1;
            self.injected.set(n);
        };
        let r = if self.roll() < self.throttle_rate {
            count(0);
            Err(ApiError::RateLimited { reset_s: Some(1) })
        } else if self.roll() < self.fail_rate {
            count(1);
            Err(ApiError::Server {
                status: 503,
                endpoint: path,
            })
        } else {
            let r = self.apply(m, &path, body.as_ref());
            if m != Method::Get && r.is_ok() && self.roll() < self.lost_rate {
                count(2);
                Err(ApiError::Network("connection reset".into()))
            } else {
                r
            }
        };
        Box::pin(async move { r })
    }
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
        self.clock.set(self.clock.get() + ms as f64);
        Box::pin(async {})
    }
    fn now_ms(&self) -> f64 {
        self.clock.get()
    }
    fn jitter(&self) -> f64 {
        0.5
    }
    fn limit_per_min(&self) -> Option<u32> {
        self.announced
    }
}

fn users_file(n: usize) -> String {
    let mut f = String::from("name,email,country_code,phone_number,teams\n");
    for i in 0..n {
        f += &format!(
            "Person {i},person{i}@example.com,44,7700{i:06},{}\n",
            if i % 2 == 0 { "Payments" } else { "Platform" }
        );
    }
    f
}

fn plan_users(text: &str, fake: &Fake) -> plan::Plan {
    let rows = crate::csvfile::read(text.as_bytes()).unwrap();
    plan::users(
        &users::check(&rows, &|z| Some(z.to_string())).unwrap(),
        &fake.account(),
        Options::default(),
    )
}

fn run(fake: &Fake, plan: &plan::Plan, ctl: Control) -> Vec<RowResult> {
    let runner = Runner::new(fake, Some(RATE_LIMIT_PER_MIN), ctl);
    let out = RefCell::new(vec![]);
    let teams = fake.account().teams;
    futures::executor::block_on(
        runner.run(plan, &teams, CONCURRENCY, &|r| out.borrow_mut().push(r)),
    );
    let mut out = out.into_inner();
    out.sort_by_key(|r| r.line);
    out
}

fn writes(fake: &Fake) -> usize {
    fake.log
        .borrow()
        .iter()
        .filter(|(_, m, _)| *m != Method::Get)
        .count()
}

/// Every user once, with exactly one of each contact method, rule and membership.
fn assert_exactly_once(fake: &Fake, n: usize) {
    let s = fake.state.borrow();
    assert_eq!(s.users.len(), n, "one user per e-mail");
    for u in &s.users {
        assert_eq!(
            u.cms.len(),
            3,
            "{}: Default e-mail, phone, SMS: {:?}",
            u.email,
            u.cms
        );
        assert_eq!(
            u.rules.len(),
            4,
            "{}: Default rule + sms:0, phone:0, phone:3: {:?}",
            u.email,
            u.rules
        );
        assert_eq!(u.teams.len(), 1, "{}", u.email);
    }
    assert_eq!(s.teams.len(), 2, "Platform made once: {:?}", s.teams);
}

#[test]
fn a_clean_run_does_every_row_once_and_a_second_run_writes_nothing() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let text = users_file(40);
    let plan = plan_users(&text, &fake);
    assert_eq!(plan.count(Action::Create), 40);
    let results = run(&fake, &plan, Control::default());
    assert_eq!(results.len(), 40);
    assert!(
        results
            .iter()
            .all(|r| r.outcome == Outcome::Done && r.error.is_none()),
        "{results:#?}"
    );
    assert!(
        results[0].did[0].starts_with("created user U"),
        "{:?}",
        results[0].did
    );
    assert_exactly_once(&fake, 40);
    // Writes: 1 team, then per user 1 create + 2 contact methods + 3 rules + 1 team.
    assert_eq!(writes(&fake), 1 + 40 * 7);

    let again = plan_users(&text, &fake);
    assert_eq!(again.count(Action::Unchanged), 40, "{:?}", again.rows[0]);
    let before = fake.log.borrow().len();
    assert!(run(&fake, &again, Control::default()).is_empty());
    assert_eq!(fake.log.borrow().len(), before, "not one request");
}

#[test]
fn lost_answers_failures_and_throttling_never_duplicate_and_every_row_is_accounted_for() {
    let fake = Fake::new(0.05, 0.1, 0.05);
    let plan = plan_users(&users_file(60), &fake);
    let results = run(&fake, &plan, Control::default());
    assert_eq!(results.len(), 60);
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Done)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_exactly_once(&fake, 60);
    // The faults really happened: lost creates were found again, not made twice.
    let [throttled, failed, lost] = fake.injected.get();
    assert!(
        throttled > 10 && failed > 10 && lost > 20,
        "{:?}",
        fake.injected.get()
    );
    assert!(results
        .iter()
        .any(|r| r.did.iter().any(|d| d.starts_with("found existing user"))));
}

#[test]
fn requests_stay_under_the_rate_limit_in_every_minute() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(150), &fake);
    run(&fake, &plan, Control::default());
    let log = fake.log.borrow();
    assert!(log.len() > 1000, "{}", log.len());
    let times: Vec<f64> = log.iter().map(|(t, _, _)| *t).collect();
    let mut worst = 0;
    for (i, t) in times.iter().enumerate() {
        let n = times[i..].iter().take_while(|x| **x < t + 60_000.0).count();
        worst = worst.max(n);
    }
    assert!(
        worst <= RATE_LIMIT_PER_MIN as usize,
        "{worst} requests in one minute"
    );
    // …and close to it: the run is paced, not slow.
    let span = times.last().unwrap() - times[0];
    let rate = log.len() as f64 / (span / 60_000.0);
    assert!(rate > 0.9 * RATE_LIMIT_PER_MIN as f64, "{rate:.0} a minute");
}

#[test]
fn a_user_made_between_plan_and_run_is_adopted_not_duplicated() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(3), &fake);
    fake.apply(
        Method::Post,
        "/users",
        Some(&json!({"user": {"name": "Someone Else", "email": "PERSON1@example.com"}})),
    )
    .unwrap();
    let results = run(&fake, &plan, Control::default());
    assert!(
        results[1].did[0].starts_with("found existing user"),
        "{:?}",
        results[1]
    );
    assert!(results[1].found);
    assert_eq!(
        fake.state.borrow().users[0].name,
        "Person 1",
        "the row's fields were set on it"
    );
    assert_exactly_once(&fake, 3);
}

#[test]
fn cancelling_stops_rows_and_reports_every_one() {
    let ctl = Control::default();
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.cancel_after = Some((40, ctl.clone()));
    let plan = plan_users(&users_file(30), &fake);
    let results = run(&fake, &plan, ctl);
    assert_eq!(results.len(), 30, "every row has a line in the report");
    let stopped = results
        .iter()
        .filter(|r| r.outcome == Outcome::Stopped)
        .count();
    assert!(stopped >= 20, "{stopped} stopped");
    assert!(
        results
            .iter()
            .filter(|r| r.outcome == Outcome::Done)
            .count()
            < 10
    );
    // Running the plan again finishes the rest, without a duplicate.
    let rest = plan_users(&users_file(30), &fake);
    let results = run(&fake, &rest, Control::default());
    assert!(results.iter().all(|r| r.outcome == Outcome::Done));
    assert_exactly_once(&fake, 30);
}

#[test]
fn a_row_whose_last_write_went_out_before_cancel_is_done_and_one_cut_short_is_stopped() {
    // How many requests one row takes, on an account of its own.
    let clean = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(1), &clean);
    assert_eq!(
        run(&clean, &plan, Control::default())[0].outcome,
        Outcome::Done
    );
    let n = clean.log.borrow().len();
    assert!(n >= 3, "{n} requests");
    // Cancel pressed while the last request was under way: everything was written.
    let ctl = Control::default();
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.cancel_after = Some((n, ctl.clone()));
    let r = run(&fake, &plan_users(&users_file(1), &fake), ctl);
    assert_eq!(r[0].outcome, Outcome::Done, "{:?}", r[0].did);
    assert_eq!(
        fake.state.borrow().users[0].teams.len(),
        1,
        "joined its team"
    );
    // Cancel pressed one request earlier: the last step never ran.
    let ctl = Control::default();
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.cancel_after = Some((n - 1, ctl.clone()));
    let r = run(&fake, &plan_users(&users_file(1), &fake), ctl);
    assert_eq!(r[0].outcome, Outcome::Stopped, "{:?}", r[0].did);
    assert_eq!(fake.log.borrow().len(), n - 1);
}

#[test]
fn a_new_team_role_is_set_once_and_a_second_plan_finds_nothing_to_do() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(2), &fake);
    run(&fake, &plan, Control::default());
    let file = "name,email,teams,team_roles\nPerson 0,person0@example.com,Payments,observer\n";
    let plan = plan_users(file, &fake);
    assert_eq!(plan.rows[0].action, Action::Update, "{:?}", plan.rows[0]);
    let before = fake.log.borrow().len();
    let r = run(&fake, &plan, Control::default());
    assert_eq!(r[0].outcome, Outcome::Done);
    assert_eq!(r[0].did, vec!["set the role in team Payments to observer"]);
    assert_eq!(fake.log.borrow().len(), before + 1, "one PUT");
    let s = fake.state.borrow();
    assert_eq!(
        s.users[0].teams,
        vec![("T00000".to_string(), "observer".to_string())]
    );
    drop(s);
    assert_eq!(plan_users(file, &fake).writes(), 0);
}

#[test]
fn a_refused_row_fails_alone_with_pagerdutys_words_and_plain_ones() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(3), &fake);
    // The third row's user was deleted in PagerDuty after the plan.
    let mut plan2 = plan.clone();
    if let Work::User(w) = &mut plan2.rows[2].work {
        w.id = Some("UGONE".into());
        w.create = None;
    }
    let results = run(&fake, &plan2, Control::default());
    assert_eq!(results[0].outcome, Outcome::Done);
    assert_eq!(results[2].outcome, Outcome::Failed);
    let e = results[2].error.as_ref().unwrap();
    assert_eq!(e.step, "reading contact methods");
    assert!(!e.plain.is_empty() && !e.pagerduty.is_empty());
}

#[test]
fn services_are_created_once_and_a_name_taken_by_another_policy_is_an_error() {
    let fake = Fake::new(0.05, 0.2, 0.0);
    fake.state
        .borrow_mut()
        .services
        .push(("S99".into(), "Taken".into(), "P2".into()));
    let text = "name,escalation_policy\nWeb,Ops\nApi,P1\nBatch,Ops\nTaken,Ops\n";
    let rows = crate::csvfile::read(text.as_bytes()).unwrap();
    let checked = services::check(&rows).unwrap();
    // Planned before "Taken" was seen, as if made in between.
    let mut account = fake.account();
    account.services.clear();
    let plan = plan::services(&checked, &account);
    let results = run(&fake, &plan, Control::default());
    assert_eq!(
        results
            .iter()
            .filter(|r| r.outcome == Outcome::Done)
            .count(),
        3,
        "{results:#?}"
    );
    let e = results[3].error.as_ref().unwrap();
    assert!(e.plain.contains("another escalation policy"), "{e:?}");
    let s = fake.state.borrow();
    assert_eq!(s.services.len(), 4, "{:?}", s.services);
}

#[test]
fn an_announced_higher_limit_is_used() {
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.announced = Some(60_000);
    let plan = plan_users(&users_file(100), &fake);
    run(&fake, &plan, Control::default());
    let log = fake.log.borrow();
    let span = log.last().unwrap().0 - log[0].0;
    let rate = log.len() as f64 / (span / 60_000.0);
    // The fake answers one request at a time in 50 ms of its clock (1,200 a minute at most):
    // above 960 means the pacing followed the announced limit, not PagerDuty's default.
    assert!(rate > 1_100.0, "{rate:.0} a minute");
}
