//! What the account holds, as the planner needs it: users with their contact methods,
//! notification rules and teams, teams, escalation policies and services, read out of
//! PagerDuty's JSON (listings with `include[]`).

use super::services::{ServiceSpec, Timeout};
use super::users::{Channel, Contact, Rule, UserSpec};
use crate::json::{self, FromJson};
use serde_json::Value;
use std::collections::BTreeMap;

/// The reads a plan makes (relative to the API base; each is paged).
pub const USERS_PATH: &str =
    "/users?include%5B%5D=contact_methods&include%5B%5D=notification_rules&include%5B%5D=teams";
pub const TEAMS_PATH: &str = "/teams";

/// A team's members with their roles (paged; key `members`).
pub fn members_path(team_id: &str) -> String {
    format!("/teams/{}/members", crate::url::encode(team_id))
}

/// One `members` item as (user id, role).
pub fn member(v: &Value) -> Option<(String, String)> {
    let user = v.get("user")?;
    Some((json::string(user, "id")?, json::string(v, "role")?))
}
pub const POLICIES_PATH: &str = "/escalation_policies";
pub const SERVICES_PATH: &str = "/services";

/// An existing contact method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cm {
    pub id: String,
    pub channel: Channel,
    pub address: String,
    pub country_code: Option<u16>,
}

impl Cm {
    /// The same contact method as `c` (phones compare digits and country code).
    pub fn same(&self, c: &Contact) -> bool {
        self.channel == c.channel
            && if c.channel == Channel::Email {
                self.address.eq_ignore_ascii_case(&c.address)
            } else {
                digits(&self.address) == digits(&c.address) && self.country_code == c.country_code
            }
    }
}

fn digits(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

impl FromJson for Cm {
    fn from_json(v: &Value) -> Option<Cm> {
        Some(Cm {
            id: json::string(v, "id")?,
            channel: Channel::from_api(&json::string(v, "type")?)?,
            address: json::text(v, "address").unwrap_or_default(),
            country_code: json::text(v, "country_code").and_then(|c| c.parse().ok()),
        })
    }
}

/// An existing notification rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NRule {
    pub id: String,
    pub cm_id: String,
    pub delay: u32,
    pub urgency: String,
}

impl FromJson for NRule {
    fn from_json(v: &Value) -> Option<NRule> {
        Some(NRule {
            id: json::string(v, "id")?,
            cm_id: json::string(v.get("contact_method")?, "id")?,
            delay: json::text(v, "start_delay_in_minutes")
                .and_then(|d| d.parse().ok())
                .unwrap_or(0),
            urgency: json::string(v, "urgency").unwrap_or_else(|| "high".into()),
        })
    }
}

/// An existing user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub job_title: Option<String>,
    pub time_zone: Option<String>,
    pub description: Option<String>,
    pub contacts: Vec<Cm>,
    pub rules: Vec<NRule>,
    /// Team ids.
    pub teams: Vec<String>,
}

impl FromJson for AUser {
    fn from_json(v: &Value) -> Option<AUser> {
        Some(AUser {
            id: json::string(v, "id")?,
            name: json::string(v, "name").unwrap_or_default(),
            email: json::string(v, "email")?,
            role: json::string(v, "role").unwrap_or_default(),
            job_title: json::string(v, "job_title").filter(|s| !s.is_empty()),
            time_zone: json::string(v, "time_zone").filter(|s| !s.is_empty()),
            description: json::string(v, "description").filter(|s| !s.is_empty()),
            contacts: json::list(v, "contact_methods"),
            rules: json::list(v, "notification_rules"),
            teams: v
                .get("teams")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|t| json::string(t, "id")).collect())
                .unwrap_or_default(),
        })
    }
}

impl AUser {
    /// The contact method a rule on `channel` goes to: for e-mail the login address's
    /// (PagerDuty's "Default"), otherwise the first of that channel among `wanted` that exists.
    pub fn target(&self, channel: Channel, wanted: &[Contact]) -> Option<&Cm> {
        if channel == Channel::Email {
            return self
                .contacts
                .iter()
                .find(|c| {
                    c.channel == Channel::Email && c.address.eq_ignore_ascii_case(&self.email)
                })
                .or_else(|| self.contacts.iter().find(|c| c.channel == Channel::Email));
        }
        let first = wanted.iter().find(|c| c.channel == channel)?;
        self.contacts.iter().find(|c| c.same(first))
    }

