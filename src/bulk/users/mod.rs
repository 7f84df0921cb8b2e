//! The users file: pdscope's own header format, PagerDuty's headerless `import_users` format
//! and the headers of PagerDuty's browser sample, read into [`UserSpec`]s with every problem
//! named by row and column.

pub mod account;
pub mod export;
pub mod phones;
pub mod plan;
mod row;
mod steps;
pub mod work;
pub mod zones;

use crate::bulk::check::{columns, Checked, FileError, Problem};
use crate::csvfile::Row;
use row::user;

/// What a users job may need of a Scoped app: its reads and writes (a plan asks only for the
/// writes it makes).
pub const SCOPES: &[&str] = &[
    "users.read",
    "users.write",
    "users:contact_methods.read",
    "users:contact_methods.write",
    "teams.read",
    "teams.write",
    "abilities.read",
];

/// The columns, in words, for the Import page.
pub const HELP: &str = "Columns: name and email (required), role, job_title, time_zone, country_code, phone_number, sms_number, extra_emails, teams, team_roles, notify, description. Lists in a cell are separated by ;. PagerDuty's import_users files (no header row) work as they are.";

/// pdscope's columns, in the order the template and "Export for import" write them.
pub const COLUMNS: &[&str] = &[
    "name",
    "email",
    "role",
    "job_title",
    "time_zone",
    "country_code",
    "phone_number",
    "sms_number",
    "extra_emails",
    "teams",
    "team_roles",
    "notify",
    "description",
];
/// Other names for the same columns (PagerDuty's scripts and samples, common spellings).
const ALIASES: &[(&str, &str)] = &[
    ("title", "job_title"),
    ("timezone", "time_zone"),
    ("phone", "phone_number"),
    ("mobile", "sms_number"),
    ("sms", "sms_number"),
    ("team", "teams"),
    ("team_role", "team_roles"),
    ("notification_rules", "notify"),
    ("full_name", "name"),
    ("email_address", "email"),
    ("e_mail", "email"),
];
/// PagerDuty's `import_users` script: no header, these positions.
const IMPORT_USERS_POSITIONS: &[&str] = &[
    "name",
    "email",
    "role",
    "job_title",
    "country_code",
    "phone_number",
    "teams",
    "team_roles",
];
/// Rules a row gets when `notify` is empty, as PagerDuty's `import_users` script makes them:
/// SMS at once, phone at once and again after 3 minutes (each only if the row has one).
pub const DEFAULT_NOTIFY: &str = "sms:0;phone:0;phone:3";

/// How a contact method reaches a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    Email,
    Phone,
    Sms,
}

impl Channel {
    /// PagerDuty's contact method `type`.
    pub fn api_type(self) -> &'static str {
        match self {
            Channel::Email => "email_contact_method",
            Channel::Phone => "phone_contact_method",
            Channel::Sms => "sms_contact_method",
        }
    }
    /// The channel of a contact method `type` (push and others are not imported).
    pub fn from_api(kind: &str) -> Option<Channel> {
        match kind.strip_suffix("_reference").unwrap_or(kind) {
            "email_contact_method" => Some(Channel::Email),
            "phone_contact_method" => Some(Channel::Phone),
            "sms_contact_method" => Some(Channel::Sms),
            _ => None,
        }
    }
    /// The word used in `notify` and in messages.
    pub fn word(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Sms => "sms",
        }
    }
    /// The label new contact methods get.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Work email",
            Channel::Phone => "Work phone",
            Channel::Sms => "Mobile",
        }
    }
}

/// A contact method to have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub channel: Channel,
    /// E-mail address, or phone digits without country code or trunk prefix.
    pub address: String,
    pub country_code: Option<u16>,
}

impl Contact {
    /// As a person reads it: `+44 7700900123`, `ada@example.com`.
    pub fn display(&self) -> String {
        match self.country_code {
            Some(cc) => format!("+{cc} {}", self.address),
            None => self.address.clone(),
        }
    }
}

