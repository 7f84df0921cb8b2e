//! The users planner: each checked user row against the account's users, teams and team
//! members becomes create, update, add, unchanged or error, with the changes in words and the
//! writes the run will make.

use super::account::AUser;
use super::work::UserWork;
use super::{Channel, UserSpec};
use crate::bulk::account::Account;
use crate::bulk::check::{Checked, Problem};
use crate::bulk::kind::Kind;
use crate::bulk::plan::{error_row, plan_lines, Action, Options, Plan, RowPlan, Work};
use crate::json;
use serde_json::json;

/// PagerDuty's limit of contact methods a user.
const MAX_CONTACTS: usize = 10;

/// Plans a users file.
pub fn users(checked: &Checked<UserSpec>, account: &Account, opts: Options) -> Plan {
    let mut new_teams: Vec<String> = Vec::new();
    // 10,000 rows against 10,000 users: look people up by e-mail in a map, not a scan.
    let by_email: std::collections::HashMap<String, &AUser> = account
        .users
        .iter()
        .map(|u| (u.email.to_lowercase(), u))
        .collect();
    let rows = plan_lines(checked, |line, spec| {
        let mut problems = Vec::new();
        for (team, _) in &spec.teams {
            if account.team_by_name(team).is_none() {
                if opts.create_teams {
                    if !new_teams.iter().any(|t| t.eq_ignore_ascii_case(team)) {
                        new_teams.push(team.clone());
                    }
                } else {
                    problems.push(Problem::new(
                            "teams",
                            format!("there is no team named {team}; create it in PagerDuty or turn on \"Create missing teams\""),
                        ));
                }
            }
        }
        let existing = by_email.get(&spec.email.to_lowercase()).copied();
        problems.extend(ability_problems(spec, existing, account));
        if let Some(u) = existing {
            if u.role == "owner" && spec.role.as_deref().is_some_and(|r| r != "owner") {
                problems.push(Problem::new(
                        "role",
                        "this is the Account Owner, whose role cannot be changed through the API; leave role empty for this row",
                    ));
            }
        }
        if !problems.is_empty() {
            return error_row(line.line, &line.key, problems);
        }
        // Team roles PagerDuty fixes for the person's role: the plan uses the fixed one, so a
        // re-run never shows a change PagerDuty will never make, and says so where the file
        // asked otherwise.
        let user_role = spec.role.as_deref().or(existing.map(|u| u.role.as_str()));
        let fixed = user_role.and_then(super::fixed_team_role);
        let mut notes = Vec::new();
        let fixed_spec;
        let spec = match fixed {
            Some(f) if spec.teams.iter().any(|(_, r)| r != f) => {
                let mut s = spec.clone();
                for (name, r) in &mut s.teams {
                    if spec.team_roles_given && r != f {
                        notes.push(format!(
                            "team {name}: {f}, not {r} (PagerDuty always makes a {} a team {f})",
                            crate::models::role_label(user_role.unwrap_or_default())
                        ));
                    }
                    *r = f.to_string();
                }
                fixed_spec = s;
                &fixed_spec
            }
            _ => spec,
        };
        let mut row = user_row(line.line, &line.key, spec, existing, account);
        if row.writes() > 0 {
            let cells = [
                ("name", Some(spec.name.as_str())),
                ("job_title", spec.job_title.as_deref()),
                ("description", spec.description.as_deref()),
            ];
            notes.extend(crate::bulk::plan::formula_note(&cells));
        }
        if row.action != Action::Error {
            notes.append(&mut row.changes);
            row.changes = notes;
        }
        row
    });
    // The teams the rows join or change a role in, as read, in the account's order: the run
    // looks names up in them as the plan did (two names may differ only in case).
    let mut named = std::collections::BTreeSet::new();
    for r in &rows {
        let Work::User(w) = &r.work else { continue };
        for (name, _) in w.teams.iter().chain(&w.roles) {
            if let Some(t) = account.team_by_name(name) {
                named.insert(t.id.as_str());
            }
        }
    }
    let teams: Vec<crate::bulk::account::Named> = account
        .teams
        .iter()
        .filter(|t| named.contains(t.id.as_str()))
        .cloned()
        .collect();
    let notes = licence_notes(&rows, &checked.rows, account);
    let licences_free = super::LICENCE_KINDS
        .into_iter()
        .filter_map(|(kind, role)| Some((kind, account.licences_free(role)?)))
        .collect();
    Plan {
        kind: Kind::Users,
        rows,
        new_teams,
        teams,
        notes,
        licences_free,
    }
}

