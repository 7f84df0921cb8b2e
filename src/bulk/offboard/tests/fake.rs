//! A small PagerDuty account in memory for offboarding's tests: users, teams, policies,
//! schedules (listed with their layers in the reverse of PUT order, PagerDuty's quirk),
//! overrides and incidents as JSON, with writes whose answers can be lost at fixed-seed random
//! (the write happens, the answer does not arrive).

use crate::api::ApiError;
use crate::bulk::run::{Method, Transport};
use futures::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};

#[derive(Default)]
pub(super) struct State {
    pub(super) users: Vec<Value>,
    pub(super) teams: Vec<Value>,
    pub(super) policies: Vec<Value>,
    /// In PUT order.
    pub(super) schedules: Vec<Value>,
    /// (schedule id, override).
    pub(super) overrides: Vec<(String, Value)>,
    pub(super) incidents: Vec<Value>,
    /// GET lists layers in PUT order (PagerDuty's quirk fixed), not the reverse.
    pub(super) same_order: bool,
    next: u32,
}

pub(super) struct Fake {
    pub(super) state: RefCell<State>,
    pub(super) lost_rate: f64,
    seed: Cell<u64>,
    clock: Cell<f64>,
    /// (method, path, body) of every request.
    pub(super) log: RefCell<Vec<(Method, String, Option<Value>)>>,
    /// Answers lost so far.
    pub(super) lost: Cell<u32>,
}

pub(super) fn user(id: &str, name: &str, role: &str, teams: &[&str]) -> Value {
    json!({"id": id, "type": "user", "name": name, "summary": name, "role": role,
        "email": format!("{}@example.com", name.to_lowercase()),
        "teams": teams.iter().map(|t| json!({"id": t, "type": "team_reference"})).collect::<Vec<_>>(),
        "self": format!("https://api/users/{id}")})
}

pub(super) fn uref(id: &str) -> Value {
    json!({"id": id, "type": "user_reference", "summary": id, "self": format!("https://api/users/{id}")})
}

pub(super) fn stub(id: &str, name: &str) -> Value {
    json!({"id": id, "type": "user_reference", "summary": name, "self": null, "deleted_at": "2026-01-01T00:00:00Z"})
}

/// A policy with rules of targets (`S…` ids are schedules).
pub(super) fn policy(id: &str, name: &str, rules: &[&[Value]]) -> Value {
    json!({"id": id, "type": "escalation_policy", "name": name, "num_loops": 0,
        "html_url": format!("https://acme.pagerduty.com/escalation_policies/{id}"),
        "services": [{"id": "SVC"}],
        "escalation_rules": rules.iter().enumerate().map(|(i, ts)| json!({
            "id": format!("{id}R{i}"), "escalation_delay_in_minutes": 30, "targets": ts.to_vec()
        })).collect::<Vec<_>>()})
}

