//! One row of a users file: every cell checked, each problem named by its column, or the
//! row's [`UserSpec`].

use super::{
    default_team_role, email_ok, phone, role_value, sms, Channel, Contact, Rule, UserSpec,
    DEFAULT_NOTIFY, TEAM_ROLES,
};
use crate::bulk::check::{cell, check_text, list, minutes, Problem};
use crate::csvfile::Row;

/// Teams one row may name (a cell is otherwise unbounded).
const MAX_TEAMS: usize = 100;

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// One row: every problem, or the spec.
pub(super) fn user(
    row: &Row,
    cols: &[(&'static str, usize)],
    zone: &dyn Fn(&str) -> Option<String>,
) -> Result<UserSpec, Vec<Problem>> {
    let get = |name: &str| cell(row, cols, name);
    let mut problems = Vec::new();
    let name = get("name");
    if name.is_empty() {
        problems.push(Problem::new(
            "name",
            "is empty; write the person's full name",
        ));
    }
    check_text("name", name, 100, false, &mut problems);
    let email = get("email");
    if email.is_empty() {
        problems.push(Problem::new(
            "email",
            "is empty; write the address the person signs in with",
        ));
    } else if !email_ok(email) {
        problems.push(Problem::new(
            "email",
            format!("\"{email}\" is not an e-mail address; write one like ada@example.com"),
        ));
    }
    if super::export::is_template_row(email) {
        problems.push(Problem::new("", super::export::TEMPLATE_ROW));
    }
    let role = match get("role") {
        "" => None,
        r => match role_value(r) {
            Ok(v) => Some(v.to_string()),
            Err(m) => {
                let p = Problem::new("role", m);
                problems.push(match super::role_near(r) {
                    Some(near) => p.fix(r, near),
                    None => p,
                });
                None
            }
        },
    };
    let job_title = opt(get("job_title"));
    check_text("job_title", get("job_title"), 100, false, &mut problems);
    let description = opt(get("description"));
    check_text("description", get("description"), 1024, true, &mut problems);
    let time_zone = opt(get("time_zone")).and_then(|tz| {
        let known = zone(&tz);
        if known.is_none() {
            problems.push(Problem::new(
                "time_zone",
                format!("\"{tz}\" is not a time zone name; write an IANA name such as Europe/Berlin or America/New_York"),
            ));
        }
        known
    });
    let country = match get("country_code") {
        "" => None,
        c => match c.trim_start_matches('+').parse::<u16>() {
            Ok(n) if (1..=1999).contains(&n) => Some(n),
            _ => {
                problems.push(Problem::new(
                    "country_code",
                    format!("\"{c}\" is not a country calling code; write a number from 1 to 1999, such as 44 or 1"),
                ));
                None
            }
        },
    };

    let mut contacts: Vec<Contact> = Vec::new();
    let phones = list(get("phone_number"));
    let sms_cell = get("sms_number");
    let sms_none = sms_cell.eq_ignore_ascii_case("none");
    for (column, values, channel) in [
        ("phone_number", phones.clone(), Channel::Phone),
        (
            "sms_number",
            // Without its own column, SMS goes to the phone numbers (PagerDuty's script does so).
            if sms_none {
                vec![]
            } else if sms_cell.is_empty() {
                phones.clone()
            } else {
                list(sms_cell)
            },
            Channel::Sms,
        ),
    ] {
        if values.len() > 3 {
            problems.push(Problem::new(
                column,
                format!(
                    "lists {} numbers; PagerDuty takes at most 3 per person",
                    values.len()
                ),
            ));
        }
        for v in values.iter().take(3) {
            let read = match channel {
                Channel::Sms => sms(column, v, country),
                _ => phone(column, v, country),
            };
            match read {
                Ok(mut c) => {
                    c.channel = channel;
                    contacts.push(c)
                }
                Err(p) => {
                    // The same bad number is reported once, under the column it was written in;
                    // a number good for calls but not for SMS (Mexico's 1) is reported too.
                    let reported = channel == Channel::Sms
                        && phones.contains(v)
                        && phone(column, v, country).is_err();
                    if !reported {
                        problems.push(p)
                    }
                }
            }
        }
    }
    let mut extras = list(get("extra_emails"));
    // Bounded work: a cell can hold thousands of items; PagerDuty keeps 10 methods a user.
    if extras.len() > 10 {
        problems.push(Problem::new(
            "extra_emails",
            format!(
                "lists {} addresses; a user has at most 10 contact methods",
                extras.len()
            ),
        ));
        extras.clear();
    }
    for extra in extras {
        if !email_ok(&extra) {
            problems.push(Problem::new(
                "extra_emails",
                format!("\"{extra}\" is not an e-mail address"),
            ));
        } else if extra.eq_ignore_ascii_case(email) {
            problems.push(Problem::new(
                "extra_emails",
                format!(
                    "{extra} is the login address, which PagerDuty adds by itself; remove it here"
                ),
            ));
        } else {
            contacts.push(Contact {
                channel: Channel::Email,
                address: extra,
                country_code: None,
            });
        }
    }
    // The login address's contact method PagerDuty makes on create counts toward the 10.
    if contacts.len() + 1 > 10 {
        problems.push(Problem::new(
            "",
            "has more than 10 contact methods with the login address; PagerDuty takes at most 10",
        ));
    }

    let notify_cell = get("notify");
    let mut rules = Vec::new();
    if !notify_cell.eq_ignore_ascii_case("none") {
        let explicit = !notify_cell.is_empty();
        for item in list(if explicit {
            notify_cell
        } else {
            DEFAULT_NOTIFY
        }) {
            let Some((ch, min)) = item.split_once(':') else {
                problems.push(Problem::new(
                    "notify",
                    format!("\"{item}\" is not channel:minutes; write for example sms:0;phone:5"),
                ));
                continue;
            };
            let channel = match ch.trim().to_lowercase().as_str() {
                "email" => Channel::Email,
                "phone" => Channel::Phone,
                "sms" => Channel::Sms,
                other => {
                    problems.push(Problem::new(
                        "notify",
                        format!("\"{other}\" is not a channel; write email, phone or sms"),
                    ));
                    continue;
                }
            };
            let Some(delay) = minutes("notify", min.trim(), 1440, &mut problems) else {
                continue;
            };
            let has = channel == Channel::Email || contacts.iter().any(|c| c.channel == channel);
            if !has {
                if explicit {
                    problems.push(Problem::new(
                        "notify",
                        format!(
                            "names {} but the row has no {} number; add one or remove {item}",
                            channel.word(),
                            channel.word()
                        ),
                    ));
                }
                continue;
            }
            let rule = Rule { channel, delay };
            if rules.contains(&rule) {
                problems.push(Problem::new("notify", format!("lists {item} twice")));
            } else {
                rules.push(rule);
            }
        }
    }

    let mut team_names = list(get("teams"));
    if team_names.len() > MAX_TEAMS {
        problems.push(Problem::new(
            "teams",
            format!(
                "lists {} teams; write at most {MAX_TEAMS} in a row",
                team_names.len()
            ),
        ));
        team_names.clear();
    }
    let mut seen_teams = std::collections::BTreeSet::new();
    let team_roles = list(get("team_roles"));
    let mut teams = Vec::new();
    if !team_roles.is_empty() && team_roles.len() != 1 && team_roles.len() != team_names.len() {
        problems.push(Problem::new(
            "team_roles",
            format!(
                "lists {} roles for {} teams; give one role per team in the same order, or one role for all",
                team_roles.len(),
                team_names.len()
            ),
        ));
    }
    for (i, t) in team_names.iter().enumerate() {
        check_text("teams", t, 100, false, &mut problems);
        let r = match team_roles.len() {
            0 => default_team_role(role.as_deref()).to_string(),
            1 => team_roles[0].to_lowercase(),
            _ => team_roles
                .get(i)
                .map(|r| r.to_lowercase())
                .unwrap_or_default(),
        };
        if !r.is_empty() && !TEAM_ROLES.contains(&r.as_str()) {
            problems.push(
                match crate::bulk::suggest::closest(&r, TEAM_ROLES.iter().copied()) {
                    Some(near) => Problem::new(
                        "team_roles",
                        format!("\"{r}\" is not a team role; did you mean {near}?"),
                    )
                    .fix(&r, near),
                    None => Problem::new(
                        "team_roles",
                        format!("\"{r}\" is not a team role; write observer, responder or manager"),
                    ),
                },
            );
        }
        if !seen_teams.insert(t.to_lowercase()) {
            problems.push(Problem::new("teams", format!("lists {t} twice")));
        }
        teams.push((t.clone(), r));
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(UserSpec {
        name: name.to_string(),
        email: email.to_string(),
        role,
        job_title,
        time_zone,
        description,
        contacts,
        rules,
        teams,
        team_roles_given: !team_roles.is_empty(),
    })
}
