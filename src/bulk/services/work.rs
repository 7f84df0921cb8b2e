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
    /// Add an Events API v2 integration to the service (after creating it).
    pub integration: bool,
}

impl ServiceWork {
    /// How many requests the write takes.
    pub fn writes(&self) -> usize {
        usize::from(self.body.is_some()) + usize::from(self.integration)
    }
    /// The write scopes a Scoped session needs for it.
    pub fn write_scopes(&self) -> Vec<&'static str> {
        if self.writes() > 0 {
            vec!["services.write"]
        } else {
            vec![]
        }
    }
}
