//! Bulk jobs: files of many rows turned into writes to PagerDuty, pure and tested natively.
//!
//! Every kind of job has the same spine, one module each:
//! - read the file ([`crate::csvfile`]) and **check** it without the network: [`check`];
//! - **plan** against what the account holds ([`account`] says what to read and reads it;
//!   [`plan`] is the dry run's shape: every change, before → after);
//! - **run** the plan ([`run`]), paced under PagerDuty's rate limit, a lost answer read back
//!   before any retry, nothing done twice; its [`journal`] survives a reload;
//! - **report** per row, and the rows that failed, as CSV ([`report`]).
//!
//! A kind is a folder (`users/`, `services/`): its columns, template and help text, check,
//! planner, steps and export. This file is the one place that dispatches on the kind: a new
//! kind is its folder plus one arm in [`Kind`], [`File`], [`plan::Work`] and the page's kind
//! picker. An unknown kind is an error, never another kind by default.
//!
//! Nothing from a file is ever turned into HTML or a URL path: ids in paths come from
//! PagerDuty's answers, and names reach PagerDuty only inside JSON bodies or as encoded
//! query values.

pub mod account;
pub mod check;
pub mod filter;
pub mod journal;
pub mod kind;
pub mod offboard;
pub mod plan;
pub mod report;
pub mod run;
pub mod services;
pub mod suggest;
pub mod users;
pub mod words;

pub use check::{CheckedFile, FileError, Line, Problem};
pub use kind::Kind;

use account::{Account, Reads};
use check::Checked;
use plan::Plan;
use report::ReportRow;
use services::ServiceSpec;
use std::sync::Arc;
use users::UserSpec;

/// A checked file of any kind: one arm per kind.
#[derive(Clone, Debug)]
pub enum File {
    Users(Arc<Checked<UserSpec>>),
    Services(Arc<Checked<ServiceSpec>>),
    Offboard(Arc<Checked<offboard::Leaver>>),
}

impl File {
    /// Reads and checks `bytes` as a file of `kind` (no network). `zone` spells a time zone
    /// as PagerDuty does, when it knows it.
    pub fn check(
        kind: Kind,
        bytes: &[u8],
        zone: &dyn Fn(&str) -> Option<String>,
    ) -> Result<File, FileError> {
        let rows = crate::csvfile::read(bytes)?;
        Ok(match kind {
            Kind::Users => File::Users(Arc::new(users::check(&rows, zone)?)),
            Kind::Services => File::Services(Arc::new(services::check(&rows)?)),
            Kind::Offboard => File::Offboard(Arc::new(offboard::check(&rows)?)),
        })
    }

    pub fn kind(&self) -> Kind {
        match self {
            File::Users(_) => Kind::Users,
            File::Services(_) => Kind::Services,
            File::Offboard(_) => Kind::Offboard,
        }
    }

    /// What every checked file tells, whatever its kind.
    pub fn checked(&self) -> &dyn CheckedFile {
        match self {
            File::Users(c) => c.as_ref(),
            File::Services(c) => c.as_ref(),
            File::Offboard(c) => c.as_ref(),
        }
    }

    /// What a plan of this file must read of the account (`now_ms`: the time of the reads,
    /// from which future overrides and the next 7 days count).
    pub fn reads(&self, now_ms: f64) -> Reads {
        match self {
            File::Users(c) => Reads {
                members_of: users::teams_with_roles(c),
                abilities: true,
                licences: true,
                ..export_reads(Kind::Users)
            },
            File::Services(_) => Reads {
                abilities: true,
                ..export_reads(Kind::Services)
            },
            File::Offboard(c) => Reads {
                users: true,
                teams: true,
                abilities: true,
                oncall_of: offboard::people(c),
                now_ms,
                ..Reads::default()
            },
        }
    }

    /// The dry run against what was read.
    pub fn plan(&self, account: &Account, opts: plan::Options) -> Plan {
        match self {
            File::Users(c) => users::plan::users(c, account, opts),
            File::Services(c) => services::plan::services(c, account),
            File::Offboard(c) => offboard::plan::offboard(c, account, opts.me.as_deref()),
        }
    }

    /// The rows `report` says did not make it, as the file had them.
    pub fn failed_rows(&self, report: &[ReportRow]) -> String {
        report::failed_rows(self.checked(), report)
    }
}

/// What "Export for import" of `kind` reads.
pub fn export_reads(kind: Kind) -> Reads {
    match kind {
        Kind::Users => Reads {
            users: true,
            teams: true,
            ..Reads::default()
        },
        Kind::Services => Reads {
            services: true,
            policies: true,
            ..Reads::default()
        },
        Kind::Offboard => Reads::default(),
    }
}

/// Everything in `account` of `kind` as a file in pdscope's own format ("Export for
/// import"): it imports as is, so export → edit → import is a bulk edit. Returns the file
/// and how many rows it has.
pub fn export(kind: Kind, account: &Account) -> (String, usize) {
    let rows = match kind {
        Kind::Users => users::export::export(account),
        Kind::Services => services::export::export(account),
        // Who leaves is the person's to write; there is nothing to export.
        Kind::Offboard => vec![],
    };
    (file(kind, &rows), rows.len())
}

/// The template file of `kind`: its columns and two example rows.
pub fn template(kind: Kind) -> String {
    match kind {
        Kind::Users => file(kind, users::export::TEMPLATE_ROWS),
        Kind::Services => file(kind, services::export::TEMPLATE_ROWS),
        Kind::Offboard => file(kind, offboard::TEMPLATE_ROWS),
    }
}

