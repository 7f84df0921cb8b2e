//! Offboarding one person, in PagerDuty's order (reference §10): open incidents → escalation
//! policies → schedules and overrides → teams → the delete or the role.
//!
//! A policy or schedule is written as it is now: read again just before the write, only this
//! person's change applied to that fresh copy, and when what the plan expected is gone
//! (someone edited it meanwhile) the person stops with "changed since the plan" rather than
//! overwrite. A lost answer is read back before anything is sent again, so nothing is done
//! twice; each object is kept as it was before its write (the backup).

use super::edit::{edit_policy, edit_schedule, in_put_order, layer_ids, restorable, user_ref};
use super::work::{
    Finally, IncidentEdit, ObjectEdit, OffboardWork, OverrideEdit, SharedEdit,
    INCIDENTS_PER_REQUEST,
};
use crate::api::ApiError;
use crate::bulk::run::{
    explain, lost, Ended, Method, RowError, RowResult, Runner, Transport, MAX_TRIES,
};
use crate::json;
use serde_json::{json, Value};

fn changed(step: &str, what: &str) -> RowError {
    RowError {
        step: step.to_string(),
        pagerduty: String::new(),
        plain: format!("{what} changed since the plan (someone edited it meanwhile), so pdscope did not overwrite it; plan again and offboard this person again"),
    }
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
        // Another leaver's write already made this row's change (it read the object fresh and
        // found it as planned): nothing to read or write.
        let done_by_another = self
            .shared_edits
            .borrow()
            .get(&o.id)
            .is_some_and(|v| !v.iter().any(|e| e.line == r.line));
        let out = if done_by_another {
            r.did.push(format!(
                "{what} ({}): {} taken out in the same write as another leaver",
                o.id, w.name
            ));
            Ok(())
        } else {
            self.object_turn(o, key, &at, &what, &step, w, to, r).await
        };
        self.busy.borrow_mut().remove(&o.id);
        out
    }

    /// One read-change-write turn on a policy or schedule: this row's change, and every
    /// other leaver of the run still named in it, in one write.
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
        let schedule = key == "schedule";
        let apply = |cur: &Value, me: &str, to: Option<&str>, parts: &[String]| {
            if schedule {
                edit_schedule(cur, me, to, parts, true)
            } else {
                edit_policy(cur, me, to, parts)
            }
        };
        let mut kept = false;
        let mut sent = false;
        for tries in 1..=MAX_TRIES {
            let fresh = self
                .again(Method::Get, at, None)
                .await
                .map_err(|e| explain(step, &e))?;
            let fresh = fresh.get(key).cloned().unwrap_or_default();
            if !kept {
                r.before.push(
                    json!({"type": key, "id": o.id, "before": restorable(&fresh)}).to_string(),
                );
                kept = true;
            }
            let mut current = match apply(&fresh, &w.user_id, to, &o.parts) {
                Err(()) => return Err(changed(step, what)),
                // Done: by this row's write whose answer was lost, or by another row's.
                Ok(None) if sent => break,
                Ok(None) => {
                    r.did.push(format!(
                        "{what} ({}) no longer names {} (taken out with another leaver's change, or before this run)",
                        o.id, w.name
                    ));
                    self.shared_done(&o.id, &[r.line]);
                    return Ok(());
                }
                Ok(Some(v)) => v,
            };
            // The run's other leavers in this object, each only where it still is as planned.
            let others: Vec<SharedEdit> = self
                .shared_edits
                .borrow()
                .get(&o.id)
                .map(|v| v.iter().filter(|e| e.line != r.line).cloned().collect())
                .unwrap_or_default();
            let mut with = vec![];
            for e in &others {
                if let Ok(Some(v)) = apply(&current, &e.user_id, e.replacement.as_deref(), &e.parts)
                {
                    current = v;
                    with.push(e);
                }
            }
            let reversed = schedule && self.layers_reversed.get() != Some(false);
            let body = if reversed {
                in_put_order(&current)
            } else {
                current.clone()
            };
            match self
                .call(Method::Put, at, Some(&json!({ key: body })))
                .await
            {
                Ok(_) => {
                    if schedule && self.layers_reversed.get().is_none() {
                        self.layer_order(at, &fresh, &current, step).await?;
                    }
                    let mut lines = vec![r.line];
                    lines.extend(with.iter().map(|e| e.line));
                    self.shared_done(&o.id, &lines);
                    if !with.is_empty() {
                        let names: Vec<&str> = with.iter().map(|e| e.name.as_str()).collect();
                        r.did.push(format!(
                            "{what} ({}): in the same write, also {} (leaving too)",
                            o.id,
                            names.join(", ")
                        ));
                    }
                    break;
                }
                // Lost: read it again before anything is sent again.
                Err(e) if lost(&e) && tries < MAX_TRIES => {
                    sent = true;
                    self.t
                        .sleep(crate::paging::backoff_ms(tries, &e, self.t.jitter()))
                        .await;
                }
                Err(e) => return Err(explain(step, &e)),
            }
            if tries == MAX_TRIES {
                return Err(changed(step, what));
            }
        }
        r.did.push(format!(
            "{what} ({}): {}",
            o.id,
            match &w.replacement {
                Some((_, n)) => format!("{} → {n}", w.name),
                None => format!("removed {}", w.name),
            }
        ));
        Ok(())
    }

    /// The rows at `lines` are done with object `id`.
    fn shared_done(&self, id: &str, lines: &[u64]) {
        if let Some(v) = self.shared_edits.borrow_mut().get_mut(id) {
            v.retain(|e| !lines.contains(&e.line));
        }
    }

    /// After the run's first schedule write: its layers must come back in the order they had.
    /// If they do not, the account does not reverse them on GET (the quirk may be fixed): write
    /// them again in GET order, and from then on write every schedule so, unchecked.
    async fn layer_order(
        &self,
        at: &str,
        fresh: &Value,
        current: &Value,
        step: &str,
    ) -> Result<(), RowError> {
        let back = self
            .again(Method::Get, at, None)
            .await
            .map_err(|e| explain(step, &e))?;
        let back = back.get("schedule").cloned().unwrap_or_default();
        let (was, now) = (layer_ids(fresh), layer_ids(&back));
        if was.len() < 2 {
            return Ok(()); // One layer shows nothing: ask again at the next write.
        }
        if was == now {
            self.layers_reversed.set(Some(true));
            return Ok(());
        }
        self.layers_reversed.set(Some(false));
        self.again(Method::Put, at, Some(&json!({ "schedule": current })))
            .await
            .map_err(|e| explain(step, &e))?;
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
