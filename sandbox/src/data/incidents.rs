//! Incidents (reference §10.1, §10.4): the seeded ones (open ones assigned to people the
//! services' escalation policies page, a third of them older than a month, and some resolved),
//! their JSON as `GET /incidents` answers it, and the changes `PUT /incidents` makes: reassign,
//! acknowledge, resolve, reopen.

use super::rotation::final_at;
use super::seed::{ADMIN_EMAIL, SUBDOMAIN};
use super::types::{Assignment, Incident, Target, Urgency, User};
use super::{integration_key, pd_id, Dataset};
use crate::tz::{parse_utc, rfc3339};
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::HashSet;

/// How many incidents an account with services and people to page is seeded with.
const SEEDED: usize = 40;
const DAY: i64 = 86_400;
/// What goes wrong, on which service (`{}`); one title carries HTML, to be shown as text.
const TITLES: &[&str] = &[
    "CPU above 90% on {}",
    "Error rate over 5% on {}",
    "{} is not responding",
    "Disk 95% full on {}",
    "p99 latency above 2 s on {}",
    "Queue backlog growing on {}",
    "TLS certificate expires in 3 days on {}",
    "Health check failing on {} <img src=x onerror=alert(1)>",
];

/// What a `PUT /incidents` item asks, checked against the account by the REST API.
#[derive(Debug, Default)]
pub struct IncidentChange {
    pub status: Option<&'static str>,
    pub resolution: Option<String>,
    pub title: Option<String>,
    pub urgency: Option<&'static str>,
    /// User ids to assign it to.
    pub assign: Option<Vec<String>>,
    /// An escalation policy (index) to assign it to: the people on its first level.
    pub policy: Option<usize>,
    /// `assign` adds to the assignees instead of replacing them (`--incident-assignments add`).
    pub add: bool,
}

/// Whether someone with `role` can be assigned incidents (stakeholders cannot).
pub fn pageable(role: &str) -> bool {
    !role.starts_with("read_only")
}

impl Dataset {
    /// Seeds `SEEDED` incidents opened up to 170 days before `now` on services that are not
    /// disabled, each assigned to someone on the service's teams (else anyone who may be
    /// paged; the first to the admin): triggered, acknowledged, or resolved by their assignee.
    pub(super) fn seed_incidents(
        &mut self,
        rng: &mut StdRng,
        seen: &mut HashSet<String>,
        now: i64,
    ) {
        let people: Vec<usize> = (0..self.users.len())
            .filter(|u| pageable(self.users[*u].role))
            .collect();
        let live: Vec<usize> = (0..self.services.len())
            .filter(|s| self.services[*s].status != "disabled")
            .collect();
        if people.is_empty() || live.is_empty() {
            return;
        }
        let admin = self.users.iter().position(|u| u.email == ADMIN_EMAIL);
        let mut made = Vec::with_capacity(SEEDED);
        for k in 0..SEEDED {
            let s = &self.services[live[rng.gen_range(0..live.len())]];
            let status = match k % 8 {
                3 | 7 => "resolved",
                1 | 5 => "acknowledged",
                _ => "triggered",
            };
            let age = if status != "resolved" && k % 3 == 0 {
                rng.gen_range(35 * DAY..170 * DAY)
            } else {
                rng.gen_range(3_600..25 * DAY)
            };
            let born = parse_utc(&s.created_at).unwrap_or_default() + 60;
            let created = (now - age).max(born).min(now);
            let team: Vec<usize> = people
                .iter()
                .copied()
                .filter(|u| self.users[*u].teams.iter().any(|t| s.teams.contains(t)))
                .collect();
            let pick = |rng: &mut StdRng, from: &[usize]| from[rng.gen_range(0..from.len())];
            let user = match (k, admin) {
                (0, Some(a)) => a,
                _ if !team.is_empty() => pick(rng, &team),
                _ => pick(rng, &people),
            };
            let user = self.users[user].id.clone();
            let later = |rng: &mut StdRng, max: i64| (created + rng.gen_range(60..max)).min(now);
            let (changed, by) = match status {
                "resolved" => (later(rng, 2 * DAY), Some(user.clone())),
                "acknowledged" => (later(rng, 1_800), Some(user.clone())),
                _ => (created, None),
            };
            let at = |secs: i64| rfc3339(secs);
            let title = TITLES[rng.gen_range(0..TITLES.len())].replace("{}", &s.name);
            made.push(Incident {
                id: pd_id(rng, seen),
                number: 0,
                title,
                status,
                urgency: match s.urgency {
                    Urgency::Constant(u) => u,
                    Urgency::SupportHours(_) => "high",
                },
                incident_key: integration_key(rng),
                created_at: at(created),
                updated_at: at(changed),
                service: s.id.clone(),
                policy: self.policies[s.policy].id.clone(),
                assignments: match status {
                    "resolved" => vec![],
                    _ => vec![Assignment {
                        user: user.clone(),
                        at: at(created),
                    }],
                },
                assigned_via: "escalation_policy",
                acknowledgements: match status {
                    "acknowledged" => vec![Assignment {
                        user,
                        at: at(changed),
                    }],
                    _ => vec![],
                },
                last_status_change_at: at(changed),
                last_status_change_by: by,
                resolved_at: (status == "resolved").then(|| at(changed)),
                resolution: None,
            });
        }
        // Numbered in the order they were opened, as PagerDuty numbers them.
        made.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        for (n, i) in made.iter_mut().enumerate() {
            i.number = n as u64 + 1;
        }
        self.incidents = made;
    }

