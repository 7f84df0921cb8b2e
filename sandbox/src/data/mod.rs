//! The account the sandbox serves: the `Dataset` of teams, escalation policies, schedules,
//! services, users, licenses and incidents, its look-ups and the changes the REST API's writes
//! make. `seed` (and `seed_oncall`) generates one, `render` (and `render_schedule`) turns its
//! objects into PagerDuty's JSON, `types` holds the objects, `licenses` and `incidents` what is
//! particular to those, `devices` the seeded push and WhatsApp contact methods, `rotation`
//! computes who is on call when, `oncall` finds where a user is named, `offboarding` what
//! stands in the way of deleting a user or taking them off a team, `seed_stubs` the deleted
//! users' stubs past deletions left, `scenario` the `--scenario offboarding` account.

mod devices;
mod incidents;
mod licenses;
mod offboarding;
mod oncall;
mod render;
mod render_schedule;
pub mod rotation;
mod scenario;
mod seed;
mod seed_oncall;
mod seed_stubs;
#[cfg(test)]
mod tests;
mod types;

pub use incidents::{pageable, IncidentChange};
pub use licenses::{Licenses, Tier, FULL_USER_ROLES, STAKEHOLDER_ROLES, STAKEHOLDER_SEATS};
pub use oncall::{OnCall, UserPlace, HORIZON};
pub use render::time_in;
pub use render_schedule::ScheduleView;
pub use scenario::{OFFBOARDING_PEOPLE, STUB_PLACES};
pub use seed::{ADMIN_EMAIL, PASSWORD, RESPONDER_EMAIL, ROLE_EMAILS, SUBDOMAIN};
pub use types::{
    Assignment, ContactMethod, DeletedUser, Incident, Integration, Layer, Member, NotificationRule,
    Override, Policy, Restriction, Rule, Schedule, Service, Target, Team, Urgency, User,
};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The whole account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dataset {
    pub teams: Vec<Team>,
    pub policies: Vec<Policy>,
    /// On-call schedules, in creation order (absent from state files of older versions).
    #[serde(default)]
    pub schedules: Vec<Schedule>,
    /// Sorted by name (PagerDuty's default order), then id.
    pub services: Vec<Service>,
    /// Sorted by name, then id.
    pub users: Vec<User>,
    /// The ids of its Full User and Stakeholder licenses.
    #[serde(default)]
    pub licenses: Licenses,
    /// In the order they were opened (by number).
    #[serde(default)]
    pub incidents: Vec<Incident>,
}

/// A PagerDuty-style id: `P` and six upper-case letters or digits, unique in `seen`.
fn pd_id(rng: &mut StdRng, seen: &mut HashSet<String>) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    loop {
        let id: String = std::iter::once('P')
            .chain((0..6).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char))
            .collect();
        if seen.insert(id.clone()) {
            return id;
        }
    }
}

/// Whether an integration of `kind` takes events with a key (all but e-mail integrations,
/// which have an address).
pub fn takes_events(kind: &str) -> bool {
    kind != "generic_email_inbound_integration"
}

