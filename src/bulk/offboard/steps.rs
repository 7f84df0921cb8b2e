//! Offboarding one person, in PagerDuty's order (reference §10): open incidents → escalation
//! policies → schedules and overrides → teams → the delete or the role.
//!
//! A policy or schedule is written as it is now: read again just before the write, only this
//! person's change applied to that fresh copy, and when what the plan expected is gone
//! (someone edited it meanwhile) the person stops with "changed since the plan" rather than
//! overwrite. A lost answer is read back before anything is sent again, so nothing is done
//! twice; each object is kept as it was before its write (the backup).

use super::work::{
    Finally, IncidentEdit, ObjectEdit, OffboardWork, OverrideEdit, INCIDENTS_PER_REQUEST,
};
use crate::api::ApiError;
use crate::bulk::run::{
    explain, lost, Ended, Method, RowError, RowResult, Runner, Transport, MAX_TRIES,
};
use crate::json;
use serde_json::{json, Value};

/// Fields PagerDuty fills in and does not take back on a `PUT`.
const READ_ONLY: &[&str] = &[
    "self",
    "html_url",
    "summary",
    "services",
    "users",
    "escalation_policies",
    "final_schedule",
    "overrides_subschedule",
    "created_at",
    "updated_at",
    "privilege",
];

fn changed(step: &str, what: &str) -> RowError {
    RowError {
        step: step.to_string(),
        pagerduty: String::new(),
        plain: format!("{what} changed since the plan (someone edited it meanwhile), so pdscope did not overwrite it; plan again and offboard this person again"),
    }
}

fn user_ref(id: &str) -> Value {
    json!({"id": id, "type": "user_reference"})
}

/// A policy's rules with `me` replaced by `to` (or taken out) in the rules `parts` name; an
/// `Err` when the policy no longer is as the plan saw it.
pub(crate) fn edit_policy(
    policy: &Value,
    me: &str,
    to: Option<&str>,
    parts: &[String],
) -> Result<Option<Value>, ()> {
    let rules = policy
        .get("escalation_rules")
        .and_then(Value::as_array)
        .ok_or(())?;
    let names = |t: &Value, id: &str| {
        json::string(t, "id").as_deref() == Some(id)
            && json::string(t, "type").is_some_and(|k| k.starts_with("user"))
    };
    let holding: Vec<String> = rules
        .iter()
        .filter(|r| {
            r.get("targets")
                .and_then(Value::as_array)
                .is_some_and(|ts| ts.iter().any(|t| names(t, me)))
        })
        .map(|r| json::string(r, "id").unwrap_or_default())
        .collect();
    if holding.is_empty() {
        return Ok(None); // Done already (a lost answer that landed).
    }
    if holding != parts {
        return Err(());
    }
    let mut out = policy.clone();
    for rule in out["escalation_rules"].as_array_mut().ok_or(())? {
        let targets = rule["targets"].as_array().cloned().unwrap_or_default();
        if !targets.iter().any(|t| names(t, me)) {
            continue;
        }
        let already = to.is_some_and(|to| targets.iter().any(|t| names(t, to)));
        let new: Vec<Value> = targets
            .iter()
            .filter_map(|t| match (names(t, me), to) {
                (false, _) => Some(json!({"id": t["id"], "type": t["type"]})),
                (true, Some(to)) if !already => Some(user_ref(to)),
                (true, _) => None,
            })
            .collect();
        if new.is_empty() {
            return Err(()); // Nobody would be left: the plan saw others here.
        }
        rule["targets"] = Value::Array(new);
    }
    strip(&mut out);
    Ok(Some(out))
}