    /// Where the incident with this id, or this number, is.
    pub fn incident_index(&self, id_or_number: &str) -> Option<usize> {
        let number = id_or_number.parse::<u64>().ok();
        self.incidents
            .iter()
            .position(|i| i.id == id_or_number || Some(i.number) == number)
    }

    /// Whether `viewer` may see the incident: they see its service.
    pub fn can_see_incident(&self, viewer: &User, i: &Incident) -> bool {
        self.service_by_id(&i.service)
            .is_some_and(|s| self.can_see_service(viewer, s))
    }

    /// The teams of an incident: its service's.
    pub fn incident_teams(&self, i: &Incident) -> Vec<usize> {
        self.service_by_id(&i.service)
            .map(|s| s.teams.clone())
            .unwrap_or_default()
    }

    /// The user ids an escalation policy pages first at `now`: its first rule's user targets
    /// (not deleted users' stubs) and whoever its schedule targets put on call then, in
    /// target order, each once.
    pub fn policy_first_level(&self, p: usize, now: i64) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let first = self.policies[p].rules.first();
        for t in first.iter().flat_map(|r| &r.targets) {
            let member = match t {
                Target::User(m) => Some(m),
                Target::Schedule(s) => {
                    let schedule = &self.schedules[*s];
                    final_at(schedule, schedule.zone(), now)
                }
            };
            if let Some(u) = member.and_then(|m| m.user()) {
                let id = &self.users[u].id;
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
        }
        out
    }

    /// Applies `c` to the incident at `at`, made by the user with id `by` at `now`; a change
    /// a resolved incident cannot take is refused before anything changes.
    pub fn change_incident(
        &mut self,
        at: usize,
        c: &IncidentChange,
        by: &str,
        now: &str,
    ) -> Result<(), String> {
        let secs = parse_utc(now).unwrap_or_default();
        let current_policy = self.policy_index(&self.incidents[at].policy);
        let reopen_to = current_policy
            .map(|p| self.policy_first_level(p, secs))
            .unwrap_or_default();
        let to_policy = c.policy.map(|p| {
            (
                self.policies[p].id.clone(),
                self.policy_first_level(p, secs),
            )
        });
        let i = &mut self.incidents[at];
        let was = i.status;
        let resolving = c.status == Some("resolved");
        let reassigning = c.assign.is_some() || c.policy.is_some();
        if was == "resolved" && (resolving || (c.status.is_none() && reassigning)) {
            return Err("Incident Already Resolved".into());
        }
        let assigned = |users: Vec<String>| -> Vec<Assignment> {
            users
                .into_iter()
                .map(|user| Assignment {
                    user,
                    at: now.to_string(),
                })
                .collect()
        };
        match c.status {
            Some("resolved") => {
                i.status = "resolved";
                i.resolved_at = Some(now.to_string());
                i.resolution = c.resolution.clone();
                i.assignments.clear();
                i.acknowledgements.clear();
            }
            Some(status) => {
                if was == "resolved" {
                    // Reopened: acknowledged goes to the person reopening it, triggered to the
                    // policy (or to whom the request names, below).
                    i.assignments = match status {
                        "acknowledged" => assigned(vec![by.to_string()]),
                        _ => assigned(reopen_to),
                    };
                    i.assigned_via = "escalation_policy";
                    i.resolved_at = None;
                }
                i.status = status;
                if status == "triggered" {
                    i.acknowledgements.clear();
                } else if !i.acknowledgements.iter().any(|a| a.user == by) {
                    i.acknowledgements.push(Assignment {
                        user: by.to_string(),
                        at: now.to_string(),
                    });
                }
            }
            None => {}
        }
        if !resolving && reassigning {
            if let Some(users) = &c.assign {
                let mut users = users.clone();
                if c.add {
                    let mut kept: Vec<String> =
                        i.assignments.iter().map(|a| a.user.clone()).collect();
                    users.retain(|u| !kept.contains(u));
                    kept.extend(users);
                    users = kept;
                }
                i.assignments = assigned(users);
                i.assigned_via = "direct_assignment";
            } else if let Some((policy, users)) = to_policy {
                i.policy = policy;
                i.assignments = assigned(users);
                i.assigned_via = "escalation_policy";
            }
            // A reassigned incident pages its new assignees: no longer acknowledged.
            if c.status.is_none() && i.status == "acknowledged" {
                i.status = "triggered";
                i.acknowledgements.clear();
            }
        }
        if let Some(t) = &c.title {
            i.title = t.clone();
        }
        if let Some(u) = c.urgency {
            i.urgency = u;
        }
        i.updated_at = now.to_string();
        if i.status != was {
            i.last_status_change_at = now.to_string();
            i.last_status_change_by = Some(by.to_string());
        }
        Ok(())
    }

