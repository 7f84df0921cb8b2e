//! The kinds of bulk job: each is a folder of its own (`users/`, `services/`); this enum names
//! them, and an unknown name is no kind at all (never another kind by default).

/// What kind of objects a file creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Users,
    Services,
    Offboard,
}

impl Kind {
    /// Every kind, in the order the kind picker shows them.
    pub const ALL: [Kind; 3] = [Kind::Users, Kind::Services, Kind::Offboard];

    /// The kind a noun names (`users`, `services`); `None` for anything else.
    pub fn from_noun(noun: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.noun() == noun)
    }

    /// The kind's name on the Import page's picker.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Users => "Users",
            Kind::Services => "Services",
            Kind::Offboard => "Offboard people",
        }
    }

    /// pdscope's columns for the kind, in the order the template and exports write them.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Users => super::users::COLUMNS,
            Kind::Services => super::services::COLUMNS,
            Kind::Offboard => super::offboard::COLUMNS,
        }
    }

    /// The kind's columns, in words, for the Import page.
    pub fn help(self) -> &'static str {
        match self {
            Kind::Users => super::users::HELP,
            Kind::Services => super::services::HELP,
            Kind::Offboard => super::offboard::HELP,
        }
    }

    /// What the run's button does: "Import" or "Offboard".
    pub fn verb(self) -> &'static str {
        match self {
            Kind::Offboard => "Offboard",
            Kind::Users | Kind::Services => "Import",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Services => "services",
            Kind::Offboard => "offboarding",
        }
    }
    /// `n` of these, in words: "1 user", "1,200 services".
    pub fn count(self, n: usize) -> String {
        let noun = match self {
            Kind::Offboard => {
                return format!(
                    "{} {}",
                    crate::numfmt::group(n as u64),
                    if n == 1 { "person" } else { "people" }
                )
            }
            _ => self.noun(),
        };
        format!(
            "{} {}",
            crate::numfmt::group(n as u64),
            if n == 1 {
                &noun[..noun.len() - 1]
            } else {
                noun
            }
        )
    }
}

impl Kind {
    /// The scopes a job of this kind may need: Classic apps `write`; Scoped apps the kind's
    /// reads and writes (a plan asks only for the writes it makes: `Plan::scopes`).
    pub fn scopes(self, scoped: bool) -> &'static [&'static str] {
        if !scoped {
            return &["write"];
        }
        match self {
            Kind::Users => super::users::SCOPES,
            Kind::Services => super::services::SCOPES,
            Kind::Offboard => super::offboard::SCOPES,
        }
    }

    /// Whether the signed-in person's role may make these writes (scopes are not enough:
    /// access is scopes ∩ the person's permissions). `None` when they may; else why not.
    pub fn role_refusal(self, role: &str) -> Option<String> {
        let (roles, who, what) = match self {
            Kind::Users => (
                &["owner", "admin"][..],
                "a Global Admin or the Account Owner",
                "add users",
            ),
            Kind::Services => (
                &["owner", "admin", "user"][..],
                "a Manager, a Global Admin or the Account Owner",
                "create services",
            ),
            Kind::Offboard => (
                &["owner", "admin"][..],
                "a Global Admin or the Account Owner",
                "offboard people",
            ),
        };
        (!roles.contains(&role)).then(|| {
            format!(
                "Your PagerDuty role is {}. Only {who} may {what}; ask one of them to run this job.",
                crate::models::role_label(role),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noun_names_one_kind_or_none() {
        assert_eq!(Kind::from_noun("users"), Some(Kind::Users));
        assert_eq!(Kind::from_noun("services"), Some(Kind::Services));
        assert_eq!(Kind::from_noun("Users"), None);
        assert_eq!(Kind::from_noun("offboarding"), Some(Kind::Offboard));
        assert_eq!(Kind::from_noun("alerts"), None);
        for k in Kind::ALL {
            assert_eq!(Kind::from_noun(k.noun()), Some(k));
        }
    }

    #[test]
    fn counts_in_words() {
        assert_eq!(Kind::Users.count(1), "1 user");
        assert_eq!(Kind::Services.count(1200), "1,200 services");
        assert_eq!(Kind::Offboard.count(1), "1 person");
        assert_eq!(Kind::Offboard.count(3), "3 people");
    }
}
