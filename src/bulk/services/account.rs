//! A service as the account holds it, read out of `GET /services`, and turned back into a row
//! for "Export for import".

use super::keys::AIntegration;
use super::{Integration, ServiceSpec, Timeout};
use crate::json::{self, FromJson};
use serde_json::Value;

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
    /// Its integrations (read with `include[]=integrations`; their keys are not kept).
    pub integrations: Vec<AIntegration>,
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
            integrations: json::list(v, "integrations"),
        })
    }
}

impl AService {
    /// Whether it has an Events API v2 integration already.
    pub fn has_events_v2(&self) -> bool {
        self.integrations.iter().any(AIntegration::is_events_v2)
    }

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
            integration: if self.has_events_v2() {
                Integration::EventsV2
            } else {
                Integration::None
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
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
