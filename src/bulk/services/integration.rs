//! A service row's Events API v2 integration (reference §11): made once, right after the
//! service, and its routing key read back. PagerDuty does not make integration names unique,
//! so a retried create would make a second integration with a second key: after a lost
//! answer the service's integrations are read and the one pdscope made is adopted. A service
//! just made may not be visible yet: its integration create is retried on 400 or 404 for
//! about two minutes, as Terraform's provider does.

use super::keys::{self, Key, RoutingKey};
use crate::api::ApiError;
use crate::bulk::run::{explain, Method, RowError, RowResult, Runner, Transport, VISIBILITY_TRIES};
use crate::json;
use serde_json::json;

/// How long a new service's integration create (and its key's read) is retried while
/// PagerDuty does not see the service (or the integration) yet.
pub const NOT_VISIBLE_MS: f64 = 120_000.0;

const STEP: &str = "adding integration Events API v2";

impl<'a, T: Transport> Runner<'a, T> {
    /// Adds the Events API v2 integration to `service_id` (named `service`) and keeps its
    /// key in `r.keys`. `fresh`: the row has just created the service.
    pub(crate) async fn integration(
        &self,
        service_id: &str,
        service: &str,
        fresh: bool,
        r: &mut RowResult,
    ) -> Result<(), RowError> {
        let made = |e: &ApiError| {
            let mut e = explain(STEP, e);
            if fresh {
                e.plain = format!("{} The service was made without it: write events_api_v2 in the row's integration cell, then import the failed rows again.", e.plain);
            }
            e
        };
        if service_id.is_empty() {
            return Err(made(&ApiError::Malformed {
                endpoint: "/services".into(),
                detail: "no service id".into(),
            }));
        }
        let sid = crate::url::encode(service_id);
        let read = format!("/services/{sid}?include%5B%5D=integrations");
        // The integration pdscope made on the service, read `tries` more times with back-off
        // when not listed yet (PagerDuty lists writes late).
        let find = |tries: u32| {
            let read = read.clone();
            async move {
                for attempt in 0..=tries {
                    if attempt > 0 {
                        self.back_off(attempt, &ApiError::NotFound(String::new()))
                            .await;
                    }
                    let v = self.again(Method::Get, &read, None).await?;
                    if let Some(i) = v.get("service").and_then(keys::made_by_pdscope) {
                        return Ok(Some(json!({ "integration": i })));
                    }
                }
                Ok(None)
            }
        };
        // A service adopted after a lost answer may have it already.
        let before = if r.found {
            find(0).await.map_err(|e| made(&e))?
        } else {
            None
        };
        let path = format!("/services/{sid}/integrations");
        let body = keys::create_body(service_id);
        let start = self.now_ms();
        let mut attempt = 0;
        let (v, adopted) = match before {
            Some(v) => (v, true),
            None => loop {
                match self
                    .create_once(&path, &body, || find(VISIBILITY_TRIES))
                    .await
                {
                    Err(e @ (ApiError::BadRequest(_) | ApiError::NotFound(_)))
                        if fresh && self.now_ms() - start < NOT_VISIBLE_MS =>
                    {
                        attempt += 1;
                        self.back_off(attempt, &e).await;
                    }
                    other => break other.map_err(|e| made(&e))?,
                }
            },
        };
        let i = v.get("integration").cloned().unwrap_or_default();
        let Some(iid) = json::string(&i, "id") else {
            return Err(made(&ApiError::Malformed {
                endpoint: path,
                detail: "no integration id".into(),
            }));
        };
        r.ids.push(format!("integration {iid}"));
        r.did.push(if adopted {
            format!(
                "found integration {} {iid} (made by an earlier try)",
                keys::NAME
            )
        } else {
            format!("added integration {} {iid}", keys::NAME)
        });
        let key = match json::string(&i, "integration_key") {
            Some(k) => k,
            None => self.key(service_id, &iid, start).await.map_err(|e| {
                let mut e = explain("reading the routing key", &e);
                e.plain = format!("The integration {iid} was made, but its routing key could not be read: use Export routing keys on the Services page to get it. {}", e.plain);
                e
            })?,
        };
        r.keys.push(RoutingKey {
            service: service.to_string(),
            service_id: service_id.to_string(),
            integration: keys::NAME.to_string(),
            integration_id: iid,
            key: Key::new(key),
        });
        Ok(())
    }

    /// The routing key of integration `iid` (`GET /services/{id}/integrations/{iid}`), read
    /// again while PagerDuty does not find the new integration yet.
    async fn key(&self, service_id: &str, iid: &str, start: f64) -> Result<String, ApiError> {
        let path = format!(
            "/services/{}/integrations/{}",
            crate::url::encode(service_id),
            crate::url::encode(iid)
        );
        let mut attempt = 0;
        loop {
            match self.again(Method::Get, &path, None).await {
                Ok(v) => {
                    let key = v
                        .get("integration")
                        .and_then(|i| json::string(i, "integration_key"))
                        .filter(|k| !k.is_empty());
                    return key.ok_or_else(|| ApiError::Malformed {
                        endpoint: path,
                        detail: "no integration_key".into(),
                    });
                }
                Err(e @ ApiError::NotFound(_)) if self.now_ms() - start < NOT_VISIBLE_MS => {
                    attempt += 1;
                    self.back_off(attempt, &e).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
