//! The services planner: each checked service row against the account's services and
//! escalation policies becomes create, update, unchanged or error, with the changes in words
//! and the `POST` or `PUT` body, and whether it gets an Events API v2 integration.

use super::account::AService;
use super::keys;
use super::work::ServiceWork;
use super::{ServiceSpec, Timeout};
use crate::bulk::account::Account;
use crate::bulk::check::{Checked, Problem};
use crate::bulk::kind::Kind;
use crate::bulk::plan::{error_row, plan_lines, Action, Plan, RowPlan, Work};
use crate::bulk::suggest;
use crate::json;
use serde_json::{json, Value};

fn shown(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(empty)")
}

fn timeout_words(secs: Option<u32>) -> String {
    match secs {
        Some(s) => format!("{} min", s / 60),
        None => "off".into(),
    }
}

/// Plans a services file.
pub fn services(checked: &Checked<ServiceSpec>, account: &Account) -> Plan {
    let by_name: std::collections::HashMap<String, &AService> = account
        .services
        .iter()
        .map(|s| (s.name.to_lowercase(), s))
        .collect();
    let rows = plan_lines(checked, |line, spec| {
        let Some(policy) = account.policy(&spec.policy) else {
            let near = suggest::closest(
                &spec.policy,
                account.policies.iter().map(|p| p.name.as_str()),
            );
            let problem = match near {
                Some(near) => Problem::new(
                    "escalation_policy",
                    format!("there is no escalation policy named (or with the id) {}; did you mean {near}?", spec.policy),
                )
                .fix(&spec.policy, near),
                None => Problem::new(
                    "escalation_policy",
                    format!("there is no escalation policy named (or with the id) {}; write its exact name as PagerDuty shows it", spec.policy),
                ),
            };
            return error_row(line.line, &line.key, vec![problem]);
        };
        let existing = by_name.get(&spec.name.to_lowercase()).copied();
        // Low urgency takes the account's `urgencies` ability (on create, or when it changes).
        let low = spec.urgency.as_deref() == Some("low")
            && existing.is_none_or(|s| s.urgency.as_deref() != Some("low"));
        if let Some(why) = low
            .then(|| account.lacks("urgencies", "low urgency"))
            .flatten()
        {
            return error_row(line.line, &line.key, vec![Problem::new("urgency", why)]);
        }
        let mut row = service_row(
            line.line,
            &line.key,
            spec,
            &policy.id,
            &policy.name,
            existing,
        );
        if row.writes() > 0 {
            let cells = [
                ("name", Some(spec.name.as_str())),
                ("description", spec.description.as_deref()),
            ];
            row.changes.extend(crate::bulk::plan::formula_note(&cells));
        }
        row
    });
    let integrations = rows
        .iter()
        .filter(|r| matches!(&r.work, Work::Service(w) if w.integration))
        .count();
    let notes = (integrations > 0)
        .then(|| crate::bulk::words::integrations(integrations))
        .into_iter()
        .collect();
    Plan {
        kind: Kind::Services,
        rows,
        new_teams: vec![],
        teams: vec![],
        notes,
        licences_free: vec![],
    }
}

fn service_row(
    line: u64,
    key: &str,
    spec: &ServiceSpec,
    policy_id: &str,
    policy_name: &str,
    existing: Option<&AService>,
) -> RowPlan {
    let mut changes = Vec::new();
    let mut body = vec![("type", json!("service"))];
    let timeouts = [
        (
            "acknowledgement_timeout",
            spec.ack_timeout,
            existing.map(|s| s.ack_timeout),
        ),
        (
            "auto_resolve_timeout",
            spec.auto_resolve,
            existing.map(|s| s.auto_resolve),
        ),
    ];
    match existing {
        None => {
            body.push(("name", json!(spec.name)));
            if let Some(d) = &spec.description {
                body.push(("description", json!(d)));
            }
            body.push((
                "escalation_policy",
                json!({"id": policy_id, "type": "escalation_policy_reference"}),
            ));
            if let Some(u) = &spec.urgency {
                body.push((
                    "incident_urgency_rule",
                    json!({"type": "constant", "urgency": u}),
                ));
            }
            for (k, t, _) in timeouts {
                // Sent explicitly: PagerDuty's defaults and "unset disables" disagree (SPEC).
                body.push((k, t.seconds().map_or(Value::Null, |s| json!(s))));
            }
            changes.push(format!(
                "create with {policy_name}; urgency {}; acknowledgement {}, auto-resolve {}",
                spec.urgency
                    .as_deref()
                    .unwrap_or("high (PagerDuty's default)"),
                timeout_words(spec.ack_timeout.seconds()),
                timeout_words(spec.auto_resolve.seconds())
            ));
        }
        Some(s) => {
            if s.name != spec.name {
                changes.push(format!("name: {} → {}", s.name, spec.name));
                body.push(("name", json!(spec.name)));
            }
            if let Some(d) = &spec.description {
                if s.description.as_ref() != Some(d) {
                    changes.push(format!("description: {} → {d}", shown(&s.description)));
                    body.push(("description", json!(d)));
                }
            }
            if s.policy_id != policy_id {
                changes.push(format!("escalation policy → {policy_name}"));
                body.push((
                    "escalation_policy",
                    json!({"id": policy_id, "type": "escalation_policy_reference"}),
                ));
            }
            if let Some(u) = &spec.urgency {
                if s.urgency.as_ref() != Some(u) {
                    changes.push(format!("urgency: {} → {u}", shown(&s.urgency)));
                    body.push((
                        "incident_urgency_rule",
                        json!({"type": "constant", "urgency": u}),
                    ));
                }
            }
            for (k, t, old) in timeouts {
                let old = old.flatten();
                if t != Timeout::Unset && t.seconds() != old {
                    changes.push(format!(
                        "{k}: {} → {}",
                        timeout_words(old),
                        timeout_words(t.seconds())
                    ));
                    body.push((k, t.seconds().map_or(Value::Null, |s| json!(s))));
                }
            }
        }
    }
    let write = existing.is_none() || body.len() > 1;
    // A new service gets one unless the cell says none; an existing one only when the cell
    // asks and it has none (an Events API v2 integration of any name counts).
    let integration = spec.integration.wanted(existing.is_none())
        && !existing.is_some_and(AService::has_events_v2);
    if integration {
        changes.push(format!("add integration {}", keys::NAME));
    }
    RowPlan {
        line,
        key: key.to_string(),
        action: match (existing, write, integration) {
            (None, _, _) => Action::Create,
            (Some(_), true, _) => Action::Update,
            (Some(_), false, true) => Action::Add,
            (Some(_), false, false) => Action::Unchanged,
        },
        changes,
        problems: vec![],
        work: Work::Service(ServiceWork {
            name: spec.name.clone(),
            policy_id: policy_id.to_string(),
            id: existing.map(|s| s.id.clone()),
            body: write.then(|| json!({ "service": json::object(body) })),
            integration,
        }),
    }
}