/// A notification rule to have: this channel's first contact method (for e-mail, the login
/// address) after `delay` minutes, for high-urgency incidents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub channel: Channel,
    pub delay: u32,
}

/// A team role: PagerDuty's `observer`, `responder`, `manager`.
pub const TEAM_ROLES: &[&str] = &["observer", "responder", "manager"];

/// One user as the file describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSpec {
    pub name: String,
    /// As written; matched case-insensitively.
    pub email: String,
    /// PagerDuty's API value (`None`: PagerDuty's default on create, unchanged on update).
    pub role: Option<String>,
    pub job_title: Option<String>,
    pub time_zone: Option<String>,
    pub description: Option<String>,
    pub contacts: Vec<Contact>,
    pub rules: Vec<Rule>,
    /// Team names with the role to have in each.
    pub teams: Vec<(String, String)>,
    /// The row wrote `team_roles` (then a membership the user already has gets that role;
    /// without it, existing memberships keep theirs).
    pub team_roles_given: bool,
}

/// The teams whose members' roles a plan of `file` must read: those named by rows that write
/// `team_roles` (each once, as written first). Other rows keep their roles and need no read.
pub fn teams_with_roles(file: &crate::bulk::check::Checked<UserSpec>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for spec in file.rows.iter().filter_map(|r| r.spec.as_ref().ok()) {
        if spec.team_roles_given {
            for (t, _) in &spec.teams {
                if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
                    out.push(t.clone());
                }
            }
        }
    }
    out
}

/// A role cell as PagerDuty's API value: API values and the names the web app shows.
pub fn role_value(cell: &str) -> Result<&'static str, String> {
    let key = crate::bulk::check::header_key(cell);
    Ok(match key.as_str() {
        "admin" | "global_admin" => "admin",
        "user" | "manager" => "user",
        "limited_user" | "responder" => "limited_user",
        "observer" => "observer",
        "restricted_access" => "restricted_access",
        "read_only_user" | "full_stakeholder" | "stakeholder" => "read_only_user",
        "read_only_limited_user" | "limited_stakeholder" => "read_only_limited_user",
        "owner" | "account_owner" => {
            return Err("the Account Owner role cannot be given through the API; write Global Admin (admin) and transfer ownership in PagerDuty".into())
        }
        _ => return Err(match role_near(cell) {
            Some(near) => format!("\"{cell}\" is not a PagerDuty role; did you mean {near}?"),
            None => format!("\"{cell}\" is not a PagerDuty role; write one of Global Admin, Manager, Responder, Observer, Restricted Access, Full Stakeholder, Limited Stakeholder (or the API values admin, user, limited_user, …)"),
        }),
    })
}

/// The role a near miss meant, as the web app spells it (`Responer` → `Responder`).
pub fn role_near(cell: &str) -> Option<&'static str> {
    const WEB_NAMES: &[&str] = &[
        "Global Admin",
        "Manager",
        "Responder",
        "Observer",
        "Restricted Access",
        "Full Stakeholder",
        "Limited Stakeholder",
    ];
    super::suggest::closest(cell, WEB_NAMES.iter().copied())
}

/// The team role a user gets when `team_roles` is empty, as PagerDuty's `import_users` script:
/// managers for admins and managers, observers for read-only roles, responders otherwise.
pub fn default_team_role(role: Option<&str>) -> &'static str {
    match role.unwrap_or("user") {
        "admin" | "user" => "manager",
        "read_only_user" | "read_only_limited_user" | "observer" => "observer",
        _ => "responder",
    }
}

/// The licence kinds, each with a role that takes it: stakeholder roles take a Stakeholder
/// licence, every other role a Full User one (reference §12).
pub const LICENCE_KINDS: [(&str, &str); 2] =
    [("Full User", "user"), ("Stakeholder", "read_only_user")];

