//! One user row's steps: the user (created or adopted, or updated), contact methods,
//! notification rules, then teams, each step paced and checked before it is retried by the
//! [`Runner`] it runs on.

use super::account::{AUser, Cm, NRule};
use super::work::UserWork;
use super::Contact;
use crate::api::ApiError;
use crate::bulk::run::{explain, Ended, Method, RowError, RowResult, Runner, Transport};
use crate::json::{self, FromJson};
use serde_json::{json, Value};

impl<'a, T: Transport> Runner<'a, T> {
    async fn find_user(&self, email: &str) -> Result<Option<Value>, ApiError> {
        let path = format!("/users?query={}&limit=100", crate::url::encode(email));
        let v = self.again(Method::Get, &path, None).await?;
        Ok(v.get("users")
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter().find(|u| {
                    json::string(u, "email").is_some_and(|e| e.eq_ignore_ascii_case(email))
                })
            })
            .cloned())
    }

    async fn contact_methods(&self, uid: &str) -> Result<Vec<Cm>, ApiError> {
        let v = self
            .again(
                Method::Get,
                &format!("/users/{}/contact_methods", crate::url::encode(uid)),
                None,
            )
            .await?;
        Ok(json::list(&v, "contact_methods"))
    }

    async fn rules(&self, uid: &str) -> Result<Vec<NRule>, ApiError> {
        let v = self
            .again(
                Method::Get,
                &format!("/users/{}/notification_rules", crate::url::encode(uid)),
                None,
            )
            .await?;
        Ok(json::list(&v, "notification_rules"))
    }

    /// One user row, step by step. `team_id` gives a team's id by name.
    pub(crate) async fn user(
        &self,
        w: &UserWork,
        team_id: &dyn Fn(&str) -> Result<String, RowError>,
        r: &mut RowResult,
    ) -> Result<Ended, RowError> {
        fn step(s: &str) -> impl Fn(ApiError) -> RowError + '_ {
            move |e| explain(s, &e)
        }
        if !self.go_on().await {
            return Ok(Ended::Stopped);
        }
        let uid = match (&w.id, &w.create) {
            (Some(id), _) => id.clone(),
            (None, Some(body)) => {
                let role = body.pointer("/user/role").and_then(Value::as_str);
                let licence = super::licence_kind(role).0;
                if self.licences_out.borrow().contains(&licence) {
                    return Err(RowError {
                        step: "creating the user".into(),
                        pagerduty: "License is not available".into(),
                        plain: format!("Not tried: PagerDuty answered \"License is not available\" to an earlier create in this run, and this user needs a {licence} licence too. Free one (a stakeholder role frees a Full User licence) or buy more, then import the failed rows again."),
                    });
                }
                // Take one of the licences the plan counted free, if it counted them.
                let counted = {
                    let mut left = self.licences_left.borrow_mut();
                    match left.iter_mut().find(|(k, _)| *k == licence) {
                        Some((_, 0)) => {
                            return Err(RowError {
                                step: "creating the user".into(),
                                pagerduty: String::new(),
                                plain: format!("Not tried: the plan counted the free {licence} licences, and earlier rows of this run took them all. Free one (a stakeholder role frees a Full User licence) or buy more, then import the failed rows again."),
                            })
                        }
                        Some((_, n)) => {
                            *n -= 1;
                            true
                        }
                        None => false,
                    }
                };
                let created = self
                    .create_once("/users", body, || async {
                        Ok(self
                            .find_user(&w.email)
                            .await?
                            .map(|u| json!({ "user": u })))
                    })
                    .await;
                match &created {
                    Err(ApiError::BadRequest(m)) if m.contains("License is not available") => {
                        self.licences_out.borrow_mut().push(licence);
                    }
                    // Not made: the licence it took is free again.
                    Err(_) if counted => {
                        if let Some((_, n)) = self
                            .licences_left
                            .borrow_mut()
                            .iter_mut()
                            .find(|(k, _)| *k == licence)
                        {
                            *n += 1;
                        }
                    }
                    _ => {}
                }
                let (v, adopted) = created.map_err(step("creating the user"))?;
                let id = v
                    .get("user")
                    .and_then(|u| json::string(u, "id"))
                    .ok_or_else(|| {
                        explain(
                            "creating the user",
                            &ApiError::Malformed {
                                endpoint: "/users".into(),
                                detail: "no user id".into(),
                            },
                        )
                    })?;
                if adopted {
                    // Only a user whose fields already are the row's is taken as this row's
                    // (one an earlier try of this create made, its answer lost). Anyone else
                    // existed beyond the plan's read or came after it: writing the row's
                    // fields, role included, to them could demote or rename an admin.
                    let found = v.get("user").cloned().unwrap_or_default();
                    if !same_user(&found, body) {
                        return Err(RowError {
                            step: "creating the user".into(),
                            pagerduty: "Email has already been taken".into(),
                            plain: format!("A user with this e-mail exists now ({id}) and is not as the row describes; nothing was written to them. Plan again to see the change."),
                        });
                    }
                    r.found = true;
                    r.did.push(format!(
                        "found user {id}, already as the row describes (an earlier try made it)"
                    ));
                } else {
                    r.did.push(format!("created user {id}"));
                }
                id
            }
            (None, None) => return Ok(Ended::Finished),
        };
        if r.ids.is_empty() {
            r.ids.push(format!("user {uid}"));
        }
        let user_path = format!("/users/{}", crate::url::encode(&uid));
        if let Some(body) = &w.update {
            if !self.go_on().await {
                return Ok(Ended::Stopped);
            }
            self.again(Method::Put, &user_path, Some(body))
                .await
                .map_err(step("updating the user"))?;
            r.did.push("updated the user".into());
        }
        if !w.contacts.is_empty() || !w.rules.is_empty() {
            let mut have = self
                .contact_methods(&uid)
                .await
                .map_err(step("reading contact methods"))?;
            for c in &w.contacts {
                if !self.go_on().await {
                    return Ok(Ended::Stopped);
                }
                if have.iter().any(|x| x.same(c)) {
                    continue;
                }
                let cm = self.add_contact(&uid, c).await.map_err(step(&format!(
                    "adding {} {}",
                    c.channel.word(),
                    c.display()
                )))?;
                r.did
                    .push(format!("added {} {}", c.channel.word(), c.display()));
                r.ids.push(format!("{} {}", c.channel.word(), cm.id));
                have.push(cm);
            }
            if !w.rules.is_empty() {
                let mut user = AUser {
                    id: uid.clone(),
                    email: w.email.clone(),
                    contacts: have,
                    rules: self
                        .rules(&uid)
                        .await
                        .map_err(step("reading notification rules"))?,
                    ..Default::default()
                };
                for rule in &w.rules {
                    if !self.go_on().await {
                        return Ok(Ended::Stopped);
                    }
                    if user.has_rule(rule, &w.wanted) {
                        continue;
                    }
                    let what = format!(
                        "adding the rule {} after {} min",
                        rule.channel.word(),
                        rule.delay
                    );
                    let Some(cm) = user.target(rule.channel, &w.wanted).cloned() else {
                        return Err(RowError {
                            step: what,
                            pagerduty: String::new(),
                            plain: format!(
                                "The user has no {} contact method for this rule to use.",
                                rule.channel.word()
                            ),
                        });
                    };
                    let body = json!({"notification_rule": {
                        "type": "assignment_notification_rule",
                        "start_delay_in_minutes": rule.delay,
                        "contact_method": {"id": cm.id, "type": cm.channel.api_type()},
                        "urgency": "high",
                    }});
                    let path = format!("{user_path}/notification_rules");
                    let (v, _) = self
                        .create_once(&path, &body, || async {
                            let rules = self.rules(&uid).await?;
                            Ok(rules
                                .into_iter()
                                .find(|x| x.cm_id == cm.id && x.delay == rule.delay && x.urgency == "high")
                                .map(|x| json!({"notification_rule": {"id": x.id, "start_delay_in_minutes": x.delay, "urgency": x.urgency, "contact_method": {"id": x.cm_id}}})))
                        })
                        .await
                        .map_err(step(&what))?;
                    if let Some(nr) = v.get("notification_rule").and_then(NRule::from_json) {
                        r.ids.push(format!("rule {}", nr.id));
                        user.rules.push(nr);
                    }
                    r.did.push(format!(
                        "added rule {} after {} min",
                        rule.channel.word(),
                        rule.delay
                    ));
                }
            }
        }
        // Joins, then new roles in teams the user is in: the same PUT.
        let joins = w.teams.iter().map(|t| (t, true));
        for ((team, role), join) in joins.chain(w.roles.iter().map(|t| (t, false))) {
            if !self.go_on().await {
                return Ok(Ended::Stopped);
            }
            let tid = team_id(team)?;
            let path = format!(
                "/teams/{}/users/{}",
                crate::url::encode(&tid),
                crate::url::encode(&uid)
            );
            let what = if join {
                format!("adding to team {team}")
            } else {
                format!("setting the role in team {team}")
            };
            self.again(Method::Put, &path, Some(&json!({ "role": role })))
                .await
                .map_err(step(&what))?;
            r.ids.push(format!("team {tid}"));
            r.did.push(if join {
                format!("joined team {team} as {role}")
            } else {
                format!("set the role in team {team} to {role}")
            });
        }
        Ok(Ended::Finished)
    }

    async fn add_contact(&self, uid: &str, c: &Contact) -> Result<Cm, ApiError> {
        let mut cm = vec![
            ("type", json!(c.channel.api_type())),
            ("label", json!(c.channel.label())),
            ("address", json!(c.address)),
        ];
        if let Some(cc) = c.country_code {
            cm.push(("country_code", json!(cc)));
        }
        let body = json!({ "contact_method": json::object(cm) });
        let path = format!("/users/{}/contact_methods", crate::url::encode(uid));
        let (v, _) = self
            .create_once(&path, &body, || async {
                let have = self.contact_methods(uid).await?;
                Ok(have.into_iter().find(|x| x.same(c)).map(|x| {
                    json!({"contact_method": {"id": x.id, "type": x.channel.api_type(), "address": x.address, "country_code": x.country_code}})
                }))
            })
            .await?;
        v.get("contact_method")
            .and_then(Cm::from_json)
            .ok_or(ApiError::Malformed {
                endpoint: path,
                detail: "no contact method in the answer".into(),
            })
    }
}

/// Whether `found` (a user as PagerDuty lists it) already has every field the create `body`
/// sets: then it is this row's user, made by an earlier try whose answer was lost.
fn same_user(found: &Value, body: &Value) -> bool {
    let Some(fields) = body.get("user").and_then(Value::as_object) else {
        return false;
    };
    fields
        .iter()
        .filter(|(k, _)| k.as_str() != "type")
        .all(|(k, want)| match (k.as_str(), found.get(k)) {
            ("email", Some(have)) => have
                .as_str()
                .zip(want.as_str())
                .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b)),
            (_, Some(have)) => have == want,
            (_, None) => false,
        })
}
