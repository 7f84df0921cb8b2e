//! The offboarding planner: each row against the account's users, teams, policies, schedules,
//! overrides and open incidents becomes every change before → after, and refuses what would
//! leave a gap in on-call (a rule or layer with nobody, a replacement who cannot be on call).
//! Nothing of a person is written when any of their changes is an error.

use super::oncall::{OnCall, Person, Target};
use super::week::when;
use super::work::{Finally, IncidentEdit, ObjectEdit, OffboardWork, OverrideEdit};
use super::{Incidents, Leaver, Then, Who};
use crate::bulk::account::Account;
use crate::bulk::check::{Checked, Problem};
use crate::bulk::kind::Kind;
use crate::bulk::plan::{plan_lines, Action, Plan, RowPlan, Work};
use crate::bulk::users::account::AUser;
use crate::models::role_label;
use std::collections::BTreeSet;

/// Plans an offboarding file against `account` (its `oncall` read for the file's people).
pub fn offboard(checked: &Checked<Leaver>, account: &Account, me: Option<&str>) -> Plan {
    // Placeholders some row of the file replaces (the others are only pointed out).
    let replaced: BTreeSet<String> = checked
        .rows
        .iter()
        .filter_map(|l| match &l.spec {
            Ok(Leaver {
                who: Who::Placeholder(id),
                ..
            }) => Some(id.clone()),
            _ => None,
        })
        .collect();
    // People the file takes out without a replacement: a level or layer they share is empty
    // when all of them go, though each alone would leave the others.
    let bare: BTreeSet<String> = checked
        .rows
        .iter()
        .filter_map(|l| match &l.spec {
            Ok(Leaver {
                who: Who::Email(e),
                replacement: None,
                ..
            }) => account.user_by_email(e).map(|u| u.id.clone()),
            _ => None,
        })
        .collect();
    let rows = plan_lines(checked, |line, spec| {
        let mut p = Planner {
            account,
            oc: &account.oncall,
            replaced: &replaced,
            bare: &bare,
            me,
            changes: vec![],
            problems: vec![],
        };
        let work = p.row(spec);
        let action = if !p.problems.is_empty() {
            Action::Error
        } else if work.as_ref().is_some_and(|w| w.writes() > 0) {
            Action::Offboard
        } else {
            Action::Unchanged
        };
        RowPlan {
            line: line.line,
            key: line.key.clone(),
            action,
            changes: p.changes,
            problems: p.problems,
            work: match work {
                Some(w) if action == Action::Offboard => Work::Offboard(w),
                _ => Work::Nothing,
            },
        }
    });
    Plan {
        kind: Kind::Offboard,
        rows,
        new_teams: vec![],
        teams: account.teams.clone(),
        notes: vec![],
        licences_free: vec![],
    }
}

struct Planner<'a> {
    account: &'a Account,
    oc: &'a OnCall,
    replaced: &'a BTreeSet<String>,
    /// Leavers of the file with no replacement: their places are gone too.
    bare: &'a BTreeSet<String>,
    me: Option<&'a str>,
    changes: Vec<String>,
    problems: Vec<Problem>,
}

/// Incidents listed one by one in a row's changes; the rest are counted.
const INCIDENTS_LISTED: usize = 10;

