//! Teams: `GET` and `POST /teams`, `GET /teams/{id}`, `GET /teams/{id}/members`, and
//! membership with `PUT` and `DELETE /teams/{id}/users/{user_id}` (refused while a policy of
//! the team names the user, reference §10.6).

use super::abilities::require_ability;
use super::body::{invalid, name_field, string_field, Body, Payload};
use super::caller::Caller;
use super::paging::ListQuery;
use crate::data::Team;
use crate::error::ApiError;
use crate::options::{FixedTeamRoles, TeamRemovalBlock};
use crate::state::Shared;
use crate::timing::Timing;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Value};

/// The routes of teams and their members.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/teams", get(list_teams).post(create_team))
        .route(
            "/teams/{id}/users/{user_id}",
            put(add_team_member).delete(remove_team_member),
        )
        .route("/teams/{id}", get(get_team))
        .route("/teams/{id}/members", get(list_members))
}

impl Payload for Team {
    const KEY: Option<&'static str> = Some("team");
}

/// The body of `PUT /teams/{id}/users/{user_id}`: `{"role":…}`, optional.
struct Membership;

impl Payload for Membership {
    const KEY: Option<&'static str> = None;
}

async fn list_teams(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("teams.read")?;
    require_ability(&sb.options, "teams")?;
    let q = ListQuery::parse(raw, &[], &[])?;
    let rows: Vec<usize> = (0..data.teams.len())
        .filter(|t| {
            q.query
                .as_ref()
                .is_none_or(|n| data.teams[*t].name.to_lowercase().contains(n))
        })
        .collect();
    let api = sb.options.api_url();
    Ok(q.page(rows, "teams", |t| data.team_json(&api, *t, true)))
}

async fn get_team(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("teams.read")?;
    require_ability(&sb.options, "teams")?;
    let t = data.team_index(&id).ok_or(ApiError::NotFound)?;
    Ok(Json(
        json!({"team": data.team_json(&sb.options.api_url(), t, true)}),
    ))
}

/// `GET /teams/{id}/members`: `{"members":[{"user":…,"role":…}]}`, classic paging.
async fn list_members(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("teams.read")?;
    require_ability(&sb.options, "teams")?;
    let t = data.team_index(&id).ok_or(ApiError::NotFound)?;
    let q = ListQuery::parse(raw, &["users"], &[])?;
    let api = sb.options.api_url();
    let full = q.include.iter().any(|i| i == "users");
    let (team, now) = (&data.teams[t].id, sb.now());
    let rows: Vec<_> = data
        .members(t)
        .into_iter()
        .filter(|(u, _)| {
            sb.timing
                .visible(&Timing::key("member", &[team, &u.id]), now)
        })
        .collect();
    Ok(q.page(rows, "members", |(u, role)| {
        let user = if full {
            data.user_json(&api, u, &[])
        } else {
            data.user_reference(&api, u)
        };
        json!({"user": user, "role": role})
    }))
}

/// `POST /teams`: 201 with the team; names are unique.
async fn create_team(
    State(sb): State<Shared>,
    caller: Caller,
    body: Result<Body<Team>, ApiError>,
) -> Result<Response, ApiError> {
    caller.require_write("teams.write")?;
    caller.require_manager_role()?;
    require_ability(&sb.options, "teams")?;
    let m = body?.fields;
    let mut data = sb.data_mut();
    let name = name_field(&m, 100)?;
    if data.team_name_taken(&name) {
        return Err(invalid("Name has already been taken"));
    }
    let team = Team {
        id: data.new_id(),
        name,
        description: string_field(&m, "description")?,
    };
    data.teams.push(team);
    let v = data.team_json(&sb.options.api_url(), data.teams.len() - 1, true);
    Ok((StatusCode::CREATED, Json(json!({ "team": v }))).into_response())
}

/// The team role a base role always has on PagerDuty: managers for admins and the owner,
/// observers for stakeholders (reference §12.2).
fn fixed_team_role(base_role: &str) -> Option<&'static str> {
    match base_role {
        "owner" | "admin" => Some("manager"),
        "read_only_user" | "read_only_limited_user" => Some("observer"),
        _ => None,
    }
}

/// `PUT /teams/{id}/users/{user_id}`: adds the user (or changes their role), 204. A
/// `read_only_user` cannot be on a team (spec); a fixed base role keeps its team role
/// (`--fixed-team-roles`).
async fn add_team_member(
    State(sb): State<Shared>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
    body: Result<Body<Membership>, ApiError>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("teams.write")?;
    caller.require_manager_role()?;
    require_ability(&sb.options, "teams")?;
    let mut data = sb.data_mut();
    let t = data.team_index(&id).ok_or(ApiError::NotFound)?;
    let at = data.user_index(&user_id).ok_or(ApiError::NotFound)?;
    let role = match body?.fields.get("role") {
        None | Some(Value::Null) => None,
        Some(r) => Some(
            ["observer", "responder", "manager"]
                .into_iter()
                .find(|k| r.as_str() == Some(*k))
                .ok_or_else(|| invalid("Role must be one of observer, responder, manager"))?,
        ),
    };
    let user = &mut data.users[at];
    if user.role == "read_only_user" {
        return Err(invalid("A read_only_user cannot be added to a team"));
    }
    let role = match (fixed_team_role(user.role), role) {
        (Some(fixed), Some(asked)) if asked != fixed => match sb.options.fixed_team_roles {
            FixedTeamRoles::Refuse => {
                return Err(invalid(format!(
                    "Team role {asked} cannot be given to a user whose base role is {}: it is always {fixed}",
                    user.role
                )))
            }
            FixedTeamRoles::Ignore => fixed,
        },
        (Some(fixed), _) => fixed,
        (None, asked) => asked.unwrap_or("manager"),
    };
    let key = Timing::key("member", &[&id, &user_id]);
    match user.teams.iter().position(|x| *x == t) {
        Some(k) => user.team_roles[k] = role,
        None => {
            user.teams.push(t);
            user.team_roles.push(role);
            sb.timing.written(key, sb.now());
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// PagerDuty's 400 text while a policy of the team names the user (reference §10.6).
pub const TEAM_REMOVAL_TEXT: &str =
    "User cannot be removed as they belong to an escalation policy on this team";

/// `DELETE /teams/{id}/users/{user_id}`: 204; a user not on the team is 404; 400 while an
/// escalation policy of the team names them (`--team-removal-blocked-by`).
async fn remove_team_member(
    State(sb): State<Shared>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("teams.write")?;
    caller.require_manager_role()?;
    require_ability(&sb.options, "teams")?;
    let mut data = sb.data_mut();
    let t = data.team_index(&id).ok_or(ApiError::NotFound)?;
    let at = data.user_index(&user_id).ok_or(ApiError::NotFound)?;
    let k = data.users[at]
        .teams
        .iter()
        .position(|x| *x == t)
        .ok_or(ApiError::NotFound)?;
    let schedules = sb.options.team_removal_blocked_by == TeamRemovalBlock::TargetsAndSchedules;
    if data.team_policy_names(t, at, schedules, sb.now_secs()) {
        return Err(invalid(TEAM_REMOVAL_TEXT));
    }
    let user = &mut data.users[at];
    user.teams.remove(k);
    user.team_roles.remove(k);
    Ok(StatusCode::NO_CONTENT)
}
