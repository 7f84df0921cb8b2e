//! The account's on-call relations: where a user is named (rules, layers, overrides), which
//! policies use a schedule, who is on a schedule, the on-calls of every policy over a time
//! range (from `rotation`), and removing a policy or schedule with the indexes that point
//! past it.

use super::rotation::{entries_overlapping, Entry};
use super::types::{Member, Schedule, Target};
use super::Dataset;
use crate::tz::Zone;

/// How far before and after the asked range an on-call span is followed to find where it
/// starts and ends (spans longer than that are cut there).
pub const HORIZON: i64 = 31 * 86_400;

/// Where a user is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserPlace {
    /// A target of rule `rule` (level `rule + 1`) of policy `policy`.
    Rule { policy: usize, rule: usize },
    /// A member of layer `layer` of schedule `schedule`.
    Layer { schedule: usize, layer: usize },
    /// The user of override `index` of schedule `schedule`.
    Override { schedule: usize, index: usize },
}

/// Someone on call for a policy at a level: through a schedule (with its span) or as a
/// direct target of the rule (always, `start` and `end` `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnCall {
    pub policy: usize,
    /// 1 for the first rule.
    pub level: usize,
    pub member: Member,
    pub schedule: Option<usize>,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl Schedule {
    /// The schedule's zone (UTC for a name the sandbox does not know, which writes refuse).
    pub fn zone(&self) -> Zone {
        Zone::named(&self.time_zone)
            .or_else(|| Zone::named("UTC"))
            .expect("UTC is known")
    }
}

impl Dataset {
    /// Where the schedule with `id` is in `schedules`.
    pub fn schedule_index(&self, id: &str) -> Option<usize> {
        self.schedules.iter().position(|s| s.id == id)
    }

    /// Every rule, layer and override that names the user at `u`.
    pub fn user_places(&self, u: usize) -> Vec<UserPlace> {
        let is = |m: &Member| m.user() == Some(u);
        let mut out = Vec::new();
        for (policy, p) in self.policies.iter().enumerate() {
            for (rule, r) in p.rules.iter().enumerate() {
                if r.targets
                    .iter()
                    .any(|t| matches!(t, Target::User(m) if is(m)))
                {
                    out.push(UserPlace::Rule { policy, rule });
                }
            }
        }
        for (schedule, s) in self.schedules.iter().enumerate() {
            for (layer, l) in s.layers.iter().enumerate() {
                if l.members.iter().any(is) {
                    out.push(UserPlace::Layer { schedule, layer });
                }
            }
            for (index, o) in s.overrides.iter().enumerate() {
                if is(&o.user) {
                    out.push(UserPlace::Override { schedule, index });
                }
            }
        }
        out
    }

    /// The policies with a rule that targets schedule `s`, in policy order.
    pub fn policies_using_schedule(&self, s: usize) -> Vec<usize> {
        (0..self.policies.len())
            .filter(|p| {
                self.policies[*p]
                    .rules
                    .iter()
                    .flat_map(|r| &r.targets)
                    .any(|t| *t == Target::Schedule(s))
            })
            .collect()
    }

    /// The distinct people of the layers of schedule `s` that have not ended by `now`, in
    /// layer and turn order (PagerDuty's read-only `users`).
    pub fn schedule_members(&self, s: usize, now: i64) -> Vec<Member> {
        let mut out: Vec<Member> = Vec::new();
        let live = self.schedules[s]
            .layers
            .iter()
            .filter(|l| l.end.is_none_or(|end| end > now));
        for m in live.flat_map(|l| &l.members) {
            if !out.contains(m) {
                out.push(m.clone());
            }
        }
        out
    }

    /// The on-calls of every policy overlapping `[since, until]`, by policy, level, then
    /// start: direct user targets always (deleted users' stubs never), schedule targets for
    /// each span their schedule puts someone on call.
    pub fn oncalls(&self, since: i64, until: i64) -> Vec<OnCall> {
        let mut out = Vec::new();
        for (policy, p) in self.policies.iter().enumerate() {
            for (r, rule) in p.rules.iter().enumerate() {
                let level = r + 1;
                let mut found = Vec::new();
                for t in &rule.targets {
                    match t {
                        Target::User(m @ Member::User(_)) => found.push(OnCall {
                            policy,
                            level,
                            member: m.clone(),
                            schedule: None,
                            start: None,
                            end: None,
                        }),
                        Target::User(Member::Deleted(_)) => {}
                        Target::Schedule(s) => {
                            let sched = &self.schedules[*s];
                            let spans =
                                entries_overlapping(sched, sched.zone(), since, until, HORIZON);
                            found.extend(spans.into_iter().map(|e: Entry| OnCall {
                                policy,
                                level,
                                member: e.member,
                                schedule: Some(*s),
                                start: Some(e.start),
                                end: Some(e.end),
                            }));
                        }
                    }
                }
                found.sort_by_key(|o| o.start);
                out.extend(found);
            }
        }
        out
    }

    /// Removes the policy at `at` (no service may use it), moving the services' indexes.
    pub fn remove_policy(&mut self, at: usize) {
        self.policies.remove(at);
        for s in &mut self.services {
            if s.policy > at {
                s.policy -= 1;
            }
        }
    }

    /// Removes the schedule at `at` (no policy may use it), moving the rules' indexes.
    pub fn remove_schedule(&mut self, at: usize) {
        self.schedules.remove(at);
        for t in self
            .policies
            .iter_mut()
            .flat_map(|p| &mut p.rules)
            .flat_map(|r| &mut r.targets)
        {
            if let Target::Schedule(s) = t {
                if *s > at {
                    *s -= 1;
                }
            }
        }
    }
}
