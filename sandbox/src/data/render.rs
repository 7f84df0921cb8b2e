//! The account's objects as the REST API answers them: PagerDuty's JSON shapes, as references
//! (`…_reference` with `self` and `html_url`) or in full, with `include[]` expanding what
//! they point at.

use super::devices::device_type;
use super::seed::SUBDOMAIN;
use super::types::{
    ContactMethod, Integration, Member, NotificationRule, Service, Target, Urgency, User,
};
use super::{takes_events, Dataset};
use crate::tz::{rfc3339, Zone};
use serde_json::{json, Value};

/// `secs` as the API writes times: in `zone` with its offset, or in UTC (`Z`).
pub fn time_in(zone: Option<Zone>, secs: i64) -> String {
    zone.map_or_else(|| rfc3339(secs), |z| z.render(secs))
}

impl Dataset {
    pub(super) fn reference(
        &self,
        api: &str,
        kind: &str,
        path: &str,
        html: &str,
        id: &str,
        summary: &str,
    ) -> Value {
        json!({
            "id": id, "type": format!("{kind}_reference"), "summary": summary,
            "self": format!("{api}/{path}/{id}"),
            "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/{html}/{id}"),
        })
    }

    pub fn team_json(&self, api: &str, t: usize, full: bool) -> Value {
        let team = &self.teams[t];
        let mut v = self.reference(api, "team", "teams", "teams", &team.id, &team.name);
        if full {
            v["type"] = json!("team");
            v["name"] = json!(team.name);
            v["description"] = json!(team.description);
        }
        v
    }

    pub fn user_reference(&self, api: &str, u: &User) -> Value {
        self.reference(api, "user", "users", "users", &u.id, &u.name)
    }

    /// A person named by a rule, layer or override: a `user_reference`, or a deleted user's
    /// stub (`self` null, `deleted_at`; `examples/deleted-user-reference.json`).
    pub fn member_reference(&self, api: &str, m: &Member) -> Value {
        match m {
            Member::User(u) => self.user_reference(api, &self.users[*u]),
            Member::Deleted(d) => json!({
                "id": d.id, "type": "user_reference", "summary": d.name,
                "self": null, "deleted_at": d.deleted_at,
            }),
        }
    }

    /// The escalation policy at `p` as a reference.
    pub fn policy_reference(&self, api: &str, p: usize) -> Value {
        let policy = &self.policies[p];
        self.reference(
            api,
            "escalation_policy",
            "escalation_policies",
            "escalation_policies",
            &policy.id,
            &policy.name,
        )
    }

    pub fn service_reference(&self, api: &str, s: &Service) -> Value {
        let mut v = self.reference(
            api,
            "service",
            "services",
            "service-directory",
            &s.id,
            &s.name,
        );
        v["html_url"] = json!(format!(
            "https://{SUBDOMAIN}.pagerduty.com/service-directory/{}",
            s.id
        ));
        v
    }

    /// An escalation policy as `GET /escalation_policies` returns it; `include` may hold
    /// `targets`, `services`, `teams` and `escalation_rule_assignment_strategies`.
    pub fn policy_json(&self, api: &str, p: usize, include: &[String]) -> Value {
        let policy = &self.policies[p];
        let mut v = self.policy_reference(api, p);
        let full = |what: &str| include.iter().any(|i| i == what);
        let target = |t: &Target| match t {
            Target::User(Member::User(u)) if full("targets") => {
                self.user_json(api, &self.users[*u], &[])
            }
            Target::User(m) => self.member_reference(api, m),
            Target::Schedule(s) if full("targets") => self.schedule_summary_json(api, *s),
            Target::Schedule(s) => self.schedule_reference(api, *s),
        };
        let rules: Vec<Value> = policy
            .rules
            .iter()
            .map(|r| {
                let mut rule = json!({
                    "id": r.id, "escalation_delay_in_minutes": r.delay_minutes,
                    "targets": r.targets.iter().map(target).collect::<Vec<_>>(),
                });
                if full("escalation_rule_assignment_strategies") {
                    rule["escalation_rule_assignment_strategy"] =
                        json!({"type": "assign_to_everyone"});
                }
                rule
            })
            .collect();
        let services: Vec<Value> = self
            .services
            .iter()
            .filter(|s| s.policy == p)
            .map(|s| {
                if full("services") {
                    self.service_json(api, s, &[])
                } else {
                    self.service_reference(api, s)
                }
            })
            .collect();
        v["type"] = json!("escalation_policy");
        v["name"] = json!(policy.name);
        v["description"] = json!(policy.description);
        v["on_call_handoff_notifications"] = json!(policy.handoff_notifications);
        v["num_loops"] = json!(policy.num_loops);
        v["escalation_rules"] = json!(rules);
        v["services"] = json!(services);
        v["teams"] = json!(policy
            .teams
            .iter()
            .map(|t| self.team_json(api, *t, full("teams")))
            .collect::<Vec<_>>());
        v
    }

    fn contact_method_json(&self, api: &str, u: &User, c: &ContactMethod, full: bool) -> Value {
        let mut v = json!({
            "id": c.id, "type": format!("{}_reference", c.kind), "summary": c.label,
            "self": format!("{api}/users/{}/contact_methods/{}", u.id, c.id), "html_url": null,
        });
        if full {
            v["type"] = json!(c.kind);
            v["label"] = json!(c.label);
            v["address"] = json!(c.address);
            v["enabled"] = json!(c.enabled);
            v["blacklisted"] = json!(c.blacklisted);
            match c.kind {
                "email_contact_method" => v["send_short_email"] = json!(c.send_short_email),
                // Spec `PushContactMethod`: the device and its sounds, no country code.
                "push_notification_contact_method" => {
                    v["device_type"] = json!(device_type(&c.label));
                    v["created_at"] = json!(u.license_allocated_at);
                    v["sounds"] = json!([
                        {"type": "alert_high_urgency", "file": "default"},
                        {"type": "alert_low_urgency", "file": "default"},
                    ]);
                }
                // PagerDuty keeps a phone's country calling code apart from its address.
                _ => v["country_code"] = json!(c.country_code),
            }
        }
        v
    }

    /// A user's contact methods in full, as `GET /users/{id}/contact_methods` returns them.
    pub fn contact_methods_json(&self, api: &str, u: &User) -> Vec<Value> {
        u.contact_methods
            .iter()
            .map(|c| self.contact_method_json(api, u, c, true))
            .collect()
    }

    /// A notification rule: a reference, or in full (its contact method in full with
    /// `full_cm`).
    pub fn notification_rule_json(
        &self,
        api: &str,
        u: &User,
        r: &NotificationRule,
        full: bool,
        full_cm: bool,
    ) -> Value {
        let cm = &u.contact_methods[r.contact_method];
        let summary = format!("{} minutes: channel {}", r.start_delay_in_minutes, cm.id);
        let mut v = json!({
            "id": r.id, "type": "assignment_notification_rule_reference",
            "summary": if r.contact_method == 0 { "Default".to_string() } else { summary },
            "self": format!("{api}/users/{}/notification_rules/{}", u.id, r.id), "html_url": null,
        });
        if full {
            v["type"] = json!("assignment_notification_rule");
            v["start_delay_in_minutes"] = json!(r.start_delay_in_minutes);
            v["created_at"] = json!(r.created_at);
            v["contact_method"] = self.contact_method_json(api, u, cm, full_cm);
            v["urgency"] = json!(r.urgency);
        }
        v
    }

    /// An integration of `s`: a reference, or in full (`include[]=integrations`, and
    /// `GET /services/{id}/integrations/{integration_id}`) with its key or e-mail address.
    pub fn integration_json(&self, api: &str, s: &Service, i: &Integration, full: bool) -> Value {
        let mut v = json!({
            "id": i.id, "type": format!("{}_reference", i.kind), "summary": i.name,
            "self": format!("{api}/services/{}/integrations/{}", s.id, i.id),
            "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/services/{}/integrations/{}", s.id, i.id),
        });
        if full {
            v["type"] = json!(i.kind);
            v["name"] = json!(i.name);
            v["created_at"] = json!(i.created_at.as_ref().unwrap_or(&s.created_at));
            v["service"] = self.service_reference(api, s);
            match &i.integration_key {
                Some(key) => v["integration_key"] = json!(key),
                None if !takes_events(i.kind) => {
                    v["integration_email"] =
                        json!(format!("{}@{SUBDOMAIN}.pagerduty.com", i.id.to_lowercase()))
                }
                None => {}
            }
        }
        v
    }

    /// A service as `GET /services` returns it; `include` may hold `teams`, `escalation_policies`.
    pub fn service_json(&self, api: &str, s: &Service, include: &[String]) -> Value {
        let full_teams = include.iter().any(|i| i == "teams");
        let policy = &self.policies[s.policy];
        let mut ep = self.policy_reference(api, s.policy);
        if include.iter().any(|i| i == "escalation_policies") {
            ep["type"] = json!("escalation_policy");
            ep["name"] = json!(policy.name);
        }
        let mut v = json!({
            "id": s.id, "type": "service", "summary": s.name,
            "self": format!("{api}/services/{}", s.id),
            "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/service-directory/{}", s.id),
            "name": s.name, "description": s.description, "status": s.status,
            "auto_resolve_timeout": s.auto_resolve_timeout,
            "acknowledgement_timeout": s.acknowledgement_timeout,
            "created_at": s.created_at,
            "last_incident_timestamp": s.last_incident_timestamp,
            "escalation_policy": ep,
            "teams": s.teams.iter().map(|t| self.team_json(api, *t, full_teams)).collect::<Vec<_>>(),
            "integrations": s.integrations.iter().map(|i| {
                self.integration_json(api, s, i, include.iter().any(|x| x == "integrations"))
            }).collect::<Vec<_>>(),
            "alert_creation": "create_alerts_and_incidents",
        });
        match s.urgency {
            Urgency::Constant(u) => {
                v["incident_urgency_rule"] = json!({"type": "constant", "urgency": u});
                v["support_hours"] = Value::Null;
                v["scheduled_actions"] = json!([]);
            }
            Urgency::SupportHours(zone) => {
                v["incident_urgency_rule"] = json!({
                    "type": "use_support_hours",
                    "during_support_hours": {"type": "constant", "urgency": "high"},
                    "outside_support_hours": {"type": "constant", "urgency": "low"},
                });
                v["support_hours"] = json!({
                    "type": "fixed_time_per_day", "time_zone": zone,
                    "start_time": "09:00:00", "end_time": "17:00:00", "days_of_week": [1, 2, 3, 4, 5],
                });
                v["scheduled_actions"] = json!([{
                    "type": "urgency_change",
                    "at": {"type": "named_time", "name": "support_hours_start"},
                    "to_urgency": "high",
                }]);
            }
        }
        v
    }

    /// A user as `GET /users` returns it; `include` may hold `contact_methods`, `teams`.
    pub fn user_json(&self, api: &str, u: &User, include: &[String]) -> Value {
        let full_cm = include.iter().any(|i| i == "contact_methods");
        let full_teams = include.iter().any(|i| i == "teams");
        let full_rules = include.iter().any(|i| i == "notification_rules");
        let cms: Vec<Value> = u
            .contact_methods
            .iter()
            .map(|c| self.contact_method_json(api, u, c, full_cm))
            .collect();
        let rules: Vec<Value> = u
            .notification_rules
            .iter()
            .map(|r| self.notification_rule_json(api, u, r, full_rules, full_cm))
            .collect();
        json!({
            "id": u.id, "type": "user", "summary": u.name,
            "self": format!("{api}/users/{}", u.id),
            "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/users/{}", u.id),
            "name": u.name, "email": u.email, "time_zone": u.time_zone, "color": u.color,
            "role": u.role,
            "avatar_url": "https://secure.gravatar.com/avatar/00000000000000000000000000000000.png?d=mm&r=PG",
            "description": u.description, "invitation_sent": u.invitation_sent,
            "created_via_sso": u.created_via_sso, "job_title": u.job_title,
            "contact_methods": cms,
            "notification_rules": rules,
            "teams": u.teams.iter().map(|t| self.team_json(api, *t, full_teams)).collect::<Vec<_>>(),
        })
    }
}
