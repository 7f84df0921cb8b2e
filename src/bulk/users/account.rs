//! A user as the account holds it (with contact methods, notification rules and teams), read
//! out of `GET /users?include[]=…`, and turned back into a row for "Export for import".

use super::{Channel, Contact, Rule, UserSpec};
use crate::json::{self, FromJson};
use serde_json::Value;

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
    /// Contact methods of kinds the importer does not write (push, WhatsApp): they count
    /// toward PagerDuty's 10 all the same.
    pub other_contacts: usize,
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
            other_contacts: v
                .get("contact_methods")
                .and_then(Value::as_array)
                .map_or(0, |a| {
                    a.iter()
                        .filter(|c| Cm::from_json(c).is_none() && c.get("id").is_some())
                        .count()
                }),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn push_and_whatsapp_methods_are_counted_though_not_written() {
        let v = json!({"id": "U1", "email": "a@example.com", "contact_methods": [
            {"id": "C1", "type": "email_contact_method", "address": "a@example.com"},
            {"id": "C2", "type": "push_notification_contact_method", "address": "iPhone"},
            {"id": "C3", "type": "whatsapp_contact_method", "address": "447700900123"}
        ]});
        let u = AUser::from_json(&v).unwrap();
        assert_eq!((u.contacts.len(), u.other_contacts), (1, 2));
    }
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
}