/// A schedule with layers (in PUT order) of members; `ended` layers ended long ago.
pub(super) fn schedule(id: &str, name: &str, layers: &[(&str, &[Value], bool)]) -> Value {
    json!({"id": id, "type": "schedule", "name": name, "time_zone": "UTC",
        "schedule_layers": layers.iter().map(|(lname, users, ended)| json!({
            "id": format!("{id}-{lname}"), "name": lname,
            "start": "2026-01-01T00:00:00Z",
            "end": if *ended { json!("2026-02-01T00:00:00Z") } else { Value::Null },
            "rotation_virtual_start": "2026-01-01T00:00:00Z",
            "rotation_turn_length_seconds": 604800,
            "users": users.iter().map(|u| json!({"user": u})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()})
}

pub(super) fn incident(id: &str, number: u64, assignee: &str) -> Value {
    json!({"id": id, "incident_number": number, "title": format!("Disk {number}"), "status": "triggered",
        "assignments": [{"assignee": uref(assignee)}]})
}

fn page(key: &str, items: Vec<Value>) -> Value {
    json!({ key: items, "limit": 100, "offset": 0, "more": false, "total": items.len() })
}

fn query_ids(path: &str) -> Vec<String> {
    crate::url::parse_query(path.split_once('?').map_or("", |(_, q)| q))
        .into_iter()
        .filter(|(k, _)| k == "user_ids[]")
        .map(|(_, v)| v)
        .collect()
}

fn names_user(v: &Value, id: &str) -> bool {
    v.to_string().contains(&format!("\"id\":\"{id}\""))
}

fn bad(m: &str) -> ApiError {
    ApiError::BadRequest(format!("Invalid Input Provided: {m}"))
}

impl Fake {
    pub(super) fn new(state: State, lost_rate: f64) -> Fake {
        Fake {
            state: RefCell::new(state),
            lost_rate,
            seed: Cell::new(0x2545_f491_4f6c_dd1d),
            clock: Cell::new(1_000.0),
            log: RefCell::new(vec![]),
            lost: Cell::new(0),
        }
    }

    fn roll(&self) -> f64 {
        let mut x = self.seed.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Writes to objects (not reads), for "nothing done twice".
    pub(super) fn writes(&self) -> Vec<(Method, String)> {
        self.log
            .borrow()
            .iter()
            .filter(|(m, _, _)| *m != Method::Get)
            .map(|(m, p, _)| (*m, p.clone()))
            .collect()
    }

    pub(super) fn policy(&self, id: &str) -> Value {
        let s = self.state.borrow();
        s.policies
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .unwrap_or_default()
    }
    pub(super) fn schedule(&self, id: &str) -> Value {
        let s = self.state.borrow();
        s.schedules
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .unwrap_or_default()
    }

    fn apply(&self, m: Method, path: &str, body: Option<&Value>) -> Result<Value, ApiError> {
        let (p, _) = path.split_once('?').unwrap_or((path, ""));
        let seg: Vec<&str> = p.trim_start_matches('/').split('/').collect();
        let mut s = self.state.borrow_mut();
        let same = s.same_order;
        let reversed = |sched: &Value| {
            let mut v = sched.clone();
            if let Some(ls) = v["schedule_layers"].as_array_mut().filter(|_| !same) {
                ls.reverse();
            }
            v
        };
        match (m, seg.as_slice()) {
            (Method::Get, ["users"]) => Ok(page("users", s.users.clone())),
            (Method::Get, ["teams"]) => Ok(page("teams", s.teams.clone())),
            (Method::Get, ["abilities"]) => Ok(json!({"abilities": ["teams", "read_only_users"]})),
            (Method::Get, ["escalation_policies"]) => {
                Ok(page("escalation_policies", s.policies.clone()))
            }
            (Method::Get, ["schedules"]) => Ok(page(
                "schedules",
                s.schedules.iter().map(reversed).collect(),
            )),
            (Method::Get, ["incidents"]) => {
                let ids = query_ids(path);
                let open = s
                    .incidents
                    .iter()
                    .filter(|i| i["status"] != "resolved")
                    .filter(|i| ids.iter().any(|id| names_user(&i["assignments"], id)))
                    .cloned()
                    .collect();
                Ok(page("incidents", open))
            }
            (Method::Get, ["oncalls"]) => {
                let ids = query_ids(path);
                let mut out = vec![];
                for o in &s.overrides {
                    if ids.iter().any(|id| names_user(&o.1["user"], id)) {
                        out.push(json!({"user": o.1["user"], "schedule": {"id": o.0}, "start": o.1["start"]}));
                    }
                }
                Ok(page("oncalls", out))
            }
            (Method::Get, ["schedules", id, "overrides"]) => Ok(json!({"overrides":
                s.overrides.iter().filter(|o| o.0 == *id).map(|o| o.1.clone()).collect::<Vec<_>>()})),
            (Method::Post, ["schedules", id, "overrides"]) => {
                let mut answers = vec![];
                let items = body
                    .and_then(|b| b["overrides"].as_array().cloned())
                    .unwrap_or_default();
                for o in items {
                    s.next += 1;
                    let mut o = o.clone();
                    o["id"] = json!(format!("O{}", s.next));
                    s.overrides.push((id.to_string(), o.clone()));
                    answers.push(json!({"status": 201, "override": o}));
                }
                Ok(Value::Array(answers))
            }
            (Method::Delete, ["schedules", id, "overrides", oid]) => {
                let before = s.overrides.len();
                s.overrides.retain(|o| !(o.0 == *id && o.1["id"] == *oid));
                if s.overrides.len() == before {
                    Err(ApiError::NotFound(path.into()))
                } else {
                    Ok(Value::Null)
                }
            }
            (Method::Get, ["schedules", id]) => {
                let sched = s
                    .schedules
                    .iter()
                    .find(|x| x["id"] == *id)
                    .ok_or(ApiError::NotFound(path.into()))?;
                let mut v = reversed(sched);
                let first = v["schedule_layers"][0]["users"][0]["user"].clone();
                v["final_schedule"] = json!({"rendered_schedule_entries": [
                    {"start": "2026-12-06T00:00:00Z", "end": "2026-12-13T00:00:00Z", "user": first}]});
                Ok(json!({ "schedule": v }))
            }
            (Method::Put, ["schedules", id]) => {
                let new = body
                    .map(|b| b["schedule"].clone())
                    .ok_or_else(|| bad("no schedule"))?;
                for l in new["schedule_layers"].as_array().into_iter().flatten() {
                    if l["users"].as_array().is_none_or(Vec::is_empty) {
                        return Err(bad("Schedule layers must have users"));
                    }
                }
                let at = s
                    .schedules
                    .iter()
                    .position(|x| x["id"] == *id)
                    .ok_or(ApiError::NotFound(path.into()))?;
                let mut v = new.clone();
                v["id"] = json!(id);
                s.schedules[at] = v;
                Ok(json!({"schedule": new}))
            }
            (Method::Get, ["escalation_policies", id]) => s
                .policies
                .iter()
                .find(|x| x["id"] == *id)
                .map(|p| json!({"escalation_policy": p}))
                .ok_or(ApiError::NotFound(path.into())),
            (Method::Put, ["escalation_policies", id]) => {
                let new = body
                    .map(|b| b["escalation_policy"].clone())
                    .ok_or_else(|| bad("no policy"))?;
                for r in new["escalation_rules"].as_array().into_iter().flatten() {
                    if r["targets"].as_array().is_none_or(Vec::is_empty) {
                        return Err(bad("Escalation rules must have targets"));
                    }
                }
                let at = s
                    .policies
                    .iter()
                    .position(|x| x["id"] == *id)
                    .ok_or(ApiError::NotFound(path.into()))?;
                let mut v = new.clone();
                v["id"] = json!(id);
                s.policies[at] = v;
                Ok(json!({"escalation_policy": new}))
            }
            (Method::Put, ["incidents"]) => {
                let items = body
                    .and_then(|b| b["incidents"].as_array().cloned())
                    .unwrap_or_default();
                if items.len() > 250 {
                    return Err(bad("at most 250 incidents"));
                }
                for it in items {
                    let Some(inc) = s.incidents.iter_mut().find(|i| i["id"] == it["id"]) else {
                        continue;
                    };
                    if it["status"] == "resolved" {
                        inc["status"] = json!("resolved");
                    }
                    if let Some(a) = it.get("assignments") {
                        inc["assignments"] = a.clone();
                    }
                }
                Ok(json!({"incidents": []}))
            }
            (Method::Delete, ["teams", tid, "users", uid]) => {
                let u = s
                    .users
                    .iter_mut()
                    .find(|u| u["id"] == *uid)
                    .ok_or(ApiError::NotFound(path.into()))?;
                if let Some(ts) = u["teams"].as_array_mut() {
                    ts.retain(|t| t["id"] != *tid);
                }
                Ok(Value::Null)
            }
            (Method::Delete, ["users", id]) => {
                let held = s
                    .policies
                    .iter()
                    .any(|p| names_user(&p["escalation_rules"], id))
                    || s.schedules
                        .iter()
                        .any(|x| names_user(&x["schedule_layers"], id))
                    || s.incidents
                        .iter()
                        .any(|i| i["status"] != "resolved" && names_user(&i["assignments"], id));
                if held {
                    return Err(bad("User is still referenced"));
                }
                let before = s.users.len();
                s.users.retain(|u| u["id"] != *id);
                if s.users.len() == before {
                    Err(ApiError::NotFound(path.into()))
                } else {
                    Ok(Value::Null)
                }
            }
            (Method::Put, ["users", id]) => {
                let u = s
                    .users
                    .iter_mut()
                    .find(|u| u["id"] == *id)
                    .ok_or(ApiError::NotFound(path.into()))?;
                if let Some(role) = body.and_then(|b| b["user"]["role"].as_str()) {
                    u["role"] = json!(role);
                }
                Ok(json!({"user": u}))
            }
            other => panic!("the fake has no route for {other:?}"),
        }
    }
}

/// Pending once, then ready.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

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
        self.log.borrow_mut().push((m, path.clone(), body.clone()));
        self.clock.set(self.clock.get() + 50.0);
        let r = self.apply(m, &path, body.as_ref());
        let r = if m != Method::Get && r.is_ok() && self.roll() < self.lost_rate {
            self.lost.set(self.lost.get() + 1);
            Err(ApiError::Network("connection reset".into()))
        } else {
            r
        };
        // Answered on the next poll, as a network would: rows in flight interleave.
        Box::pin(async move {
            YieldOnce(false).await;
            r
        })
    }
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
        self.clock.set(self.clock.get() + ms as f64);
        // Time passes for the other rows too.
        Box::pin(YieldOnce(false))
    }
    fn now_ms(&self) -> f64 {
        self.clock.get()
    }
    fn jitter(&self) -> f64 {
        0.5
    }
}