    /// Whether a high-urgency rule like `r` exists (the same target and delay).
    pub fn has_rule(&self, r: &Rule, wanted: &[Contact]) -> bool {
        self.target(r.channel, wanted).is_some_and(|cm| {
            self.rules
                .iter()
                .any(|x| x.cm_id == cm.id && x.delay == r.delay && x.urgency == "high")
        })
    }

    /// The user as a spec (for "Export for import"), with team names from `team_name`.
    pub fn spec(&self, team_name: &dyn Fn(&str) -> Option<String>) -> UserSpec {
        let contacts: Vec<Contact> = self
            .contacts
            .iter()
            .filter(|c| {
                !(c.channel == Channel::Email && c.address.eq_ignore_ascii_case(&self.email))
            })
            .map(|c| Contact {
                channel: c.channel,
                address: c.address.clone(),
                country_code: c.country_code,
            })
            .collect();
        let rules = self
            .rules
            .iter()
            .filter(|r| r.urgency == "high")
            .filter_map(|r| {
                let cm = self.contacts.iter().find(|c| c.id == r.cm_id)?;
                // Rules to a phone other than the first of its channel cannot be written in
                // the format (`notify` names channels), so they are left out.
                let first = self.contacts.iter().find(|c| c.channel == cm.channel)?;
                let login = cm.channel == Channel::Email;
                (login && cm.address.eq_ignore_ascii_case(&self.email)
                    || !login && first.id == cm.id)
                    .then_some(Rule {
                        channel: cm.channel,
                        delay: r.delay,
                    })
            })
            .collect();
        UserSpec {
            name: self.name.clone(),
            email: self.email.clone(),
            role: Some(self.role.clone()).filter(|r| !r.is_empty() && r != "owner"),
            job_title: self.job_title.clone(),
            time_zone: self.time_zone.clone(),
            description: self.description.clone(),
            contacts,
            rules,
            // Team roles are not in the user's listing; an import keeps existing memberships.
            teams: self
                .teams
                .iter()
                .filter_map(|id| team_name(id))
                .map(|n| (n, String::new()))
                .collect(),
            team_roles_given: false,
        }
    }
}

/// A team or an escalation policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    pub name: String,
}

impl FromJson for Named {
    fn from_json(v: &Value) -> Option<Named> {
        Some(Named {
            id: json::string(v, "id")?,
            name: json::string(v, "name")
                .or_else(|| json::string(v, "summary"))
                .unwrap_or_default(),
        })
    }
}

/// A team by id, else by exact name, else by name in any case.
pub fn find_named<'a>(list: &'a [Named], name_or_id: &str) -> Option<&'a Named> {
    list.iter()
        .find(|t| t.id == name_or_id)
        .or_else(|| list.iter().find(|t| t.name == name_or_id))
        .or_else(|| {
            list.iter()
                .find(|t| t.name.eq_ignore_ascii_case(name_or_id))
        })
}

/// An existing service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AService {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub policy_id: String,
    pub urgency: Option<String>,
    /// Seconds; `None` is off.
    pub ack_timeout: Option<u32>,
    pub auto_resolve: Option<u32>,
}

impl FromJson for AService {
    fn from_json(v: &Value) -> Option<AService> {
        let secs = |k: &str| json::text(v, k).and_then(|t| t.parse::<u32>().ok());
        Some(AService {
            id: json::string(v, "id")?,
            name: json::string(v, "name")?,
            description: json::string(v, "description").filter(|s| !s.is_empty()),
            policy_id: v
                .get("escalation_policy")
                .and_then(|p| json::string(p, "id"))
                .unwrap_or_default(),
            urgency: v
                .get("incident_urgency_rule")
                .filter(|r| json::string(r, "type").as_deref() == Some("constant"))
                .and_then(|r| json::string(r, "urgency")),
            ack_timeout: secs("acknowledgement_timeout"),
            auto_resolve: secs("auto_resolve_timeout"),
        })
    }
}

impl AService {
    /// The service as a spec (for "Export for import"), naming its policy by `policy_name`.
    pub fn spec(&self, policy_name: &dyn Fn(&str) -> Option<String>) -> ServiceSpec {
        let t = |s: Option<u32>| match s {
            Some(s) => Timeout::Minutes(s.div_ceil(60)),
            None => Timeout::Off,
        };
        ServiceSpec {
            name: self.name.clone(),
            description: self.description.clone(),
            policy: policy_name(&self.policy_id).unwrap_or_else(|| self.policy_id.clone()),
            urgency: self.urgency.clone(),
            ack_timeout: t(self.ack_timeout),
            auto_resolve: t(self.auto_resolve),
        }
    }
}

