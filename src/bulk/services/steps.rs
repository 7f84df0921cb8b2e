//! One service row's steps: the service created (or adopted when its answer was lost), or
//! updated, then its Events API v2 integration (`integration.rs`), paced and checked before
//! they are retried by the [`Runner`] they run on.

use super::work::ServiceWork;
use crate::bulk::run::{explain, Ended, Method, RowError, RowResult, Runner, Transport};
use crate::json;
use serde_json::{json, Value};

impl<'a, T: Transport> Runner<'a, T> {
    pub(crate) async fn service(
        &self,
        w: &ServiceWork,
        r: &mut RowResult,
    ) -> Result<Ended, RowError> {
        if w.writes() == 0 {
            return Ok(Ended::Finished);
        }
        if !self.go_on().await {
            return Ok(Ended::Stopped);
        }
        let id = match (&w.id, &w.body) {
            (Some(id), None) => id.clone(),
            (Some(id), Some(body)) => {
                self.again(
                    Method::Put,
                    &format!("/services/{}", crate::url::encode(id)),
                    Some(body),
                )
                .await
                .map_err(|e| explain("updating the service", &e))?;
                r.ids.push(format!("service {id}"));
                r.did
                    .push(format!("updated service {id}{}", urgency_words(body)));
                id.clone()
            }
            (None, None) => return Ok(Ended::Finished),
            (None, Some(body)) => {
                let find = || async {
                    let path = format!("/services?name={}", crate::url::encode(&w.name));
                    let v = self.again(Method::Get, &path, None).await?;
                    let found = v
                        .get("services")
                        .and_then(Value::as_array)
                        .and_then(|a| {
                            a.iter().find(|s| {
                                json::string(s, "name").as_deref() == Some(w.name.as_str())
                            })
                        })
                        .cloned();
                    Ok(found.map(|s| json!({ "service": s })))
                };
                let (v, adopted) = self
                    .create_once("/services", body, find)
                    .await
                    .map_err(|e| explain("creating the service", &e))?;
                let s = v.get("service").cloned().unwrap_or_default();
                let id = json::string(&s, "id").unwrap_or_default();
                let policy = s
                    .get("escalation_policy")
                    .and_then(|p| json::string(p, "id"));
                if adopted && policy.as_deref() != Some(w.policy_id.as_str()) {
                    return Err(RowError {
                        step: "creating the service".into(),
                        pagerduty: "Name has already been taken".into(),
                        plain: format!("A service named {} already exists ({id}) with another escalation policy; rename the row or change that service.", w.name),
                    });
                }
                r.ids.push(format!("service {id}"));
                if adopted {
                    let path = format!("/services/{}", crate::url::encode(&id));
                    self.again(Method::Put, &path, Some(body))
                        .await
                        .map_err(|e| {
                            explain("setting the row's fields on the service found", &e)
                        })?;
                    r.found = true;
                    r.did.push(format!(
                        "found existing service {id} and set the row's fields"
                    ));
                } else {
                    r.did
                        .push(format!("created service {id}{}", urgency_words(body)));
                }
                id
            }
        };
        // Right after the service, whatever Cancel says meanwhile: a service made without
        // its integration would plan as unchanged next time (the default is for new ones).
        if w.integration {
            self.integration(&id, &w.name, w.id.is_none(), r).await?;
        }
        Ok(Ended::Finished)
    }
}

/// ", urgency severity_based" when the write sets the service's urgency, for the report.
fn urgency_words(body: &Value) -> String {
    body.pointer("/service/incident_urgency_rule/urgency")
        .and_then(Value::as_str)
        .map(|u| format!(", urgency {u}"))
        .unwrap_or_default()
}
