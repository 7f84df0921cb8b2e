//! The writes one user row needs, as the plan hands them to the run.

use super::{Contact, Rule};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub struct UserWork {
    pub email: String,
    /// The user, when it exists.
    pub id: Option<String>,
    /// `POST /users` body when it does not.
    pub create: Option<Value>,
    /// `PUT /users/{id}` body with the changed fields.
    pub update: Option<Value>,
    /// Every contact method the row names (rules find their targets among them).
    pub wanted: Vec<Contact>,
    /// Contact methods to add.
    pub contacts: Vec<Contact>,
    /// Rules to add.
    pub rules: Vec<Rule>,
    /// Teams to join: name and role.
    pub teams: Vec<(String, String)>,
    /// Teams the user is in whose role the row changes: name and new role.
    pub roles: Vec<(String, String)>,
}

impl UserWork {
    /// How many requests the writes take at least.
    pub fn writes(&self) -> usize {
        usize::from(self.create.is_some())
            + usize::from(self.update.is_some())
            + self.contacts.len()
            + self.rules.len()
            + self.teams.len()
            + self.roles.len()
    }
    /// The write scopes a Scoped session needs for these writes.
    pub fn write_scopes(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.create.is_some() || self.update.is_some() {
            out.push("users.write");
        }
        if !self.contacts.is_empty() || !self.rules.is_empty() {
            out.push("users:contact_methods.write");
        }
        if !self.teams.is_empty() || !self.roles.is_empty() {
            out.push("teams.write");
        }
        out
    }
}
