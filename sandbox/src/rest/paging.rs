//! Lists: the parameters every list and read takes (`limit`, `offset`, `total`, `query`,
//! `team_ids[]`, `include[]`, `sort_by`), checked with PagerDuty's error texts, classic
//! offset pagination of the answer, and the values of any other parameter.

use crate::data::Dataset;
use crate::error::ApiError;
use axum::Json;
use serde_json::{json, Value};

/// PagerDuty refuses `offset + limit` above this.
pub const OFFSET_CEILING: i64 = 10_000;

/// Parsed list parameters.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub limit: i64,
    pub offset: i64,
    pub total: bool,
    pub query: Option<String>,
    pub team_ids: Vec<String>,
    pub include: Vec<String>,
    pub sort_desc: bool,
    /// `name`: the exact name (`/services`).
    pub name: Option<String>,
    /// `time_zone` (`/services`).
    pub time_zone: Option<String>,
}

impl ListQuery {
    /// Reads the query string: `includes` are the `include[]` values the endpoint accepts,
    /// `sorts` its `sort_by` fields (none: `sort_by` is ignored, as other unknown parameters).
    pub fn parse(
        raw: Option<String>,
        includes: &[&str],
        sorts: &[&str],
    ) -> Result<ListQuery, ApiError> {
        let mut q = ListQuery {
            limit: 25,
            ..Default::default()
        };
        for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match k.as_ref() {
                "limit" => q.limit = parse_number("limit", &v)?,
                "offset" => q.offset = parse_number("offset", &v)?,
                "total" => q.total = v == "true",
                "query" => q.query = Some(v.to_lowercase()).filter(|s| !s.is_empty()),
                "name" => q.name = Some(v.to_string()),
                "time_zone" => q.time_zone = Some(v.to_string()),
                "team_ids[]" | "team_ids" => q.team_ids.push(v.to_string()),
                "include[]" | "include" => {
                    if !includes.contains(&v.as_ref()) {
                        return Err(ApiError::InvalidInput(format!(
                            "include[] does not accept \"{v}\"; allowed: {}.",
                            includes.join(", ")
                        )));
                    }
                    q.include.push(v.to_string());
                }
                // Endpoints without sort_by in PagerDuty's spec ignore it, as other unknown
                // parameters.
                "sort_by" if !sorts.is_empty() => {
                    let (field, dir) = v.split_once(':').unwrap_or((&v, "asc"));
                    if !sorts.contains(&field) || !["asc", "desc"].contains(&dir) {
                        return Err(ApiError::InvalidInput(format!(
                            "sort_by does not accept \"{v}\"."
                        )));
                    }
                    q.sort_desc = dir == "desc";
                }
                _ => {}
            }
        }
        if q.limit < 1 {
            return Err(ApiError::InvalidInput("limit must be at least 1.".into()));
        }
        q.limit = q.limit.min(100);
        if q.offset < 0 {
            return Err(ApiError::InvalidInput(
                "offset must not be negative.".into(),
            ));
        }
        if q.offset.saturating_add(q.limit) > OFFSET_CEILING {
            // PagerDuty's answer, seen on /incidents (faros-ai/airbyte-connectors#991,
            // apache/devlake#5107, cloudquery/cloudquery#12750); that /services and /users word
            // it the same is assumed. Another wording, "Offset must be less than …", is also
            // matched by that connector (the check #991 extends); when PagerDuty uses which is
            // unknown.
            return Err(ApiError::ArgumentsCausedError(format!(
                "Offset+limit exceeds maximum allowed value of {OFFSET_CEILING}. Please try to refine your search to reduce the returned set of records below this number, like adding a date range."
            )));
        }
        Ok(q)
    }

    /// Whether an object on `teams` passes the `team_ids[]` filter (none given: everything).
    pub fn in_teams(&self, data: &Dataset, teams: &[usize]) -> bool {
        self.team_ids.is_empty()
            || data
                .team_ids(teams)
                .iter()
                .any(|t| self.team_ids.contains(t))
    }

    /// The page of `rows` the query asks for, under `key`, with PagerDuty's `limit`,
    /// `offset`, `more` and `total` (null unless `total=true`).
    pub fn page<T>(&self, rows: Vec<T>, key: &str, render: impl Fn(&T) -> Value) -> Json<Value> {
        let total = rows.len();
        let start = (self.offset as usize).min(total);
        let end = (start + self.limit as usize).min(total);
        let items: Vec<Value> = rows[start..end].iter().map(render).collect();
        Json(json!({
            key: items,
            "limit": self.limit, "offset": self.offset, "more": end < total,
            "total": if self.total { json!(total) } else { Value::Null },
        }))
    }
}

/// Every value of `key` in a query string, as `key[]=…` or `key=…` (`user_ids[]`, …).
pub fn values(raw: &Option<String>, key: &str) -> Vec<String> {
    let bracketed = format!("{key}[]");
    form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == key || *k == bracketed)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// The first value of `key` in a query string.
pub fn value(raw: &Option<String>, key: &str) -> Option<String> {
    values(raw, key).into_iter().next()
}

fn parse_number(name: &str, v: &str) -> Result<i64, ApiError> {
    v.trim()
        .parse::<i64>()
        .map_err(|_| ApiError::InvalidInput(format!("{name} must be an integer, not \"{v}\".")))
}
