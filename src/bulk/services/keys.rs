//! Events API v2 integrations and their routing keys (reference §11): which integration a
//! service needs, the key as a credential that never shows in `Debug`, and the one file that
//! carries keys ("Download routing keys", "Export routing keys"). Keys go nowhere else: not
//! the report, not the journal, not the address bar.

use crate::config::Region;
use crate::json::{self, FromJson};
use serde_json::{json, Value};

/// Services with their integrations in full (keys included): what "Export routing keys" reads
/// (a plan reads `/services`, whose integration references carry no key).
pub const SERVICES_PATH: &str = "/services?include%5B%5D=integrations";

/// The integration type pdscope makes.
pub const EVENTS_V2: &str = "events_api_v2_inbound_integration";
/// The name pdscope gives it (PagerDuty's web app calls the type "Events API V2").
pub const NAME: &str = "Events API v2";

/// `POST /services/{id}/integrations`'s body for `service_id`.
pub fn create_body(service_id: &str) -> Value {
    json!({"integration": {"type": EVENTS_V2, "name": NAME,
        "service": {"id": service_id, "type": "service_reference"}}})
}

/// A routing key: anyone holding it can open and resolve incidents on its service, so it is
/// masked on screen and its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Key(String);

impl Key {
    pub fn new(key: String) -> Key {
        Key(key)
    }
    /// The key itself, for the keys file, Reveal and Copy only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Dots, one per character (at least 8), until someone reveals it.
    pub fn masked(&self) -> String {
        "•".repeat(self.0.chars().count().max(8))
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(••••)")
    }
}

/// An integration as a service lists it (`include[]=integrations`): enough to tell whether
/// it is the events integration. Its key is not kept here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AIntegration {
    pub id: String,
    /// `events_api_v2_inbound_integration`, …; a reference (`…_reference`) when the list
    /// was read without `include[]=integrations`.
    pub kind: String,
    pub name: String,
}

impl FromJson for AIntegration {
    fn from_json(v: &Value) -> Option<AIntegration> {
        Some(AIntegration {
            id: json::string(v, "id")?,
            kind: json::string(v, "type").unwrap_or_default(),
            name: json::string(v, "name")
                .or_else(|| json::string(v, "summary"))
                .unwrap_or_default(),
        })
    }
}

impl AIntegration {
    /// Whether it is an Events API v2 integration (whatever its name).
    pub fn is_events_v2(&self) -> bool {
        self.kind == EVENTS_V2 || self.kind == format!("{EVENTS_V2}_reference")
    }
}

/// One line of the keys file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingKey {
    pub service: String,
    pub service_id: String,
    pub integration: String,
    pub integration_id: String,
    pub key: Key,
}

/// The integration pdscope made on a service, in the integrations `service` lists (a
/// `GET /services/{id}?include[]=integrations` answer's `service`): the newest of its type
/// and name, so a lost answer is adopted, never made again.
pub fn made_by_pdscope(service: &Value) -> Option<Value> {
    service
        .get("integrations")
        .and_then(Value::as_array)?
        .iter()
        .filter(|i| {
            json::string(i, "type").as_deref() == Some(EVENTS_V2)
                && json::string(i, "name").as_deref() == Some(NAME)
        })
        .max_by(|a, b| {
            let at = |v: &Value| json::string(v, "created_at").unwrap_or_default();
            at(a).cmp(&at(b))
        })
        .cloned()
}

/// The events integrations of one service as `GET /services?include[]=integrations` lists
/// it, with their keys (what PagerDuty's `export_routing_keys` script reads).
pub fn of_service(service: &Value) -> Vec<RoutingKey> {
    let (Some(id), name) = (
        json::string(service, "id"),
        json::string(service, "name").unwrap_or_default(),
    ) else {
        return vec![];
    };
    service
        .get("integrations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|i| json::string(i, "type").as_deref() == Some(EVENTS_V2))
        .filter_map(|i| {
            Some(RoutingKey {
                service: name.clone(),
                service_id: id.clone(),
                integration: json::string(i, "name").unwrap_or_default(),
                integration_id: json::string(i, "id")?,
                key: Key::new(json::string(i, "integration_key")?),
            })
        })
        .collect()
}

/// A listed service's events integrations with their keys (one paging instantiation).
#[derive(Clone)]
struct Listed {
    id: String,
    keys: Vec<RoutingKey>,
}

impl FromJson for Listed {
    fn from_json(v: &Value) -> Option<Listed> {
        Some(Listed {
            id: json::string(v, "id")?,
            keys: of_service(v),
        })
    }
}

impl crate::paging::HasId for Listed {
    fn id(&self) -> &str {
        &self.id
    }
}

/// "Export routing keys", as PagerDuty's `export_routing_keys` script does: every service's
/// Events API v2 keys, from `GET /services?include[]=integrations` (paged). Returns the
/// keys and how many services PagerDuty's 10,000-row ceiling left out.
pub async fn export<S: crate::paging::PageSource>(
    source: &S,
) -> Result<(Vec<RoutingKey>, u64), crate::api::ApiError> {
    let conc = crate::paging::DEFAULT_CONCURRENCY;
    let path = SERVICES_PATH;
    let l =
        crate::paging::fetch_all::<Listed, _>(source, path, "services", conc, |_, _| {}).await?;
    let keys = l.rows.into_iter().flat_map(|s| s.keys).collect();
    Ok((keys, l.not_listed))
}

/// Where events go with a routing key, for the account's region (unknown: the US).
pub fn events_url(region: Option<Region>) -> &'static str {
    match region {
        // The reference (§11) marks the EU events host [unknown]: no source read names it.
        // PagerDuty's EU hosts put `eu.` before `pagerduty.com` (api.eu., app.eu.), so this
        // is the likely one; check it against the account's integration page.
        Some(Region::Eu) => "https://events.eu.pagerduty.com/v2/enqueue",
        _ => "https://events.pagerduty.com/v2/enqueue",
    }
}