/// A schedule's layers with `me` replaced by `to` in place (or taken out) in the layers `parts`
/// name, in PUT order (the reverse of GET's, PagerDuty's known quirk) unless `get_order`.
pub(crate) fn edit_schedule(
    sched: &Value,
    me: &str,
    to: Option<&str>,
    parts: &[String],
    get_order: bool,
) -> Result<Option<Value>, ()> {
    let layers = sched
        .get("schedule_layers")
        .and_then(Value::as_array)
        .ok_or(())?;
    let uid = |u: &Value| u.get("user").and_then(|x| json::string(x, "id"));
    let holding: Vec<String> = layers
        .iter()
        .filter(|l| {
            l.get("users")
                .and_then(Value::as_array)
                .is_some_and(|us| us.iter().any(|u| uid(u).as_deref() == Some(me)))
        })
        .filter_map(|l| json::string(l, "id"))
        .filter(|id| parts.contains(id))
        .collect();
    let anywhere = layers.iter().any(|l| {
        l.get("users")
            .and_then(Value::as_array)
            .is_some_and(|us| us.iter().any(|u| uid(u).as_deref() == Some(me)))
    });
    if !anywhere {
        return Ok(None);
    }
    if holding.len() != parts.len() {
        return Err(());
    }
    let mut out = sched.clone();
    let mut new_layers = vec![];
    for l in layers {
        let mut l = l.clone();
        let users = l["users"].as_array().cloned().unwrap_or_default();
        let mine = users.iter().any(|u| uid(u).as_deref() == Some(me));
        let keep_id = json::string(&l, "id").is_some_and(|id| parts.contains(&id));
        if mine && keep_id {
            let already = to.is_some_and(|to| users.iter().any(|u| uid(u).as_deref() == Some(to)));
            let new: Vec<Value> = users
                .iter()
                .filter_map(|u| match (uid(u).as_deref() == Some(me), to) {
                    (false, _) => Some(json!({"user": user_ref(&uid(u)?)})),
                    (true, Some(to)) if !already => Some(json!({"user": user_ref(to)})),
                    (true, _) => None,
                })
                .collect();
            if new.is_empty() {
                return Err(());
            }
            l["users"] = Value::Array(new);
        } else {
            let same: Vec<Value> = users
                .iter()
                .filter_map(|u| Some(json!({"user": user_ref(&uid(u)?)})))
                .collect();
            l["users"] = Value::Array(same);
        }
        if let Some(o) = l.as_object_mut() {
            o.remove("rendered_schedule_entries");
            o.remove("rendered_coverage_percentage");
        }
        new_layers.push(l);
    }
    if !get_order {
        new_layers.reverse();
    }
    out["schedule_layers"] = Value::Array(new_layers);
    strip(&mut out);
    Ok(Some(out))
}

fn strip(v: &mut Value) {
    if let Some(o) = v.as_object_mut() {
        for k in READ_ONLY {
            o.remove(*k);
        }
        if o.get("description").is_some_and(Value::is_null) {
            o.remove("description");
        }
    }
}

/// An object as a `PUT` would restore it: without what PagerDuty fills in (rendered
/// entries: everyone's shifts), so the backup stays small and holds only what it must.
fn restorable(v: &Value) -> Value {
    let mut v = v.clone();
    strip(&mut v);
    for l in v
        .get_mut("schedule_layers")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(o) = l.as_object_mut() {
            o.remove("rendered_schedule_entries");
            o.remove("rendered_coverage_percentage");
        }
    }
    v
}

fn layer_ids(sched: &Value) -> Vec<String> {
    sched
        .get("schedule_layers")
        .and_then(Value::as_array)
        .map(|ls| ls.iter().filter_map(|l| json::string(l, "id")).collect())
        .unwrap_or_default()
}

impl<'a, T: Transport> Runner<'a, T> {
    pub(crate) async fn offboard(
        &self,
        w: &OffboardWork,
        r: &mut RowResult,
    ) -> Result<Ended, RowError> {
        let to = w.replacement.as_ref().map(|(id, _)| id.as_str());
        let to_name = w.replacement.as_ref().map(|(_, n)| n.as_str());
        r.ids.push(format!("user {}", w.user_id));
        for chunk in w.incidents.chunks(INCIDENTS_PER_REQUEST) {
            if !self.go_on().await {
                return Ok(Ended::Stopped);
            }
            self.incidents(chunk, &w.name, r).await?;
        }
        for p in &w.policies {
            if !self.go_on().await {
                return Ok(Ended::Stopped);
            }
            self.object(p, "escalation_policies", "escalation_policy", w, to, r)
                .await?;
        }
        for s in &w.schedules {
            if !self.go_on().await {
                return Ok(Ended::Stopped);
            }
            self.object(s, "schedules", "schedule", w, to, r).await?;
        }
        for o in &w.overrides {
            if !self.go_on().await {
                return Ok(Ended::Stopped);
            }
            self.override_(o, to, to_name, r).await?;
        }
        for (tid, tname) in &w.teams {
            if !self.go_on().await {
                return Ok(Ended::Stopped);
            }
            let path = format!(
                "/teams/{}/users/{}",
                crate::url::encode(tid),
                crate::url::encode(&w.user_id)
            );
            match self.again(Method::Delete, &path, None).await {
                Ok(_) | Err(ApiError::NotFound(_)) => {
                    r.did.push(format!("removed from team {tname} ({tid})"))
                }
                Err(e) => return Err(explain(&format!("removing from team {tname}"), &e)),
            }
        }
        if w.finally != Finally::Nothing && !self.go_on().await {
            return Ok(Ended::Stopped);
        }
        let path = format!("/users/{}", crate::url::encode(&w.user_id));
        match w.finally {
            Finally::Delete => match self.again(Method::Delete, &path, None).await {
                Ok(_) | Err(ApiError::NotFound(_)) => r
                    .did
                    .push(format!("deleted user {} ({})", w.name, w.user_id)),
                Err(e) => return Err(explain("deleting the user", &e)),
            },
            Finally::Role(role) => {
                let body = json!({"user": {"role": role}});
                self.again(Method::Put, &path, Some(&body))
                    .await
                    .map_err(|e| explain("changing the role", &e))?;
                r.did.push(format!(
                    "role of {} set to {}",
                    w.name,
                    crate::models::role_label(role)
                ));
            }
            Finally::Nothing => {}
        }
        Ok(Ended::Finished)
    }

