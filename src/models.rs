//! Typed PagerDuty REST v2 models for services and users: tolerant of fields PagerDuty adds
//! later (ignored), of nulls and of missing fields (every field optional or defaulted).
//! Every text field is read leniently with [`json::text`] (PagerDuty's spec examples hold
//! numbers where strings are documented, and `created_via_sso: "true,"`).

use crate::json::{self, FromJson};
use serde_json::Value;

/// A reference to another object (team, escalation policy, contact method, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reference {
    pub id: String,
    pub kind: String,
    pub summary: Option<String>,
    pub self_url: Option<String>,
    pub html_url: Option<String>,
    /// Present when the reference was expanded with `include[]`.
    pub name: Option<String>,
}

impl Reference {
    /// The best label: name, summary, or the id.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .or(self.summary.as_deref())
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.id)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Service {
    pub id: String,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub escalation_policy: Option<Reference>,
    pub teams: Vec<Reference>,
    pub html_url: Option<String>,
    pub created_at: Option<String>,
    pub last_incident_timestamp: Option<String>,
    pub auto_resolve_timeout: Option<String>,
    pub acknowledgement_timeout: Option<String>,
    /// `high`, `low`, `severity_based`, or `support hours` (the urgency follows them).
    pub urgency: Option<String>,
}

impl Service {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.summary.as_deref())
            .unwrap_or(&self.id)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactMethod {
    pub id: String,
    pub kind: String,
    pub summary: Option<String>,
    pub label: Option<String>,
    pub address: Option<String>,
    /// Phone and SMS methods: the country calling code, kept apart from `address`.
    pub country_code: Option<String>,
}

impl ContactMethod {
    /// `email`, `phone`, `sms`, `push_notification`, ... without the `_contact_method` suffix.
    pub fn channel(&self) -> &str {
        self.kind
            .trim_end_matches("_reference")
            .trim_end_matches("_contact_method")
    }

    /// The address as a person dials it: `+44 20 7946 0000` for phones and SMS (PagerDuty
    /// keeps the country code apart), the address as is otherwise.
    pub fn display_address(&self) -> Option<String> {
        let address = self.address.clone()?;
        match (self.channel(), self.country_code.as_deref()) {
            ("phone" | "sms", Some(cc)) if !cc.is_empty() && !address.starts_with('+') => {
                Some(format!("+{cc} {address}"))
            }
            _ => Some(address),
        }
    }
}

/// A role as PagerDuty's web app names it (the API uses other words).
pub fn role_label(role: &str) -> &str {
    match role {
        "owner" => "Account Owner",
        "admin" => "Global Admin",
        "user" => "Manager",
        "limited_user" => "Responder",
        "observer" => "Observer",
        "restricted_access" => "Restricted Access",
        "read_only_user" => "Full Stakeholder",
        "read_only_limited_user" => "Limited Stakeholder",
        other => other,
    }
}

/// Roles to whom PagerDuty shows only their own teams' objects, so a list is partial.
/// (Restricted Access is documented so; whether Limited Stakeholders see more is not known
/// here, so their lists are not called partial.)
pub fn sees_only_own_teams(role: &str) -> bool {
    role == "restricted_access"
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
    pub job_title: Option<String>,
    pub time_zone: Option<String>,
    pub description: Option<String>,
    pub html_url: Option<String>,
    pub created_via_sso: Option<String>,
    pub teams: Vec<Reference>,
    pub contact_methods: Vec<ContactMethod>,
}

impl User {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.summary.as_deref())
            .unwrap_or(&self.id)
    }
}

/// A notification rule (`include[]=notification_rules` on a user): after how many minutes,
/// for which urgency, which contact method. What an import's `notify` writes; only the
/// on-demand module reads it, so the first load does not carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotificationRule {
    pub id: String,
    pub delay_min: Option<u64>,
    pub urgency: Option<String>,
    /// The contact method's id.
    pub contact_method: Option<String>,
}

impl FromJson for NotificationRule {
    fn from_json(v: &Value) -> Option<Self> {
        Some(NotificationRule {
            id: id_of(v)?,
            delay_min: v.get("start_delay_in_minutes").and_then(Value::as_u64),
            urgency: json::text(v, "urgency"),
            contact_method: v.get("contact_method").and_then(|c| json::text(c, "id")),
        })
    }
}