/// The licence kind a role takes, and a role that stands for that kind (`None`: PagerDuty's
/// default role for a new user, Responder).
pub fn licence_kind(role: Option<&str>) -> (&'static str, &'static str) {
    match role {
        Some("read_only_user" | "read_only_limited_user") => LICENCE_KINDS[1],
        _ => LICENCE_KINDS[0],
    }
}

/// The team role PagerDuty always gives a role, whatever is asked: Global Admins and the
/// Account Owner are managers, stakeholders observers (PagerDuty's `import_users` forces the
/// same). `None`: the asked role is kept.
pub fn fixed_team_role(role: &str) -> Option<&'static str> {
    match role {
        "owner" | "admin" => Some("manager"),
        "read_only_user" | "read_only_limited_user" => Some("observer"),
        _ => None,
    }
}

/// An e-mail address PagerDuty would take: one `@`, something before it, a dotted domain
/// after it, no spaces, at most 254 characters.
pub fn email_ok(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && email.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ';')
}

/// Two-digit calling codes (E.164 codes are prefix-free: `1` and `7` are one digit, these
/// two, every other code three).
const TWO_DIGIT_CODES: &[u16] = &[
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56,
    57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
];

/// Splits `+CC…` digits into the calling code and the rest.
fn split_calling_code(digits: &str) -> Option<(u16, &str)> {
    let take = |n: usize| -> Option<(u16, &str)> {
        Some((digits.get(..n)?.parse().ok()?, digits.get(n..)?))
    };
    match digits.as_bytes().first()? {
        b'1' | b'7' => take(1),
        _ => match take(2) {
            Some((cc, rest)) if TWO_DIGIT_CODES.contains(&cc) => Some((cc, rest)),
            _ => take(3),
        },
    }
}

/// Reads a phone number cell: `+44 7700 900123`, or national digits with `country_code`.
/// Separators (space, `-`, `.`, `(`, `)`) go; `,` `*` `#` (pauses, extensions) stay. The
/// result has no country code and no trunk prefix, as PagerDuty wants it.
pub fn phone(column: &str, value: &str, country: Option<u16>) -> Result<Contact, Problem> {
    let bad = |m: String| Problem::new(column, m);
    let mut digits = String::new();
    let mut plus = false;
    for (i, c) in value.chars().enumerate() {
        match c {
            '0'..='9' | ',' | '*' | '#' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            '+' if i == 0 => plus = true,
            _ => {
                return Err(bad(format!(
                    "\"{value}\" holds \"{c}\"; write digits only, for example +1 555 010 0199"
                )))
            }
        }
    }
    let (cc, national) = if let Some(rest) = digits.strip_prefix("00").filter(|_| !plus) {
        // 0044… is how Europe dials abroad: the same as +44….
        split_calling_code(rest).map(|(cc, n)| (cc, n.to_string()))
    } else if plus {
        split_calling_code(&digits).map(|(cc, n)| (cc, n.to_string()))
    } else {
        country.map(|cc| (cc, digits.clone()))
    }
    .ok_or_else(|| {
        bad(format!(
            "\"{value}\" has no country code; start it with + and the code (+44 7700 900123) or fill country_code"
        ))
    })?;
    if let Some(given) = country.filter(|c| *c != cc && (plus || digits.starts_with("00"))) {
        return Err(bad(format!(
            "starts with +{cc} but country_code says {given}; make them agree"
        )));
    }
    let first_digit = national.chars().next();
    if national.chars().filter(char::is_ascii_digit).count() < 4 {
        return Err(bad(format!(
            "\"{value}\" is too short to be a phone number"
        )));
    }
    if national.len() > 40 {
        return Err(bad(format!(
            "\"{value}\" is longer than 40 digits; PagerDuty takes at most 40"
        )));
    }
    // Stricter than PagerDuty (which refuses a 0 only in some countries, `phones`): a 0 after
    // the country code is a trunk prefix everywhere but Italy and its neighbours.
    if first_digit == Some('0') && !phones::keeps_leading_zero(cc) {
        let without = if plus || digits.starts_with("00") {
            // `00` rather than `+`: a spreadsheet takes a leading `+` for a formula.
            format!("00{cc} {}", &national[1..])
        } else {
            national[1..].to_string()
        };
        return Err(bad(format!(
            "\"{value}\" starts with the trunk prefix 0; write the number without it (+{cc} {})",
            &national[1..]
        ))
        .fix(value, without));
    }
    if cc == phones::NANP && first_digit == Some('1') {
        return Err(bad(format!(
            "\"{value}\" starts with the trunk prefix 1; with country code 1 write the ten digits without it"
        )));
    }
    Ok(Contact {
        channel: Channel::Phone,
        address: national,
        country_code: Some(cc),
    })
}

