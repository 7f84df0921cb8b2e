//! Typed PagerDuty REST v2 models for services and users: tolerant of fields PagerDuty adds
//! later (ignored), of nulls and of missing fields (every field optional or defaulted).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Any JSON scalar as text (PagerDuty's spec example has `created_via_sso: "true,"`).
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

/// A reference to another object (team, escalation policy, contact method, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    #[serde(default, rename = "type", deserialize_with = "null_as_default")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub summary: Option<String>,
    #[serde(default, rename = "self", deserialize_with = "lenient_string")]
    pub self_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub html_url: Option<String>,
    /// Present when the reference was expanded with `include[]`.
    #[serde(default, deserialize_with = "lenient_string")]
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

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub status: Option<String>,
    #[serde(default)]
    pub escalation_policy: Option<Reference>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub teams: Vec<Reference>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub html_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub last_incident_timestamp: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub auto_resolve_timeout: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub acknowledgement_timeout: Option<String>,
}

impl Service {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.summary.as_deref())
            .unwrap_or(&self.id)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMethod {
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    #[serde(default, rename = "type", deserialize_with = "null_as_default")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub label: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub address: Option<String>,
}

impl ContactMethod {
    /// `email`, `phone`, `sms`, `push_notification`, ... without the `_contact_method` suffix.
    pub fn channel(&self) -> &str {
        self.kind
            .trim_end_matches("_reference")
            .trim_end_matches("_contact_method")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub job_title: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub time_zone: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub html_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub created_via_sso: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub teams: Vec<Reference>,
    #[serde(default, deserialize_with = "null_as_default")]
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

/// A classic pagination envelope with its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub limit: u64,
    pub offset: u64,
    pub more: bool,
    pub total: Option<u64>,
}

/// Reads `{"<key>": [...], "limit", "offset", "more", "total"}`; rows that do not parse
/// are an error naming the key, never a panic.
pub fn parse_page<T: for<'de> Deserialize<'de>>(
    v: &Value,
    key: &str,
) -> Result<ListPage<T>, String> {
    let rows = v
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("no \"{key}\" list in the answer"))?;
    let items = rows
        .iter()
        .map(|r| {
            serde_json::from_value(r.clone())
                .map_err(|e| format!("a row of \"{key}\" is malformed: {e}"))
        })
        .collect::<Result<Vec<T>, String>>()?;
    let num = |name: &str| v.get(name).and_then(Value::as_u64);
    Ok(ListPage {
        limit: num("limit").unwrap_or(items.len() as u64),
        offset: num("offset").unwrap_or(0),
        more: v.get("more").and_then(Value::as_bool).unwrap_or(false),
        total: num("total"),
        items,
    })
}

/// Reads a wrapped single object such as `{"service": {...}}`.
pub fn parse_one<T: for<'de> Deserialize<'de>>(v: &Value, key: &str) -> Result<T, String> {
    let inner = v
        .get(key)
        .ok_or_else(|| format!("no \"{key}\" in the answer"))?;
    serde_json::from_value(inner.clone()).map_err(|e| format!("\"{key}\" is malformed: {e}"))
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
        assert!(
            parse_page::<Service>(&serde_json::json!({"services": [1]}), "services")
                .unwrap_err()
                .contains("malformed")
        );
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
}