    /// An incident as `GET /incidents` returns it; `include` may hold `assignees`,
    /// `acknowledgers`, `users` (both), `services`, `escalation_policies`, `teams`.
    pub fn incident_json(&self, api: &str, i: &Incident, include: &[String]) -> Value {
        let full = |what: &str| include.iter().any(|x| x == what);
        let person = |id: &str, whole: bool| {
            self.user_by_id(id).map(|u| {
                if whole {
                    self.user_json(api, u, &[])
                } else {
                    self.user_reference(api, u)
                }
            })
        };
        let people = |list: &[Assignment], key: &str, whole: bool| -> Vec<Value> {
            list.iter()
                .filter_map(|a| person(&a.user, whole).map(|p| json!({"at": a.at, key: p})))
                .collect()
        };
        let service = match self.service_by_id(&i.service) {
            Some(s) if full("services") => self.service_json(api, s, &[]),
            Some(s) => self.service_reference(api, s),
            None => json!({"id": i.service, "type": "service_reference", "summary": null,
                "self": null, "html_url": null}),
        };
        let policy = self.policy_index(&i.policy).map(|p| {
            let mut v = self.reference(
                api,
                "escalation_policy",
                "escalation_policies",
                "escalation_policies",
                &i.policy,
                &self.policies[p].name,
            );
            if full("escalation_policies") {
                v["type"] = json!("escalation_policy");
                v["name"] = json!(self.policies[p].name);
            }
            v
        });
        let changed_by = i
            .last_status_change_by
            .as_deref()
            .and_then(|u| person(u, false))
            .unwrap_or_else(|| service.clone());
        let log = format!("Q{}{:07}", &i.id[1..], i.number % 10_000_000);
        let open = u8::from(i.status != "resolved");
        json!({
            "id": i.id, "type": "incident",
            "summary": format!("[#{}] {}", i.number, i.title),
            "self": format!("{api}/incidents/{}", i.id),
            "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/incidents/{}", i.id),
            "incident_number": i.number, "title": i.title, "description": i.title,
            "created_at": i.created_at, "updated_at": i.updated_at, "status": i.status,
            "incident_key": i.incident_key, "service": service,
            "assignments": people(&i.assignments, "assignee", full("assignees") || full("users")),
            "assigned_via": i.assigned_via,
            "last_status_change_at": i.last_status_change_at,
            "last_status_change_by": changed_by,
            "resolved_at": i.resolved_at,
            "first_trigger_log_entry": {
                "id": log, "type": "trigger_log_entry_reference",
                "summary": "Triggered through the API",
                "self": format!("{api}/log_entries/{log}?incident_id={}", i.id),
                "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/incidents/{}/log_entries/{log}", i.id),
            },
            "alert_counts": {"all": 1, "triggered": open, "resolved": 1 - open},
            "is_mergeable": true,
            "incident_type": {"name": "incident_default"},
            "escalation_policy": policy,
            "teams": self.incident_teams(i).iter()
                .map(|t| self.team_json(api, *t, full("teams"))).collect::<Vec<_>>(),
            "pending_actions": [],
            "acknowledgements": people(&i.acknowledgements, "acknowledger",
                full("acknowledgers") || full("users")),
            "priority": null, "resolve_reason": null, "conference_bridge": null,
            "incidents_responders": [], "responder_requests": [],
            "urgency": i.urgency,
        })
    }
}