impl Planner<'_> {
    /// A person's name for the plan (the account's, else what the object says); a placeholder
    /// says it is one.
    fn shown(&self, p: &Person) -> String {
        if p.deleted {
            return format!("(deleted) {}", p.name);
        }
        self.account
            .users
            .iter()
            .find(|u| u.id == p.id)
            .map_or_else(|| p.name.clone(), |u| u.name.clone())
    }

    fn problem(&mut self, column: &str, message: String) {
        self.problems.push(Problem::new(column, message));
    }

    /// The replacement, when the row names one who can take the place.
    fn replacement(&mut self, spec: &Leaver) -> Option<&AUser> {
        let email = spec.replacement.as_deref()?;
        let Some(r) = self.account.user_by_email(email) else {
            self.problem(
                "replacement",
                format!("{email} is not a user of this PagerDuty account; write the e-mail of someone who is (or add them first)"),
            );
            return None;
        };
        if r.role.starts_with("read_only") {
            self.problem(
                "replacement",
                format!("{} is a {} and cannot be on call (PagerDuty: \"Stakeholders cannot be added to schedules\"); write someone with a Responder role or above", r.name, role_label(&r.role)),
            );
            return None;
        }
        Some(r)
    }

    fn row(&mut self, spec: &Leaver) -> Option<OffboardWork> {
        let replacement = self
            .replacement(spec)
            .map(|r| (r.id.clone(), r.name.clone()));
        let (id, name, user) = match &spec.who {
            Who::Placeholder(id) => {
                let name = self.placeholder_name(id)?;
                (id.clone(), name, None)
            }
            Who::Email(email) if self.me.is_some_and(|me| me.eq_ignore_ascii_case(email)) => {
                self.problem(
                    "email",
                    format!("{email} is you, the person signed in: offboarding yourself would end this session part way; ask another Global Admin to offboard you"),
                );
                return None;
            }
            Who::Email(email) => {
                let Some(u) = self.account.user_by_email(email) else {
                    self.changes.push(format!(
                        "nothing to do: {email} is not a user of this account (already offboarded, or never added)"
                    ));
                    return None;
                };
                (u.id.clone(), u.name.clone(), Some(u))
            }
        };
        let mut w = OffboardWork {
            user_id: id,
            name,
            replacement,
            incidents: vec![],
            policies: vec![],
            schedules: vec![],
            overrides: vec![],
            teams: vec![],
            finally: Finally::Nothing,
        };
        if let Some(u) = user {
            self.incidents(spec, u, &mut w);
        }
        self.policies(&mut w);
        self.schedules(&mut w, spec.then == Then::Delete);
        if let Some(u) = user {
            self.overrides(&mut w);
            let week = super::week::lines(self.oc, &w, &|p| self.shown(p));
            self.changes.extend(week);
            self.end(spec, u, &mut w);
        }
        if w.writes() == 0 && self.problems.is_empty() {
            self.changes.push(format!(
                "nothing left to do: {} is on no policy or schedule, has no open incidents{}",
                w.name,
                match spec.then {
                    Then::Keep => "",
                    _ => " and is already as the row asks",
                }
            ));
        }
        Some(w)
    }

    /// The name a placeholder shows in the policies and schedules that still hold it.
    fn placeholder_name(&mut self, id: &str) -> Option<String> {
        let in_policies = self
            .oc
            .policies
            .iter()
            .flat_map(|p| &p.rules)
            .flat_map(|r| &r.targets);
        let found = in_policies
            .filter_map(|t| match t {
                Target::User(p) => Some(p),
                Target::Schedule { .. } => None,
            })
            .chain(
                self.oc
                    .schedules
                    .iter()
                    .flat_map(|s| &s.layers)
                    .flat_map(|l| &l.users),
            )
            .find(|p| p.id == id);
        match found {
            Some(p) if p.deleted => Some(p.name.clone()),
            Some(p) => {
                self.problem(
                    "email",
                    format!("{id} is {}, a user of this account, not a deleted user's placeholder; write their e-mail", p.name),
                );
                None
            }
            None => {
                self.changes.push(format!(
                    "nothing to do: no policy or schedule holds the placeholder {id} any more"
                ));
                None
            }
        }
    }

    fn incidents(&mut self, spec: &Leaver, u: &AUser, w: &mut OffboardWork) {
        let theirs: Vec<_> = self
            .oc
            .incidents
            .iter()
            .filter(|i| i.assignees.contains(&u.id))
            .collect();
        let verb = match (spec.incidents, &w.replacement) {
            (Incidents::Reassign, Some((_, rname))) => format!("reassign to {rname}"),
            (Incidents::Resolve, _) => "resolve".to_string(),
            _ => format!("stay assigned to {}", u.name),
        };
        if theirs.len() > INCIDENTS_LISTED {
            self.changes.push(format!(
                "{} open incidents: {verb} (the first {INCIDENTS_LISTED} follow)",
                theirs.len()
            ));
        }
        for (n, i) in theirs.iter().enumerate() {
            if n == INCIDENTS_LISTED {
                self.changes.push(format!(
                    "… and {} more incidents: {verb}",
                    theirs.len() - INCIDENTS_LISTED
                ));
            }
            let listed = n < INCIDENTS_LISTED;
            match (spec.incidents, &w.replacement) {
                (Incidents::Reassign, Some((rid, rname))) => {
                    let mut to: Vec<String> = i
                        .assignees
                        .iter()
                        .filter(|a| **a != u.id)
                        .cloned()
                        .collect();
                    if !to.contains(rid) {
                        to.push(rid.clone());
                    }
                    if listed {
                        self.changes.push(format!(
                            "incident #{} ({}): reassign to {rname}",
                            i.number, i.title
                        ));
                    }
                    w.incidents.push(IncidentEdit::Reassign {
                        id: i.id.clone(),
                        number: i.number,
                        to,
                    });
                }
                (Incidents::Reassign, None) => {}
                (Incidents::Resolve, _) => {
                    if listed {
                        self.changes
                            .push(format!("incident #{} ({}): resolve", i.number, i.title));
                    }
                    w.incidents.push(IncidentEdit::Resolve {
                        id: i.id.clone(),
                        number: i.number,
                    });
                }
                (Incidents::Leave, _) if listed => self.changes.push(format!(
                    "incident #{} ({}): stays assigned to {}",
                    i.number, i.title, u.name
                )),
                (Incidents::Leave, _) => {}
            }
        }
        if spec.incidents == Incidents::Leave && spec.then == Then::Delete && !theirs.is_empty() {
            self.problem(
                "incidents",
                format!("{} has {} open incident(s), and PagerDuty refuses to delete someone with open incidents (its default offboarding setting); write reassign (with a replacement) or resolve", u.name, theirs.len()),
            );
        }
    }

    fn policies(&mut self, w: &mut OffboardWork) {
        for p in &self.oc.policies {
            let mut parts = vec![];
            for (level, rule) in p.rules.iter().enumerate() {
                let level = level + 1;
                let Some(me) = rule.targets.iter().find_map(|t| match t {
                    Target::User(x) if x.id == w.user_id => Some(x),
                    _ => None,
                }) else {
                    continue;
                };
                let others: Vec<String> = rule
                    .targets
                    .iter()
                    .filter_map(|t| match t {
                        Target::User(x) if x.id == w.user_id => None,
                        Target::User(x) => Some(self.shown(x)),
                        Target::Schedule { name, .. } => Some(format!("schedule {name}")),
                    })
                    .collect();
                // A deleted user's placeholder answers no page: it does not count as someone.
                let live = rule
                    .targets
                    .iter()
                    .filter(|t| match t {
                        Target::User(x) => {
                            x.id != w.user_id && !x.deleted && !self.bare.contains(&x.id)
                        }
                        Target::Schedule { .. } => true,
                    })
                    .count();
                let here = |id: &str| {
                    rule.targets
                        .iter()
                        .any(|t| matches!(t, Target::User(x) if x.id == id))
                };
                match &w.replacement {
                    Some((rid, rname)) if here(rid) => self.changes.push(format!(
                        "policy {}, level {level}: remove {} ({rname} is already there)",
                        p.name,
                        self.shown(me)
                    )),
                    Some((_, rname)) => self.changes.push(format!(
                        "policy {}, level {level}: {} → {rname}",
                        p.name,
                        self.shown(me)
                    )),
                    None if live == 0 => self.problem(
                        "replacement",
                        format!("policy {}, level {level} would have nobody ({} is its only target{}), so alerts would go unanswered; write a replacement", p.name, self.shown(me), if others.is_empty() { "" } else { " besides people leaving and deleted users' placeholders" }),
                    ),
                    None => self.changes.push(format!(
                        "policy {}, level {level}: remove {} (leaves {})",
                        p.name,
                        self.shown(me),
                        others.join(", ")
                    )),
                }
                parts.push(rule.id.clone());
            }
            if !parts.is_empty() {
                self.placeholders_in(
                    &p.name,
                    p.rules
                        .iter()
                        .flat_map(|r| &r.targets)
                        .filter_map(|t| match t {
                            Target::User(x) => Some(x),
                            Target::Schedule { .. } => None,
                        }),
                    &w.user_id,
                );
                w.policies.push(ObjectEdit {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    link: p.html_url.clone(),
                    parts,
                });
            }
        }
    }

    /// Points out deleted users' placeholders in an object the row writes that no row of the
    /// file replaces: PagerDuty may refuse to save the object with them (unknown, §10.5).
    fn placeholders_in<'p>(
        &mut self,
        what: &str,
        people: impl Iterator<Item = &'p Person>,
        me: &str,
    ) {
        let mut seen = BTreeSet::new();
        for p in people.filter(|p| p.deleted && p.id != me && !self.replaced.contains(&p.id)) {
            if seen.insert(p.id.clone()) {
                self.changes.push(format!(
                    "note: {what} still holds the placeholder of deleted user {} ({}); PagerDuty may refuse to save it with it: add a row \"{},<replacement>\" to replace it in the same run",
                    p.name, p.id, p.id
                ));
            }
        }
    }

    /// Every layer naming the leaver, ended ones too: PagerDuty may refuse to delete a user
    /// an ended layer still names (unknown; pd-sandbox refuses), and changing an ended layer
    /// changes nobody's on-call.
    fn schedules(&mut self, w: &mut OffboardWork, deleting: bool) {
        for s in &self.oc.schedules {
            let mut parts = vec![];
            for l in &s.layers {
                let n = l.users.len();
                let Some(pos) = l.users.iter().position(|u| u.id == w.user_id) else {
                    continue;
                };
                let me = self.shown(&l.users[pos]);
                let others = l
                    .users
                    .iter()
                    .filter(|u| u.id != w.user_id && !u.deleted && !self.bare.contains(&u.id))
                    .count();
                let at = format!(
                    "schedule {}, layer {}{}",
                    s.name,
                    l.name,
                    if l.ended { " (ended)" } else { "" }
                );
                if l.ended && others == 0 && w.replacement.is_none() {
                    if deleting {
                        self.problem(
                            "replacement",
                            format!("{at} still names {me} alone, and PagerDuty may refuse to delete someone a schedule names; write a replacement (in an ended layer it changes nobody's on-call)"),
                        );
                    }
                    continue;
                }
                match &w.replacement {
                    Some((rid, rname)) if l.users.iter().any(|u| u.id == *rid) => {
                        self.changes.push(format!(
                            "{at}: remove {me} ({rname} is already in it; the others' turns shift)"
                        ))
                    }
                    Some((_, rname)) => self.changes.push(format!(
                        "{at}, position {} of {n}: {me} → {rname} (the rotation is kept)",
                        pos + 1
                    )),
                    None if others == 0 => self.problem(
                        "replacement",
                        format!("{at} would have nobody ({me} is its only member{}), leaving a gap in on-call; write a replacement", if n > 1 { " besides people leaving and deleted users' placeholders" } else { "" }),
                    ),
                    None => self.changes.push(format!(
                        "{at}, position {} of {n}: remove {me} (the others' turns shift)",
                        pos + 1
                    )),
                }
                parts.push(l.id.clone());
            }
            if !parts.is_empty() {
                self.placeholders_in(
                    &format!("schedule {}", s.name),
                    s.layers.iter().flat_map(|l| &l.users),
                    &w.user_id,
                );
                w.schedules.push(ObjectEdit {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    link: s.html_url.clone(),
                    parts,
                });
            }
        }
    }

    fn overrides(&mut self, w: &mut OffboardWork) {
        for o in self.oc.overrides.iter().filter(|o| o.user == w.user_id) {
            let sched = self
                .oc
                .schedule(&o.schedule_id)
                .map_or(o.schedule_id.as_str(), |s| s.name.as_str());
            let span = format!("{} – {}", when(&o.start), when(&o.end));
            self.changes.push(match &w.replacement {
                Some((_, rname)) => format!("override {span} in {sched}: {} → {rname}", w.name),
                None => format!(
                    "override {span} in {sched}: remove (the schedule's own rotation covers it)"
                ),
            });
            w.overrides.push(OverrideEdit {
                id: o.id.clone(),
                schedule_id: o.schedule_id.clone(),
                start: o.start.clone(),
                end: o.end.clone(),
            });
        }
    }

    fn end(&mut self, spec: &Leaver, u: &AUser, w: &mut OffboardWork) {
        if u.role == "owner" && spec.then != Then::Keep {
            self.problem(
                "then",
                format!("{} is the Account Owner, whom the API can neither delete nor give another role; transfer ownership in PagerDuty's web app first, or write keep", u.name),
            );
            return;
        }
        if spec.then != Then::Keep {
            for t in &u.teams {
                let name = self
                    .account
                    .teams
                    .iter()
                    .find(|x| x.id == *t)
                    .map_or(t.clone(), |x| x.name.clone());
                self.changes.push(format!("team {name}: remove {}", u.name));
                w.teams.push((t.clone(), name));
            }
        }
        match spec.then {
            Then::Delete => {
                self.changes
                    .push(format!("delete {} ({})", u.name, u.email));
                w.finally = Finally::Delete;
            }
            Then::Stakeholder(role) if u.role != role => {
                if let Some(why) = self.account.lacks("read_only_users", "a stakeholder role") {
                    self.problem("then", why);
                }
                self.changes.push(format!(
                    "role: {} → {}{}",
                    role_label(&u.role),
                    role_label(role),
                    if u.role.starts_with("read_only") {
                        ""
                    } else {
                        " (frees a Full User licence)"
                    }
                ));
                w.finally = Finally::Role(role);
            }
            Then::Stakeholder(_) | Then::Keep => {}
        }
    }
}
