//! Offboarding's changes to a policy or schedule as PagerDuty answered it, pure: one person
//! replaced (or taken out) in the rules or layers the plan named, refused when the object no
//! longer is as the plan saw it; and the object as a `PUT` would restore it (the backup).

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

pub(crate) fn user_ref(id: &str) -> Value {
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

pub(crate) fn strip(v: &mut Value) {
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
pub(crate) fn restorable(v: &Value) -> Value {
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

pub(crate) fn layer_ids(sched: &Value) -> Vec<String> {
    sched
        .get("schedule_layers")
        .and_then(Value::as_array)
        .map(|ls| ls.iter().filter_map(|l| json::string(l, "id")).collect())
        .unwrap_or_default()
}

/// A schedule in GET order as a `PUT` takes it: its layers reversed (PagerDuty's quirk).
pub(crate) fn in_put_order(sched: &Value) -> Value {
    let mut v = sched.clone();
    if let Some(ls) = v.get_mut("schedule_layers").and_then(Value::as_array_mut) {
        ls.reverse();
    }
    v
}