/// Everything a plan compares against.
#[derive(Clone, Debug, Default)]
pub struct Account {
    pub users: Vec<AUser>,
    pub teams: Vec<Named>,
    /// Team roles by (team id, user id), read from `GET /teams/{id}/members` for the teams
    /// a file names ([`members_path`]); memberships not read are not compared.
    pub members: BTreeMap<(String, String), String>,
    pub policies: Vec<Named>,
    pub services: Vec<AService>,
}

impl Account {
    pub fn user_by_email(&self, email: &str) -> Option<&AUser> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }
    /// The role `user_id` has in `team_id`, when it was read.
    pub fn member_role(&self, team_id: &str, user_id: &str) -> Option<&str> {
        self.members
            .get(&(team_id.to_string(), user_id.to_string()))
            .map(String::as_str)
    }
    /// A team by id, else by exact name (PagerDuty's `query` matches loosely; this does not).
    pub fn team_by_name(&self, name_or_id: &str) -> Option<&Named> {
        find_named(&self.teams, name_or_id)
    }
    /// An escalation policy by id, else by exact name.
    pub fn policy(&self, name_or_id: &str) -> Option<&Named> {
        self.policies
            .iter()
            .find(|p| p.id == name_or_id)
            .or_else(|| self.policies.iter().find(|p| p.name == name_or_id))
    }
    pub fn service_by_name(&self, name: &str) -> Option<&AService> {
        self.services
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_listed_user_reads_with_contacts_rules_and_teams() {
        let v = json!({"id":"U1","type":"user","name":"Ada","email":"Ada@Example.com","role":"user",
            "job_title":"","contact_methods":[
                {"id":"C1","type":"email_contact_method","address":"ada@example.com","label":"Default"},
                {"id":"C2","type":"phone_contact_method","address":"7700900123","country_code":44},
                {"id":"C3","type":"push_notification_contact_method","address":"x"}],
            "notification_rules":[{"id":"R1","start_delay_in_minutes":0,"urgency":"high",
                "contact_method":{"id":"C1","type":"email_contact_method_reference"}},
                {"id":"R2","start_delay_in_minutes":3,"urgency":"high","contact_method":{"id":"C2"}}],
            "teams":[{"id":"T1","type":"team_reference"}]});
        let u = AUser::from_json(&v).unwrap();
        assert_eq!(u.contacts.len(), 2, "push is not imported");
        assert_eq!(u.job_title, None);
        assert_eq!(u.contacts[1].country_code, Some(44));
        let phone = Contact {
            channel: Channel::Phone,
            address: "7700 900123".into(),
            country_code: Some(44),
        };
        assert!(u.has_rule(
            &Rule {
                channel: Channel::Phone,
                delay: 3
            },
            std::slice::from_ref(&phone)
        ));
        assert!(!u.has_rule(
            &Rule {
                channel: Channel::Phone,
                delay: 0
            },
            std::slice::from_ref(&phone)
        ));
        assert!(u.has_rule(
            &Rule {
                channel: Channel::Email,
                delay: 0
            },
            &[]
        ));
        let spec = u.spec(&|id| (id == "T1").then(|| "Ops".to_string()));
        assert_eq!(
            spec.contacts,
            vec![Contact {
                channel: Channel::Phone,
                address: "7700900123".into(),
                country_code: Some(44)
            }]
        );
        assert_eq!(spec.rules.len(), 2);
        assert_eq!(spec.teams, vec![("Ops".into(), String::new())]);
    }

    #[test]
    fn a_service_reads_and_exports() {
        let v = json!({"id":"S1","name":"Web","escalation_policy":{"id":"P1"},"acknowledgement_timeout":1800,
            "auto_resolve_timeout":null,"incident_urgency_rule":{"type":"constant","urgency":"low"}});
        let s = AService::from_json(&v).unwrap();
        assert_eq!(
            (s.ack_timeout, s.auto_resolve, s.urgency.as_deref()),
            (Some(1800), None, Some("low"))
        );
        let spec = s.spec(&|_| Some("Ops".into()));
        assert_eq!(
            (spec.ack_timeout, spec.auto_resolve, spec.policy.as_str()),
            (Timeout::Minutes(30), Timeout::Off, "Ops")
        );
    }
}