    async fn incidents(
        &self,
        chunk: &[IncidentEdit],
        name: &str,
        r: &mut RowResult,
    ) -> Result<(), RowError> {
        let items: Vec<Value> = chunk
            .iter()
            .map(|e| match e {
                IncidentEdit::Reassign { id, to, .. } => json!({
                    "id": id, "type": "incident_reference",
                    "assignments": to.iter().map(|a| json!({"assignee": user_ref(a)})).collect::<Vec<_>>(),
                }),
                IncidentEdit::Resolve { id, .. } => json!({
                    "id": id, "type": "incident_reference", "status": "resolved",
                    "resolution": format!("Resolved by pdscope while offboarding {name}."),
                }),
            })
            .collect();
        // Setting assignees or resolving twice is the same as once: a lost answer may be sent again.
        self.again(
            Method::Put,
            "/incidents",
            Some(&json!({"incidents": items})),
        )
        .await
        .map_err(|e| explain("updating open incidents", &e))?;
        for e in chunk {
            r.did.push(match e {
                IncidentEdit::Reassign { id, number, .. } => {
                    format!("reassigned incident #{number} ({id})")
                }
                IncidentEdit::Resolve { id, number } => {
                    format!("resolved incident #{number} ({id})")
                }
            });
        }
        Ok(())
    }

    /// A policy (`key` `escalation_policy`) or schedule, read fresh, changed, written, and (for
    /// a schedule) read back to check the layers kept their order.
    async fn object(
        &self,
        o: &ObjectEdit,
        path: &str,
        key: &str,
        w: &OffboardWork,
        to: Option<&str>,
        r: &mut RowResult,
    ) -> Result<(), RowError> {
        let what = if key == "schedule" {
            format!("schedule {}", o.name)
        } else {
            format!("policy {}", o.name)
        };
        let step = format!("updating {what}");
        let at = format!("/{path}/{}", crate::url::encode(&o.id));
        // One row at a time reads, changes and writes an object.
        while !self.busy.borrow_mut().insert(o.id.clone()) {
            self.t.sleep(50).await;
        }
        let r = self.object_turn(o, key, &at, &what, &step, w, to, r).await;
        self.busy.borrow_mut().remove(&o.id);
        r
    }

    #[allow(clippy::too_many_arguments)]
    async fn object_turn(
        &self,
        o: &ObjectEdit,
        key: &str,
        at: &str,
        what: &str,
        step: &str,
        w: &OffboardWork,
        to: Option<&str>,
        r: &mut RowResult,
    ) -> Result<(), RowError> {
        let (at, what, step) = (at.to_string(), what.to_string(), step.to_string());
        let mut kept = false;
        for tries in 1..=MAX_TRIES {
            let fresh = self
                .again(Method::Get, &at, None)
                .await
                .map_err(|e| explain(&step, &e))?;
            let fresh = fresh.get(key).cloned().unwrap_or_default();
            if !kept {
                r.before.push(
                    json!({"type": key, "id": o.id, "before": restorable(&fresh)}).to_string(),
                );
                kept = true;
            }
            let edited = if key == "schedule" {
                edit_schedule(&fresh, &w.user_id, to, &o.parts, false)
            } else {
                edit_policy(&fresh, &w.user_id, to, &o.parts)
            };
            let body = match edited {
                Err(()) => return Err(changed(&step, &what)),
                Ok(None) => {
                    r.did
                        .push(format!("{what} ({}) no longer names {}", o.id, w.name));
                    return Ok(());
                }
                Ok(Some(b)) => b,
            };
            match self
                .call(Method::Put, &at, Some(&json!({ key: body })))
                .await
            {
                Ok(_) => {
                    if key == "schedule" {
                        self.layer_order(&at, &fresh, &w.user_id, to, &o.parts, &step)
                            .await?;
                    }
                    r.did.push(format!(
                        "{what} ({}): {}",
                        o.id,
                        match &w.replacement {
                            Some((_, n)) => format!("{} → {n}", w.name),
                            None => format!("removed {}", w.name),
                        }
                    ));
                    return Ok(());
                }
                // Lost: read it again before anything is sent again.
                Err(e) if lost(&e) && tries < MAX_TRIES => {
                    self.t
                        .sleep(crate::paging::backoff_ms(tries, &e, self.t.jitter()))
                        .await;
                }
                Err(e) => return Err(explain(&step, &e)),
            }
        }
        Err(changed(&step, &what))
    }