fn user_row(
    line: u64,
    key: &str,
    spec: &UserSpec,
    existing: Option<&AUser>,
    account: &Account,
) -> RowPlan {
    let mut changes = Vec::new();
    let (id, create, update, contacts, rules, teams);
    let mut roles = Vec::new();
    match existing {
        None => {
            let mut body = vec![
                ("type", json!("user")),
                ("name", json!(spec.name)),
                ("email", json!(spec.email)),
            ];
            for (k, v) in [
                ("role", &spec.role),
                ("job_title", &spec.job_title),
                ("time_zone", &spec.time_zone),
                ("description", &spec.description),
            ] {
                if let Some(v) = v {
                    body.push((k, json!(v)));
                }
            }
            changes.push(format!(
                "create {} <{}>{}",
                spec.name,
                spec.email,
                spec.role
                    .as_deref()
                    .map(|r| format!(" as {}", crate::models::role_label(r)))
                    .unwrap_or_default()
            ));
            id = None;
            create = Some(json!({ "user": json::object(body) }));
            update = None;
            contacts = spec.contacts.clone();
            rules = spec.rules.clone();
            teams = spec.teams.clone();
        }
        Some(u) => {
            let mut body = Vec::new();
            let mut field = |k: &'static str, old: Option<String>, new: &Option<String>| {
                if let Some(n) = new {
                    if old.as_deref() != Some(n.as_str()) {
                        // Roles in the words PagerDuty's web app uses.
                        let words = |v: &str| {
                            if k == "role" {
                                crate::models::role_label(v).to_string()
                            } else {
                                v.to_string()
                            }
                        };
                        changes.push(format!(
                            "{k}: {} → {}",
                            old.as_deref().map_or("(empty)".into(), words),
                            words(n)
                        ));
                        body.push((k, json!(n)));
                    }
                }
            };
            field("name", Some(u.name.clone()), &Some(spec.name.clone()));
            field("role", Some(u.role.clone()), &spec.role);
            field("job_title", u.job_title.clone(), &spec.job_title);
            field("time_zone", u.time_zone.clone(), &spec.time_zone);
            field("description", u.description.clone(), &spec.description);
            id = Some(u.id.clone());
            create = None;
            update = (!body.is_empty()).then(|| {
                body.insert(0, ("type", json!("user")));
                json!({ "user": json::object(body) })
            });
            contacts = spec
                .contacts
                .iter()
                .filter(|c| !u.contacts.iter().any(|x| x.same(c)))
                .cloned()
                .collect();
            rules = spec
                .rules
                .iter()
                .filter(|r| !u.has_rule(r, &spec.contacts))
                .copied()
                .collect();
            teams = spec
                .teams
                .iter()
                .filter(|(name, _)| {
                    account
                        .team_by_name(name)
                        .is_none_or(|t| !u.teams.contains(&t.id))
                })
                .cloned()
                .collect();
            // A membership the user has gets the row's role only when the row wrote one (the
            // default role never demotes anybody), and only when its role was read.
            if spec.team_roles_given {
                for (name, role) in &spec.teams {
                    let Some(t) = account.team_by_name(name) else {
                        continue;
                    };
                    match account.member_role(&t.id, &u.id) {
                        Some(old) if u.teams.contains(&t.id) && old != role => {
                            changes.push(format!("team {name} role: {old} → {role}"));
                            roles.push((name.clone(), role.clone()));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    // PagerDuty keeps at most 10 contact methods a user, push and WhatsApp ones included.
    if let Some(u) = existing {
        let total = u.contacts.len() + u.other_contacts + contacts.len();
        if !contacts.is_empty() && total > MAX_CONTACTS {
            return error_row(
                line,
                key,
                vec![Problem::new(
                    "",
                    format!(
                        "{} has {} contact methods ({} of them push or WhatsApp), and this row adds {}: PagerDuty keeps at most {MAX_CONTACTS}; remove some in PagerDuty or from the row",
                        u.email,
                        u.contacts.len() + u.other_contacts,
                        u.other_contacts,
                        contacts.len()
                    ),
                )],
            );
        }
    }
    for c in &contacts {
        changes.push(format!("add {} {}", c.channel.word(), c.display()));
        // A number no rule uses never pages (notify's defaults cover the channels a row has,
        // unless the row names its own rules or none).
        if c.channel != Channel::Email && !rules.iter().any(|r| r.channel == c.channel) {
            changes.push(format!(
                "warning: no notification rule will use {} {}, so it will never page; add {}:0 to notify",
                c.channel.word(),
                c.display(),
                c.channel.word()
            ));
        }
    }
    for r in &rules {
        changes.push(format!(
            "add rule: {} after {} min",
            r.channel.word(),
            r.delay
        ));
    }
    // PagerDuty refuses to add a Full Stakeholder to a team, and setting a member's role is
    // the same request (an existing membership, from before a role change, is left alone).
    let role = spec.role.as_deref().or(existing.map(|u| u.role.as_str()));
    if role == Some("read_only_user") && !(teams.is_empty() && roles.is_empty()) {
        let (column, what) = if teams.is_empty() {
            ("team_roles", "given a team role")
        } else {
            ("teams", "added to a team")
        };
        return error_row(
            line,
            key,
            vec![Problem::new(
                column,
                format!("a Full Stakeholder cannot be {what} in PagerDuty; remove the new teams and team roles or choose another role"),
            )],
        );
    }
    for (t, role) in &teams {
        changes.push(format!("join team {t} as {role}"));
    }
    let action = if create.is_some() {
        Action::Create
    } else if update.is_some() || !roles.is_empty() {
        Action::Update
    } else if !(contacts.is_empty() && rules.is_empty() && teams.is_empty()) {
        Action::Add
    } else {
        Action::Unchanged
    };
    RowPlan {
        line,
        key: key.to_string(),
        action,
        changes,
        problems: vec![],
        work: Work::User(UserWork {
            email: spec.email.clone(),
            id,
            create,
            update,
            wanted: spec.contacts.clone(),
            contacts,
            rules,
            teams,
            roles,
        }),
    }
}

/// What PagerDuty would refuse of this row for an ability the account lacks: a role that
/// needs one (observer and restricted access: advanced permissions; stakeholders: read-only
/// users) set on create or changed, and teams.
fn ability_problems(spec: &UserSpec, existing: Option<&AUser>, account: &Account) -> Vec<Problem> {
    let mut out = Vec::new();
    let new_role = spec
        .role
        .as_deref()
        .filter(|r| existing.is_none_or(|u| u.role != *r));
    let role_ability = match new_role {
        Some("observer" | "restricted_access") => Some("advanced_permissions"),
        Some("read_only_user" | "read_only_limited_user") => Some("read_only_users"),
        _ => None,
    };
    if let (Some(role), Some(ability)) = (new_role, role_ability) {
        let what = format!("the role {}", crate::models::role_label(role));
        out.extend(
            account
                .lacks(ability, &what)
                .map(|why| Problem::new("role", why)),
        );
    }
    if !spec.teams.is_empty() {
        out.extend(
            account
                .lacks("teams", "a team")
                .map(|why| Problem::new("teams", why)),
        );
    }
    out
}

/// How many licences the creates take against how many are free, per licence kind, when
/// the account's licences were read (a create past them is refused: "License is not
/// available").
fn licence_notes(
    rows: &[RowPlan],
    lines: &[crate::bulk::check::Line<UserSpec>],
    account: &Account,
) -> Vec<String> {
    let mut needs: Vec<(&'static str, &'static str, usize)> = Vec::new();
    for (r, line) in rows.iter().zip(lines) {
        let (Action::Create, Ok(spec)) = (r.action, &line.spec) else {
            continue;
        };
        let kind = super::licence_kind(spec.role.as_deref());
        match needs.iter_mut().find(|(k, _, _)| *k == kind.0) {
            Some(n) => n.2 += 1,
            None => needs.push((kind.0, kind.1, 1)),
        }
    }
    needs
        .into_iter()
        .filter_map(|(kind, role, n)| {
            let free = account.licences_free(role)?;
            let g = |n: u64| crate::numfmt::group(n);
            let users = if n == 1 { "user" } else { "users" };
            let free_words = match free {
                1 => "1 is free".to_string(),
                f => format!("{} are free", g(f)),
            };
            Some(if n as u64 > free {
                format!(
                    "This file creates {} new {users} who need a {kind} licence, and PagerDuty says {free_words}: the creates past them will be refused. Free licences (a stakeholder role frees a Full User one) or buy more first.",
                    g(n as u64)
                )
            } else {
                format!(
                    "{} new {users} will take a {kind} licence ({free_words}).",
                    g(n as u64)
                )
            })
        })
        .collect()
}