/// Reads an SMS number cell as `phone` does, and refuses what PagerDuty refuses on SMS only:
/// Mexico's old mobile prefix `1` (reference §9).
pub fn sms(column: &str, value: &str, country: Option<u16>) -> Result<Contact, Problem> {
    let mut c = phone(column, value, country)?;
    let cc = c.country_code.unwrap_or_default();
    if cc == phones::MEXICO && phones::starts_with_refused_prefix(&c.address, cc, true) {
        return Err(Problem::new(
            column,
            format!(
                "\"{value}\" starts with 1; PagerDuty refuses it on SMS to Mexico: write the ten digits without it (+52 {})",
                &c.address[1..]
            ),
        ));
    }
    c.channel = Channel::Sms;
    Ok(c)
}

/// Checks a file of users. `zone` gives a time zone name as PagerDuty spells it (`None`: not
/// a zone), so `europe/berlin` becomes `Europe/Berlin`
/// (the browser asks its own IANA database; tests pass a list).
pub fn check(
    rows: &[Row],
    zone: &dyn Fn(&str) -> Option<String>,
) -> Result<Checked<UserSpec>, FileError> {
    let first = rows.first().ok_or(FileError::NoData)?;
    let has_header = first.fields.iter().any(|c| {
        matches!(
            crate::bulk::check::header_key(c).as_str(),
            "email" | "email_address" | "e_mail"
        )
    });
    let headerless = !has_header && first.fields.get(1).is_some_and(|c| c.contains('@'));
    let (format, header, cols, ignored, data) = if headerless {
        let cols: Vec<(&'static str, usize)> = IMPORT_USERS_POSITIONS
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i))
            .collect();
        (
            "PagerDuty import_users (no header row)",
            None,
            cols,
            vec![],
            rows,
        )
    } else {
        let (cols, ignored) = columns(&first.fields, COLUMNS, ALIASES)?;
        for (column, example) in [
            ("email", "name,email,role,phone_number,teams"),
            ("name", "name,email,role,phone_number,teams"),
        ] {
            if !cols.iter().any(|(k, _)| *k == column) {
                return Err(FileError::MissingColumn { column, example });
            }
        }
        let sample = ["time_zone", "job_title", "description"]
            .iter()
            .all(|k| cols.iter().any(|(c, _)| c == k))
            && ignored.iter().any(|c| c == "avatar_url" || c == "color");
        let format = if sample {
            "PagerDuty's bulk user sample"
        } else {
            "pdscope users"
        };
        (
            format,
            Some(first.fields.clone()),
            cols,
            ignored,
            &rows[1..],
        )
    };
    if data.is_empty() {
        return Err(FileError::NoData);
    }
    let lines = crate::bulk::check::lines(
        data,
        &cols,
        "email",
        |email, line| {
            format!(
                "{} is also on line {line}; keep one row per person",
                email.to_lowercase()
            )
        },
        |row| user(row, &cols, zone),
    );
    Ok(Checked {
        format,
        header,
        ignored,
        columns: cols,
        rows: lines,
    })
}

#[cfg(test)]
pub(crate) mod tests;