/// A new integration key: 32 lower-case hexadecimal digits, as PagerDuty's (a key starting
/// with `R` would be a ruleset's).
pub fn integration_key(rng: &mut impl Rng) -> String {
    (0..32)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

impl Dataset {
    /// Checks that every index in a loaded account points at something (a state file may have
    /// been edited by hand).
    pub fn check(&self) -> Result<(), String> {
        let (teams, policies, users) = (self.teams.len(), self.policies.len(), self.users.len());
        let schedules = self.schedules.len();
        let member_ok = |m: &Member| m.user().is_none_or(|u| u < users);
        for p in &self.policies {
            let targets_ok = p.rules.iter().flat_map(|r| &r.targets).all(|t| match t {
                Target::User(m) => member_ok(m),
                Target::Schedule(s) => *s < schedules,
            });
            if p.teams.iter().any(|&t| t >= teams) || !targets_ok {
                return Err(format!(
                    "escalation policy {} names a team, user or schedule that is not there",
                    p.id
                ));
            }
        }
        for s in &self.schedules {
            let members_ok = s.layers.iter().flat_map(|l| &l.members).all(member_ok)
                && s.overrides.iter().all(|o| member_ok(&o.user));
            if s.teams.iter().any(|&t| t >= teams) || !members_ok {
                return Err(format!(
                    "schedule {} names a team or user that is not there",
                    s.id
                ));
            }
        }
        for s in &self.services {
            if s.policy >= policies || s.teams.iter().any(|&t| t >= teams) {
                return Err(format!(
                    "service {} names a policy or team that is not there",
                    s.id
                ));
            }
        }
        for u in &self.users {
            if u.teams.iter().any(|&t| t >= teams) || u.team_roles.len() != u.teams.len() {
                return Err(format!(
                    "user {} has teams that are not there or without a role",
                    u.id
                ));
            }
            let cms = u.contact_methods.len();
            if u.notification_rules.iter().any(|r| r.contact_method >= cms) {
                return Err(format!(
                    "user {} has a notification rule without its contact method",
                    u.id
                ));
            }
        }
        Ok(())
    }

    /// A PagerDuty-style id no object of the account has yet (for created objects).
    pub fn new_id(&self) -> String {
        let mut taken = self.taken_ids();
        let mut rng = StdRng::from_entropy();
        pd_id(&mut rng, &mut taken)
    }

    /// The id of every object of the account.
    fn taken_ids(&self) -> HashSet<String> {
        self.teams
            .iter()
            .map(|t| t.id.clone())
            .chain(self.policies.iter().flat_map(|p| {
                std::iter::once(p.id.clone()).chain(p.rules.iter().map(|r| r.id.clone()))
            }))
            .chain(self.schedules.iter().flat_map(|s| {
                std::iter::once(s.id.clone())
                    .chain(s.layers.iter().map(|l| l.id.clone()))
                    .chain(s.overrides.iter().map(|o| o.id.clone()))
            }))
            .chain(self.services.iter().flat_map(|s| {
                std::iter::once(s.id.clone()).chain(s.integrations.iter().map(|i| i.id.clone()))
            }))
            .chain(self.users.iter().flat_map(|u| {
                std::iter::once(u.id.clone())
                    .chain(u.contact_methods.iter().map(|c| c.id.clone()))
                    .chain(u.notification_rules.iter().map(|r| r.id.clone()))
            }))
            .chain(self.incidents.iter().map(|i| i.id.clone()))
            .chain([
                self.licenses.full.clone(),
                self.licenses.stakeholder.clone(),
            ])
            .collect()
    }

    /// Adds a user in name order (as the seeded ones), keeping every reference on its user.
    pub fn insert_user(&mut self, user: User) -> usize {
        let key = (user.name.to_lowercase(), user.id.clone());
        let at = self
            .users
            .partition_point(|u| (u.name.to_lowercase(), u.id.clone()) < key);
        self.users.insert(at, user);
        self.remap_users(|u| Some(if u >= at { u + 1 } else { u }));
        at
    }

    /// Sorts the users by name again (after a rename), keeping every reference on its user.
    pub fn sort_users(&mut self) {
        let mut order: Vec<usize> = (0..self.users.len()).collect();
        order.sort_by(|a, b| {
            let (a, b) = (&self.users[*a], &self.users[*b]);
            (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id))
        });
        let mut new_of_old = vec![0; order.len()];
        for (new, old) in order.iter().enumerate() {
            new_of_old[*old] = new;
        }
        let mut users: Vec<Option<User>> = std::mem::take(&mut self.users)
            .into_iter()
            .map(Some)
            .collect();
        self.users = order.iter().filter_map(|old| users[*old].take()).collect();
        self.remap_users(|u| new_of_old.get(u).copied());
    }

    /// Moves every reference to a user (policy rule targets, schedule layer members,
    /// overrides) to the index `map` gives; where it gives `None` the reference is dropped
    /// (an override goes with its user).
    pub fn remap_users(&mut self, map: impl Fn(usize) -> Option<usize>) {
        let keep = |m: &mut Member| match m {
            Member::User(u) => map(*u).map(|new| *u = new).is_some(),
            Member::Deleted(_) => true,
        };
        for rule in self.policies.iter_mut().flat_map(|p| &mut p.rules) {
            rule.targets.retain_mut(|t| match t {
                Target::User(m) => keep(m),
                Target::Schedule(_) => true,
            });
        }
        for s in &mut self.schedules {
            for layer in &mut s.layers {
                layer.members.retain_mut(keep);
            }
            s.overrides.retain_mut(|o| keep(&mut o.user));
        }
    }

    /// Sorts the services by name again (after one was added or renamed), as the seeded ones.
    pub fn sort_services(&mut self) {
        self.services
            .sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
    }

    /// Removes the user at `at`, and from the policy rules, schedule layers and overrides
    /// that name them (a rule or layer may be left empty).
    pub fn remove_user(&mut self, at: usize) -> User {
        let user = self.users.remove(at);
        self.remap_users(|u| match u.cmp(&at) {
            std::cmp::Ordering::Less => Some(u),
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Greater => Some(u - 1),
        });
        user
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email.trim()))
    }

    pub fn user_by_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Where the user with `id` is in `users`.
    pub fn user_index(&self, id: &str) -> Option<usize> {
        self.users.iter().position(|u| u.id == id)
    }

    /// Where the team with `id` is in `teams`.
    pub fn team_index(&self, id: &str) -> Option<usize> {
        self.teams.iter().position(|t| t.id == id)
    }

    /// Where the escalation policy with `id` is in `policies`.
    pub fn policy_index(&self, id: &str) -> Option<usize> {
        self.policies.iter().position(|p| p.id == id)
    }

    /// Where the service with `id` is in `services`.
    pub fn service_index(&self, id: &str) -> Option<usize> {
        self.services.iter().position(|s| s.id == id)
    }

    pub fn service_by_id(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// Whether a team has this name, in any case.
    pub fn team_name_taken(&self, name: &str) -> bool {
        self.teams.iter().any(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// Whether a service other than `except` has this name, in any case.
    pub fn service_name_taken(&self, name: &str, except: Option<&str>) -> bool {
        self.services
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(name) && Some(s.id.as_str()) != except)
    }

    /// The ids of the teams at `teams`.
    pub fn team_ids(&self, teams: &[usize]) -> Vec<String> {
        teams.iter().map(|t| self.teams[*t].id.clone()).collect()
    }

    /// Whether `viewer` may see `service` in the web UI: admins and ordinary users see
    /// everything; a restricted-access user only their teams' services.
    pub fn can_see_service(&self, viewer: &User, service: &Service) -> bool {
        viewer.role != "restricted_access" || service.teams.iter().any(|t| viewer.teams.contains(t))
    }

    /// The users on team `t` with their team roles, in user order.
    pub fn members(&self, t: usize) -> Vec<(&User, &'static str)> {
        self.users
            .iter()
            .filter_map(|u| {
                u.teams
                    .iter()
                    .zip(&u.team_roles)
                    .find(|(ut, _)| **ut == t)
                    .map(|(_, r)| (u, *r))
            })
            .collect()
    }
}