/// A file of `kind`'s columns and `rows`.
fn file<R: AsRef<[S]>, S: AsRef<str>>(kind: Kind, rows: &[R]) -> String {
    let mut out = crate::csvfile::Writer::new();
    out.row(kind.columns());
    for row in rows {
        out.row(row.as_ref().iter().map(AsRef::as_ref));
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_imports_as_is_and_plans_as_unchanged() {
        use account::{Account, Named};
        use services::account::AService;
        use users::account::{AUser, Cm, NRule};
        use users::Channel;
        let account = Account {
            abilities: None,
            licences: None,
            oncall: Default::default(),
            users: vec![AUser {
                id: "U1".into(),
                name: "Zoë, \"Z\" O'Neil".into(),
                email: "zoe@example.com".into(),
                role: "limited_user".into(),
                time_zone: Some("Europe/Berlin".into()),
                contacts: vec![
                    Cm {
                        id: "C1".into(),
                        channel: Channel::Email,
                        address: "zoe@example.com".into(),
                        country_code: None,
                    },
                    Cm {
                        id: "C2".into(),
                        channel: Channel::Phone,
                        address: "15112345678".into(),
                        country_code: Some(49),
                    },
                    Cm {
                        id: "C3".into(),
                        channel: Channel::Email,
                        address: "=cmd@example.com".into(),
                        country_code: None,
                    },
                ],
                rules: vec![
                    NRule {
                        id: "R1".into(),
                        cm_id: "C1".into(),
                        delay: 0,
                        urgency: "high".into(),
                    },
                    NRule {
                        id: "R2".into(),
                        cm_id: "C2".into(),
                        delay: 5,
                        urgency: "high".into(),
                    },
                ],
                teams: vec!["T1".into()],
                ..Default::default()
            }],
            teams: vec![Named {
                id: "T1".into(),
                name: "Ops; Night".into(),
            }],
            members: [(("T1".into(), "U1".into()), "responder".into())].into(),
            policies: vec![Named {
                id: "P1".into(),
                name: "Ops".into(),
            }],
            services: vec![AService {
                id: "S1".into(),
                name: "Web".into(),
                description: Some("a,b".into()),
                policy_id: "P1".into(),
                urgency: Some("low".into()),
                ack_timeout: Some(600),
                auto_resolve: None,
                integrations: vec![services::keys::AIntegration {
                    id: "I1".into(),
                    kind: services::keys::EVENTS_V2.into(),
                    name: "Datadog".into(),
                }],
            }],
        };
        let zone = |z: &str| Some(z.to_string());
        // Who leaves is the person's to write: offboarding exports nothing.
        assert_eq!(
            export(Kind::Offboard, &account),
            (file(Kind::Offboard, &[] as &[&[&str]]), 0)
        );
        for kind in [Kind::Users, Kind::Services] {
            let (text, n) = export(kind, &account);
            assert_eq!(n, 1, "{kind:?}");
            let file = File::check(kind, text.as_bytes(), &zone).unwrap();
            assert_eq!(file.kind(), kind);
            assert_eq!(file.checked().valid(), 1, "{kind:?}");
            let p = file.plan(&account, plan::Options::default());
            assert_eq!(p.kind, kind);
            assert_eq!(p.rows[0].action, plan::Action::Unchanged, "{:?}", p.rows[0]);
        }
    }

    #[test]
    fn each_kind_says_what_to_read_and_its_template_checks() {
        let zone = |z: &str| Some(z.to_string());
        for kind in Kind::ALL {
            let edited = match kind {
                Kind::Users => users::tests::edited_template(),
                Kind::Services => services::tests::edited_template(),
                Kind::Offboard => template(kind)
                    .replace("leaver@", "ana@")
                    .replace("mover@", "mo@"),
            };
            // As is, the template's example rows are refused; edited, they check.
            let file = File::check(kind, template(kind).as_bytes(), &zone).unwrap();
            assert_eq!(file.checked().valid(), 0, "{kind:?}");
            let file = File::check(kind, edited.as_bytes(), &zone).unwrap();
            assert_eq!(file.checked().len(), 2, "{kind:?}");
            assert_eq!(file.checked().valid(), 2, "{kind:?}");
            let reads = file.reads(0.0);
            assert!(reads.abilities, "a plan reads the account's abilities");
            assert_eq!(reads.users, kind != Kind::Services);
            assert_eq!(reads.services, kind == Kind::Services);
            if kind == Kind::Offboard {
                // Offboarding reads the people it names and who takes over, once for them all.
                assert_eq!(reads.oncall_of, vec!["ana@example.com", "mo@example.com"]);
                continue;
            }
            // What an export reads is what a plan of that kind reads, without team roles.
            assert_eq!(
                Reads {
                    members_of: vec![],
                    abilities: false,
                    licences: false,
                    ..reads
                },
                export_reads(kind)
            );
        }
        let edited = users::tests::edited_template();
        let users = File::check(Kind::Users, edited.as_bytes(), &zone).unwrap();
        assert_eq!(users.reads(0.0).members_of, vec!["Payments", "Platform"]);
        // A file that is not CSV of the kind is an error in words, not a panic.
        let e = File::check(Kind::Services, b"email\nada@example.com\n", &zone).unwrap_err();
        assert!(e.to_string().contains("no name column"), "{e}");
    }
}