/// The rules as table rows (when, urgency, contact method), high urgency first, then by
/// delay; a contact method not among `methods` is `hidden`.
pub fn rule_rows(rules: &[NotificationRule], methods: &[ContactMethod]) -> Vec<[String; 3]> {
    let mut rules: Vec<&NotificationRule> = rules.iter().collect();
    rules.sort_by_key(|r| (r.urgency.as_deref() != Some("high"), r.delay_min));
    rules
        .into_iter()
        .map(|r| {
            let cm = methods
                .iter()
                .find(|c| Some(&c.id) == r.contact_method.as_ref());
            [
                r.delay_min.map_or("?".into(), |d| match d {
                    0 => "at once".to_string(),
                    1 => "after 1 minute".to_string(),
                    d => format!("after {d} minutes"),
                }),
                r.urgency.clone().unwrap_or_default(),
                cm.map_or("hidden".into(), |c| {
                    format!(
                        "{} {}",
                        c.channel(),
                        c.display_address().unwrap_or_default()
                    )
                    .trim_end()
                    .to_string()
                }),
            ]
        })
        .collect()
}

/// One row of `GET /teams/{id}/members`: a user and their role in the team (what an
/// import's `team_roles` writes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamMember {
    pub user_id: String,
    pub role: Option<String>,
}

impl FromJson for TeamMember {
    fn from_json(v: &Value) -> Option<Self> {
        Some(TeamMember {
            user_id: v.get("user").and_then(id_of)?,
            role: json::text(v, "role"),
        })
    }
}

/// An object's `id` (text); objects only, so a row of another shape is an error upstream.
fn id_of(v: &Value) -> Option<String> {
    v.as_object()?;
    Some(json::text(v, "id").unwrap_or_default())
}

impl FromJson for Reference {
    fn from_json(v: &Value) -> Option<Self> {
        Some(Reference {
            id: id_of(v)?,
            kind: json::text(v, "type").unwrap_or_default(),
            summary: json::text(v, "summary"),
            self_url: json::text(v, "self"),
            html_url: json::text(v, "html_url"),
            name: json::text(v, "name"),
        })
    }
}

impl FromJson for Service {
    fn from_json(v: &Value) -> Option<Self> {
        Some(Service {
            id: id_of(v)?,
            name: json::text(v, "name"),
            summary: json::text(v, "summary"),
            description: json::text(v, "description"),
            status: json::text(v, "status"),
            escalation_policy: v.get("escalation_policy").and_then(Reference::from_json),
            teams: json::list(v, "teams"),
            html_url: json::text(v, "html_url"),
            created_at: json::text(v, "created_at"),
            last_incident_timestamp: json::text(v, "last_incident_timestamp"),
            auto_resolve_timeout: json::text(v, "auto_resolve_timeout"),
            acknowledgement_timeout: json::text(v, "acknowledgement_timeout"),
            urgency: v.get("incident_urgency_rule").and_then(|r| {
                match json::text(r, "type").as_deref() {
                    Some("use_support_hours") => Some("support hours".into()),
                    _ => json::text(r, "urgency"),
                }
            }),
        })
    }
}

impl FromJson for ContactMethod {
    fn from_json(v: &Value) -> Option<Self> {
        Some(ContactMethod {
            id: id_of(v)?,
            kind: json::text(v, "type").unwrap_or_default(),
            summary: json::text(v, "summary"),
            label: json::text(v, "label"),
            address: json::text(v, "address"),
            country_code: json::text(v, "country_code"),
        })
    }
}

impl FromJson for User {
    fn from_json(v: &Value) -> Option<Self> {
        Some(User {
            id: id_of(v)?,
            name: json::text(v, "name"),
            summary: json::text(v, "summary"),
            email: json::text(v, "email"),
            role: json::text(v, "role"),
            job_title: json::text(v, "job_title"),
            time_zone: json::text(v, "time_zone"),
            description: json::text(v, "description"),
            html_url: json::text(v, "html_url"),
            created_via_sso: json::text(v, "created_via_sso"),
            teams: json::list(v, "teams"),
            contact_methods: json::list(v, "contact_methods"),
        })
    }
}

/// A classic pagination envelope with its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub limit: u64,
    pub offset: u64,
    pub more: bool,
    pub total: Option<u64>,
    /// Rows that could not be read (not an object): skipped, counted, shown under the table.
    pub skipped: u64,
}

