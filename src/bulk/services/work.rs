//! The write one service row needs, as the plan hands it to the run.

use serde_json::Value;

/// The write one service row needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceWork {
    pub name: String,
    pub policy_id: String,
    pub id: Option<String>,
    /// `POST /services` or `PUT /services/{id}` body.
    pub body: Option<Value>,
}

impl ServiceWork {
    /// How many requests the write takes.
    pub fn writes(&self) -> usize {
        usize::from(self.body.is_some())
    }
    /// The write scopes a Scoped session needs for it.
    pub fn write_scopes(&self) -> Vec<&'static str> {
        if self.body.is_some() {
            vec!["services.write"]
        } else {
            vec![]
        }
    }
}
