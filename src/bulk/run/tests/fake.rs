//! The fake PagerDuty account the executor's tests run against: users, contact methods,
//! notification rules, teams and services in memory, with answers lost, failed and
//! throttled at fixed-seed random.

use crate::api::ApiError;
use crate::bulk::account::{Account, Named};
use crate::bulk::run::{Control, Method, RunState, Transport};
use crate::bulk::services::account::AService;
use crate::bulk::services::keys::AIntegration;
use crate::bulk::users::account::{AUser, Cm, NRule};
use crate::bulk::users::Channel;
use crate::json;
use futures::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};

#[derive(Default)]
pub(super) struct FUser {
    id: String,
    pub(super) name: String,
    pub(super) email: String,
    pub(super) cms: Vec<(String, Channel, String, Option<u16>)>,
    pub(super) rules: Vec<(String, String, u32)>,
    pub(super) teams: Vec<(String, String)>,
    /// When it was made, on the fake's clock (lists show it `lag_ms` later).
    made_ms: f64,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) users: Vec<FUser>,
    pub(super) teams: Vec<(String, String)>,
    pub(super) services: Vec<(String, String, String)>,
    /// Integrations: (service id, id, type, name, key).
    pub(super) integrations: Vec<(String, String, String, String, String)>,
    /// When each service was made, on the fake's clock.
    service_made: std::collections::HashMap<String, f64>,
    next: u32,
}

impl State {
    fn id(&mut self, p: &str) -> String {
        self.next += 1;
        format!("{p}{:05}", self.next)
    }
}

/// A fake account. Faults are drawn from a fixed-seed generator, so every run is the same.
pub(super) struct Fake {
    pub(super) state: RefCell<State>,
    clock: Cell<f64>,
    seed: Cell<u64>,
    fail_rate: f64,
    lost_rate: f64,
    throttle_rate: f64,
    /// (time, method, path) of every request that reached the account.
    pub(super) log: RefCell<Vec<(f64, Method, String)>>,
    /// Cancel the control after this many requests.
    pub(super) cancel_after: Option<(usize, Control)>,
    /// Faults injected: throttled, failed, answers lost.
    pub(super) injected: Cell<[u32; 3]>,
    /// The `ratelimit-limit` the fake announces.
    pub(super) announced: Option<u32>,
    /// Full User licences: a create past them answers "License is not available".
    pub(super) licences: Option<usize>,
    /// A new user shows in lists and searches this long after it was made (PagerDuty is
    /// eventually consistent).
    pub(super) lag_ms: f64,
    /// For this long after a service is made, creating an integration on it answers 400
    /// (PagerDuty does not see the new service yet, reference §11).
    pub(super) service_lag_ms: f64,
    /// Whether a create's answer carries the integration's key (PagerDuty: unknown).
    pub(super) key_on_create: bool,
    /// Lose answers (at `lost_rate`) only of writes to paths ending so.
    pub(super) lose_only: Option<&'static str>,
}

fn bad(message: &str) -> ApiError {
    ApiError::BadRequest(format!("Invalid Input Provided: {message}"))
}