/// Reads `{"<key>": [...], "limit", "offset", "more", "total"}`. A missing list is an error
/// naming the key; a row that does not parse is skipped and counted, so one odd row never
/// hides the rest of a list.
pub fn parse_page<T: FromJson>(v: &Value, key: &str) -> Result<ListPage<T>, String> {
    let rows = v
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("no \"{key}\" list in the answer"))?;
    let items: Vec<T> = rows.iter().filter_map(T::from_json).collect();
    let skipped = (rows.len() - items.len()) as u64;
    let num = |name: &str| v.get(name).and_then(Value::as_u64);
    Ok(ListPage {
        limit: num("limit").unwrap_or(items.len() as u64),
        offset: num("offset").unwrap_or(0),
        more: v.get("more").and_then(Value::as_bool).unwrap_or(false),
        total: num("total"),
        items,
        skipped,
    })
}

/// Reads a wrapped single object such as `{"service": {...}}`.
pub fn parse_one<T: FromJson>(v: &Value, key: &str) -> Result<T, String> {
    let inner = v
        .get(key)
        .ok_or_else(|| format!("no \"{key}\" in the answer"))?;
    T::from_json(inner).ok_or_else(|| format!("\"{key}\" is malformed: not an object"))
}

/// Only `https:` URLs (or ones on `allowed_origin`) may become links (SECURITY.md rule 20).
pub fn safe_link(url: Option<&str>, allowed_origin: Option<&str>) -> Option<String> {
    let u = url?.trim();
    let origin = crate::url::parse_origin(u)?;
    let ok = origin.scheme == "https" || allowed_origin.is_some_and(|a| origin.to_string() == a);
    ok.then(|| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let text = match name {
            "list-services" => include_str!("../fixtures/pagerduty/list-services.json"),
            "list-users" => include_str!("../fixtures/pagerduty/list-users.json"),
            "get-service" => include_str!("../fixtures/pagerduty/get-service.json"),
            "get-user" => include_str!("../fixtures/pagerduty/get-user.json"),
            "get-current-user" => include_str!("../fixtures/pagerduty/get-current-user.json"),
            _ => unreachable!(),
        };
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn notification_rules_read_as_rows_and_team_members_as_roles() {
        let v = serde_json::json!({"id": "U1", "notification_rules": [
            {"id": "R2", "start_delay_in_minutes": 0, "urgency": "low",
             "contact_method": {"id": "C1", "type": "email_contact_method_reference"}},
            {"id": "R1", "start_delay_in_minutes": 5, "urgency": "high",
             "contact_method": {"id": "C2", "type": "phone_contact_method_reference"}},
            {"id": "R3", "urgency": "high", "contact_method": {"id": "C9"}},
            "not a rule"
        ], "contact_methods": [
            {"id": "C1", "type": "email_contact_method", "address": "<b>a</b>@example.com"},
            {"id": "C2", "type": "phone_contact_method", "address": "7700900123", "country_code": 44}
        ]});
        let rules: Vec<NotificationRule> = json::list(&v, "notification_rules");
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[1].delay_min, Some(5));
        let methods: Vec<ContactMethod> = json::list(&v, "contact_methods");
        assert_eq!(
            rule_rows(&rules, &methods),
            vec![
                ["?".to_string(), "high".into(), "hidden".into()],
                [
                    "after 5 minutes".into(),
                    "high".into(),
                    "phone +44 7700900123".into()
                ],
                [
                    "at once".into(),
                    "low".into(),
                    "email <b>a</b>@example.com".into()
                ],
            ]
        );
        let members: Vec<TeamMember> = json::list(
            &serde_json::json!({"members": [
                {"user": {"id": "U9"}, "role": "manager"},
                {"user": {"id": "U1"}, "role": "responder"},
                {"role": "observer"}
            ]}),
            "members",
        );
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].role.as_deref(), Some("responder"));
    }

    #[test]
    fn pagerdutys_example_bodies_parse() {
        let p: ListPage<Service> = parse_page(&fixture("list-services"), "services").unwrap();
        assert!(!p.items.is_empty());
        assert!(p.items[0].escalation_policy.is_some());
        let s: Service = parse_one(&fixture("get-service"), "service").unwrap();
        assert_eq!(s.id, "PIJ90N7");
        assert_eq!(s.display_name(), "My Application Service");
        assert_eq!(s.description, None, "the spec example has no description");
        assert_eq!(s.teams[0].label(), "Engineering");
        let u: ListPage<User> = parse_page(&fixture("list-users"), "users").unwrap();
        assert!(u.items.iter().all(|x| !x.id.is_empty()));
        let me: User = parse_one(&fixture("get-current-user"), "user").unwrap();
        assert_eq!(me.created_via_sso.as_deref(), Some("true,"));
        assert_eq!(me.contact_methods[0].channel(), "email");
        let _: User = parse_one(&fixture("get-user"), "user").unwrap();
    }

    #[test]
    fn a_services_urgency_is_read_whatever_its_rule() {
        let parse = |rule: serde_json::Value| {
            Service::from_json(&serde_json::json!({"id": "S1", "incident_urgency_rule": rule}))
                .unwrap()
                .urgency
        };
        let sev = serde_json::json!({"type": "constant", "urgency": "severity_based"});
        assert_eq!(parse(sev).as_deref(), Some("severity_based"));
        let hours = serde_json::json!({"type": "use_support_hours", "during_support_hours": {}});
        assert_eq!(parse(hours).as_deref(), Some("support hours"));
        assert_eq!(parse(serde_json::Value::Null), None);
    }

    #[test]
    fn nulls_unknown_fields_and_odd_types_are_tolerated() {
        let v = serde_json::json!({"services": [
            {"id": "P1", "name": null, "summary": "S", "teams": null, "escalation_policy": null,
             "future_field": {"x": 1}, "auto_resolve_timeout": 14400, "status": "active"},
            {"id": "P2"}
        ], "limit": 25, "offset": 0, "more": false, "total": null});
        let p: ListPage<Service> = parse_page(&v, "services").unwrap();
        assert_eq!(p.items[0].display_name(), "S");
        assert_eq!(p.items[0].auto_resolve_timeout.as_deref(), Some("14400"));
        assert!(p.items[0].teams.is_empty());
        assert_eq!(p.items[1].display_name(), "P2");
        assert_eq!(p.total, None);
        assert!(
            parse_page::<Service>(&serde_json::json!({"users": []}), "services")
                .unwrap_err()
                .contains("services")
        );
        // A row that is not an object is skipped and counted; the rest of the page stands.
        let p = parse_page::<Service>(
            &serde_json::json!({"services": [1, {"id": "P9"}, null, "x"]}),
            "services",
        )
        .unwrap();
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.skipped, 3);
        assert!(parse_one::<User>(&serde_json::json!({}), "user").is_err());
    }

    #[test]
    fn only_https_or_the_api_origin_become_links() {
        assert_eq!(
            safe_link(Some("https://acme.pagerduty.com/x"), None).as_deref(),
            Some("https://acme.pagerduty.com/x")
        );
        assert_eq!(safe_link(Some("javascript:alert(1)"), None), None);
        assert_eq!(safe_link(Some("http://evil.example/"), None), None);
        assert_eq!(safe_link(Some("data:text/html,x"), None), None);
        assert_eq!(safe_link(None, None), None);
        assert_eq!(
            safe_link(
                Some("http://127.0.0.1:8789/services/P1"),
                Some("http://127.0.0.1:8789")
            )
            .as_deref(),
            Some("http://127.0.0.1:8789/services/P1")
        );
    }

    #[test]
    fn phones_show_their_country_code_and_roles_their_ui_names() {
        let m = |kind: &str, cc: Option<&str>, addr: &str| ContactMethod {
            kind: kind.into(),
            country_code: cc.map(str::to_string),
            address: Some(addr.into()),
            ..Default::default()
        };
        assert_eq!(
            m("phone_contact_method", Some("44"), "2079460000")
                .display_address()
                .as_deref(),
            Some("+44 2079460000")
        );
        assert_eq!(
            m("sms_contact_method_reference", Some("1"), "5555550100")
                .display_address()
                .as_deref(),
            Some("+1 5555550100")
        );
        assert_eq!(
            m("email_contact_method", Some("1"), "a@example.com")
                .display_address()
                .as_deref(),
            Some("a@example.com")
        );
        assert_eq!(
            m("phone_contact_method", None, "5555550100")
                .display_address()
                .as_deref(),
            Some("5555550100")
        );
        // Read from PagerDuty's shape, where country_code is a number.
        let v = serde_json::json!({"id": "PC1", "type": "phone_contact_method", "country_code": 49, "address": "301234567"});
        assert_eq!(
            ContactMethod::from_json(&v)
                .unwrap()
                .display_address()
                .as_deref(),
            Some("+49 301234567")
        );
        assert_eq!(role_label("limited_user"), "Responder");
        assert_eq!(role_label("something_new"), "something_new");
        assert!(sees_only_own_teams("restricted_access") && !sees_only_own_teams("admin"));
    }
}