    /// After a schedule PUT: its layers must come back in the order they had. If the account
    /// does not reverse them on GET (the quirk may be fixed), write them again in GET order.
    async fn layer_order(
        &self,
        at: &str,
        fresh: &Value,
        me: &str,
        to: Option<&str>,
        parts: &[String],
        step: &str,
    ) -> Result<(), RowError> {
        let back = self
            .again(Method::Get, at, None)
            .await
            .map_err(|e| explain(step, &e))?;
        let back = back.get("schedule").cloned().unwrap_or_default();
        let (was, now) = (layer_ids(fresh), layer_ids(&back));
        if was == now || was.len() < 2 {
            return Ok(());
        }
        if let Ok(Some(body)) = edit_schedule(fresh, me, to, parts, true) {
            self.again(Method::Put, at, Some(&json!({ "schedule": body })))
                .await
                .map_err(|e| explain(step, &e))?;
        }
        Ok(())
    }

    /// A future override made again for the replacement (found first if a lost answer made it),
    /// then the leaver's removed.
    async fn override_(
        &self,
        o: &OverrideEdit,
        to: Option<&str>,
        to_name: Option<&str>,
        r: &mut RowResult,
    ) -> Result<(), RowError> {
        let sid = crate::url::encode(&o.schedule_id);
        let step = format!("moving the override {} – {}", o.start, o.end);
        if let Some(to) = to {
            let path = format!("/schedules/{sid}/overrides");
            let find = || async {
                let q = format!(
                    "{path}?since={}&until={}&overflow=true",
                    crate::url::encode(&o.start),
                    crate::url::encode(&o.end)
                );
                let v = self.again(Method::Get, &q, None).await?;
                Ok(v.get("overrides").and_then(Value::as_array).and_then(|a| {
                    a.iter()
                        .find(|x| {
                            x.get("user").and_then(|u| json::string(u, "id")).as_deref() == Some(to)
                                && same_time(x, "start", &o.start)
                                && same_time(x, "end", &o.end)
                        })
                        .cloned()
                }))
            };
            if find().await.map_err(|e| explain(&step, &e))?.is_none() {
                let body =
                    json!({"overrides": [{"start": o.start, "end": o.end, "user": user_ref(to)}]});
                let (v, _) = self
                    .create_once(&path, &body, find)
                    .await
                    .map_err(|e| explain(&step, &e))?;
                // A 201 holds a status per override: one may have failed.
                if let Some(bad) = v.as_array().and_then(|a| {
                    a.iter().find(|x| {
                        x.get("status")
                            .and_then(Value::as_u64)
                            .is_some_and(|s| s >= 400)
                    })
                }) {
                    let words = bad.get("errors").map(Value::to_string).unwrap_or_default();
                    return Err(explain(&step, &ApiError::BadRequest(words)));
                }
            }
            r.did.push(format!(
                "override {} – {} given to {}",
                o.start,
                o.end,
                to_name.unwrap_or(to)
            ));
        }
        let path = format!("/schedules/{sid}/overrides/{}", crate::url::encode(&o.id));
        match self.again(Method::Delete, &path, None).await {
            Ok(_) | Err(ApiError::NotFound(_)) => r.did.push(format!("removed override {}", o.id)),
            Err(e) => return Err(explain(&step, &e)),
        }
        Ok(())
    }
}

fn same_time(v: &Value, key: &str, t: &str) -> bool {
    let a = json::string(v, key).and_then(|s| crate::timefmt::parse_iso(&s));
    a.is_some() && a == crate::timefmt::parse_iso(t)
}
