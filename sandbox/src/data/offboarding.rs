//! What stands in the way of taking someone out of the account (reference §10.5–10.6): their
//! assigned open incidents (and restarting them on their policies), the rules and layers that
//! name them (and leaving a deleted user's stub there), and the policies of a team that name
//! them directly or through a schedule.

use super::types::{Assignment, DeletedUser, Member, Target};
use super::Dataset;

/// Whether an incident in `status` is open.
fn is_open(status: &str) -> bool {
    status == "triggered" || status == "acknowledged"
}

impl Dataset {
    /// The open incidents assigned to the user with `id`, in incident order.
    pub fn open_incidents_assigned(&self, id: &str) -> Vec<usize> {
        (0..self.incidents.len())
            .filter(|i| {
                let inc = &self.incidents[*i];
                is_open(inc.status) && inc.assignments.iter().any(|a| a.user == id)
            })
            .collect()
    }

    /// Takes the user with `id` off their open incidents; an incident left with nobody is
    /// restarted on its escalation policy (its first level at `now`, without them), as
    /// PagerDuty's offboarding setting "Automatically restart the incidents on their
    /// escalation policy" does. `at` is `now` in RFC 3339.
    pub fn restart_incidents_of(&mut self, id: &str, now: i64, at: &str) {
        for i in self.open_incidents_assigned(id) {
            let policy = self.policy_index(&self.incidents[i].policy);
            let first: Vec<String> = policy
                .map(|p| self.policy_first_level(p, now))
                .unwrap_or_default();
            let inc = &mut self.incidents[i];
            inc.assignments.retain(|a| a.user != id);
            if inc.assignments.is_empty() {
                inc.assignments = first
                    .into_iter()
                    .filter(|u| u != id)
                    .map(|user| Assignment {
                        user,
                        at: at.to_string(),
                    })
                    .collect();
                inc.assigned_via = "escalation_policy";
            }
            inc.updated_at = at.to_string();
        }
    }

    /// Whether the user at `u` is a target of a policy rule or a member of a schedule layer
    /// (overrides do not count: reference §10.5 names layers and rules).
    pub fn in_rule_or_layer(&self, u: usize) -> bool {
        use super::UserPlace;
        self.user_places(u)
            .iter()
            .any(|p| matches!(p, UserPlace::Rule { .. } | UserPlace::Layer { .. }))
    }

    /// Puts a deleted user's stub (`deleted_at`, RFC 3339 UTC) wherever a rule or a layer names
    /// the user at `u`, so that removing the user leaves the stub there.
    pub fn stub_user(&mut self, u: usize, deleted_at: &str) {
        let user = &self.users[u];
        let stub = Member::Deleted(DeletedUser {
            id: user.id.clone(),
            name: user.name.clone(),
            deleted_at: deleted_at.to_string(),
        });
        for rule in self.policies.iter_mut().flat_map(|p| &mut p.rules) {
            for t in &mut rule.targets {
                if *t == Target::User(Member::User(u)) {
                    *t = Target::User(stub.clone());
                }
            }
        }
        for layer in self.schedules.iter_mut().flat_map(|s| &mut s.layers) {
            for m in &mut layer.members {
                if *m == Member::User(u) {
                    *m = stub.clone();
                }
            }
        }
    }

    /// Whether an escalation policy of team `t` names the user at `u`: as a direct target of
    /// a rule, or (with `through_schedules`) as a member of a layer that has not ended by
    /// `now` of a schedule one of its rules targets.
    pub fn team_policy_names(&self, t: usize, u: usize, through_schedules: bool, now: i64) -> bool {
        let targets = self
            .policies
            .iter()
            .filter(|p| p.teams.contains(&t))
            .flat_map(|p| &p.rules)
            .flat_map(|r| &r.targets);
        for target in targets {
            match target {
                Target::User(m) if m.user() == Some(u) => return true,
                Target::Schedule(s) if through_schedules => {
                    let live = self.schedules[*s]
                        .layers
                        .iter()
                        .filter(|l| l.end.is_none_or(|end| end > now));
                    if live.flat_map(|l| &l.members).any(|m| m.user() == Some(u)) {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }
}