impl Fake {
    pub(super) fn new(fail_rate: f64, lost_rate: f64, throttle_rate: f64) -> Fake {
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
            licences: None,
            lag_ms: 0.0,
            service_lag_ms: 0.0,
            key_on_create: false,
            lose_only: None,
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

    pub(super) fn account(&self) -> Account {
        let s = self.state.borrow();
        Account {
            licences: None,
            oncall: Default::default(),
            abilities: Some(vec![
                "teams".into(),
                "read_only_users".into(),
                "urgencies".into(),
                "advanced_permissions".into(),
            ]),
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
                    integrations: s
                        .integrations
                        .iter()
                        .filter(|i| i.0 == *id)
                        .map(|i| AIntegration {
                            id: i.1.clone(),
                            kind: i.2.clone(),
                            name: i.3.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// A service with its integrations in full, keys included (as `include[]=integrations`).
    fn service_json(s: &State, x: &(String, String, String)) -> Value {
        let integrations: Vec<Value> = s
            .integrations
            .iter()
            .filter(|i| i.0 == x.0)
            .map(Fake::integration_json)
            .collect();
        json!({"id": x.0, "name": x.1, "escalation_policy": {"id": x.2}, "integrations": integrations})
    }

    fn integration_json(i: &(String, String, String, String, String)) -> Value {
        json!({"id": i.1, "type": i.2, "name": i.3, "integration_key": i.4,
            "created_at": format!("2026-01-01T00:00:{:02}Z", i.1[1..].parse::<u32>().unwrap_or(0) % 60)})
    }

    fn cm_json(c: &(String, Channel, String, Option<u16>)) -> Value {
        json!({"id": c.0, "type": c.1.api_type(), "address": c.2, "country_code": c.3})
    }

    /// Applies one request to the account.
    pub(super) fn apply(
        &self,
        m: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
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
        // A listing as PagerDuty pages it (the fake's lists fit one page).
        let page = |key: &str, items: Vec<Value>| json!({ key: items, "limit": 100, "offset": 0, "more": false, "total": items.len() });
        match (m, seg.as_slice()) {
            (Method::Get, ["users"]) if query.contains("include") => {
                let users: Vec<Value> = s
                    .users
                    .iter()
                    .map(|u| {
                        let rules: Vec<Value> = u.rules.iter().map(|(rid, cm, d)| json!({"id": rid, "start_delay_in_minutes": d, "urgency": "high", "contact_method": {"id": cm}})).collect();
                        json!({"id": u.id, "name": u.name, "email": u.email, "role": "user",
                            "contact_methods": u.cms.iter().map(Fake::cm_json).collect::<Vec<_>>(),
                            "notification_rules": rules,
                            "teams": u.teams.iter().map(|(t, _)| json!({"id": t})).collect::<Vec<_>>()})
                    })
                    .collect();
                Ok(page("users", users))
            }
            (Method::Get, ["teams", tid, "members"]) => {
                let members: Vec<Value> = s
                    .users
                    .iter()
                    .flat_map(|u| {
                        u.teams
                            .iter()
                            .filter(|(t, _)| t == tid)
                            .map(|(_, r)| json!({"user": {"id": u.id}, "role": r}))
                    })
                    .collect();
                Ok(page("members", members))
            }
            // Licences are readable only when the fake has a number of them (else, as for a
            // token without licenses.read, a 403).
            (Method::Get, ["licenses"]) => match self.licences {
                Some(n) => Ok(
                    json!({"licenses": [{"name": "Business (Full User)", "role_group": "FullUser",
                    "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"],
                    "allocations_available": n.saturating_sub(s.users.len())}]}),
                ),
                None => Err(ApiError::Forbidden("Access Denied".into())),
            },
            (Method::Get, ["abilities"]) => Ok(json!({
                "abilities": ["teams", "read_only_users", "urgencies", "advanced_permissions"]
            })),
            (Method::Get, ["escalation_policies"]) => Ok(page(
                "escalation_policies",
                vec![
                    json!({"id": "P1", "name": "Ops"}),
                    json!({"id": "P2", "name": "Other"}),
                ],
            )),
            (Method::Get, ["users"]) => {
                // PagerDuty's query matches loosely: a prefix of the name or e-mail.
                let needle = q("query").to_lowercase();
                let now = self.clock.get();
                let found: Vec<Value> = s
                    .users
                    .iter()
                    .filter(|u| u.made_ms + self.lag_ms <= now)
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
                if self.licences.is_some_and(|n| s.users.len() >= n) {
                    return Err(bad("License is not available"));
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
                    made_ms: self.clock.get(),
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
                Ok(page("teams", found))
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
                    .filter(|x| name.is_empty() || x.1 == name)
                    .map(|x| Fake::service_json(&s, x))
                    .collect();
                Ok(page("services", found))
            }
            (Method::Get, ["services", id]) => {
                let x = s
                    .services
                    .iter()
                    .find(|x| x.0 == *id)
                    .ok_or(ApiError::NotFound("service".into()))?;
                Ok(json!({ "service": Fake::service_json(&s, x) }))
            }
            (Method::Post, ["services", id, "integrations"]) => {
                let made = s.service_made.get(*id).copied();
                if made.is_some_and(|t| self.clock.get() < t + self.service_lag_ms) {
                    return Err(bad("Service not found"));
                }
                let i = b("integration");
                let iid = s.id("I");
                let key = format!("{:032x}", 0xfeed_0000_u64 + s.next as u64);
                let entry = (
                    id.to_string(),
                    iid,
                    json::string(&i, "type").unwrap_or_default(),
                    json::string(&i, "name").unwrap_or_default(),
                    key,
                );
                let mut out = Fake::integration_json(&entry);
                if !self.key_on_create {
                    out.as_object_mut().map(|o| o.remove("integration_key"));
                }
                s.integrations.push(entry);
                Ok(json!({ "integration": out }))
            }
            (Method::Get, ["services", id, "integrations", iid]) => s
                .integrations
                .iter()
                .find(|i| i.0 == *id && i.1 == *iid)
                .map(|i| json!({"integration": Fake::integration_json(i)}))
                .ok_or(ApiError::NotFound("integration".into())),
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
                let now = self.clock.get();
                s.service_made.insert(id.clone(), now);
                Ok(
                    json!({"service": {"id": id, "name": name, "escalation_policy": {"id": policy}}}),
                )
            }
            (Method::Put, ["services", id]) => Ok(json!({"service": {"id": id}})),
            other => panic!("the fake has no route for {other:?}"),
        }
    }
}

/// The plan's reads go through the same account, faults included.
impl crate::paging::PageSource for Fake {
    fn get(&self, path_and_query: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
        Transport::send(self, Method::Get, path_and_query, None)
    }
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
        Transport::sleep(self, ms)
    }
    fn jitter(&self) -> f64 {
        0.5
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
            let losable = self.lose_only.is_none_or(|end| path.ends_with(end));
            if m != Method::Get && r.is_ok() && losable && self.roll() < self.lost_rate {
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