/// The keys file's columns.
pub const COLUMNS: &[&str] = &[
    "service",
    "service id",
    "integration",
    "integration id",
    "routing key",
    "events URL",
];

/// The keys file: one line per key, with where to send events.
pub fn csv(keys: &[RoutingKey], region: Option<Region>) -> String {
    let url = events_url(region);
    let mut out = crate::csvfile::Writer::new();
    out.row(COLUMNS);
    for k in keys {
        out.row([
            k.service.as_str(),
            &k.service_id,
            &k.integration,
            &k.integration_id,
            k.key.expose(),
            url,
        ]);
    }
    out.finish()
}

/// The keys file's name.
pub fn file_name(local_time: &str) -> String {
    format!(
        "pdscope-routing-keys-{}.csv",
        crate::timefmt::file_stamp(local_time)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_key_never_shows_in_debug_and_is_masked_with_dots() {
        let k = RoutingKey {
            service: "Web".into(),
            service_id: "S1".into(),
            integration: NAME.into(),
            integration_id: "I1".into(),
            key: Key::new(KEY.into()),
        };
        let shown = format!("{k:?} {:?}", vec![k.clone()]);
        assert!(!shown.contains(KEY) && !shown.contains("0123"), "{shown}");
        assert_eq!(k.key.masked(), "•".repeat(32));
        assert_eq!(Key::new("ab".into()).masked(), "•".repeat(8));
    }

    #[test]
    fn the_keys_file_names_where_to_send_events_for_the_region() {
        let v = json!({"id": "S1", "name": "Web, \"main\"", "integrations": [
            {"id": "I0", "type": "generic_email_inbound_integration", "name": "Mail"},
            {"id": "I1", "type": EVENTS_V2, "name": "Events V2", "integration_key": KEY},
            {"id": "I2", "type": EVENTS_V2, "name": "No key"}]});
        let keys = of_service(&v);
        assert_eq!(keys.len(), 1);
        let text = csv(&keys, None);
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap().trim_start_matches('\u{feff}'),
            "service,service id,integration,integration id,routing key,events URL"
        );
        assert_eq!(
            lines.next().unwrap(),
            format!("\"Web, \"\"main\"\"\",S1,Events V2,I1,{KEY},https://events.pagerduty.com/v2/enqueue")
        );
        assert!(csv(&keys, Some(Region::Eu)).contains("https://events.eu.pagerduty.com/v2/enqueue"));
        assert_eq!(
            file_name("2026-12-07 10:11:12 (Europe/Berlin)"),
            "pdscope-routing-keys-2026-12-07-101112.csv"
        );
        // Bad input is no key, not a panic.
        assert!(of_service(&json!({"integrations": "x"})).is_empty());
        assert!(of_service(&json!({"id": "S", "integrations": [1, null]})).is_empty());
    }

    #[test]
    fn the_integration_pdscope_made_is_found_by_type_and_name() {
        let v = json!({"integrations": [
            {"id": "I1", "type": EVENTS_V2, "name": "Other", "created_at": "2026-01-01T00:00:00Z"},
            {"id": "I2", "type": EVENTS_V2, "name": NAME, "created_at": "2026-01-02T00:00:00Z"},
            {"id": "I3", "type": "generic_email_inbound_integration", "name": NAME}]});
        assert_eq!(made_by_pdscope(&v).unwrap()["id"], "I2");
        assert!(made_by_pdscope(&json!({})).is_none());
    }
}
