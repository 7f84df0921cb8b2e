use super::*;
use crate::csvfile;

fn zones(z: &str) -> Option<String> {
    ["Europe/London", "America/New_York", "Europe/Berlin", "UTC"]
        .iter()
        .find(|k| k.eq_ignore_ascii_case(z))
        .map(|k| k.to_string())
}

fn checked(text: &str) -> Checked<UserSpec> {
    check(&csvfile::read(text.as_bytes()).unwrap(), &zones).unwrap()
}

fn problems(text: &str) -> Vec<(String, String)> {
    checked(text)
        .rows
        .into_iter()
        .flat_map(|r| r.spec.err().unwrap_or_default())
        .map(|p| (p.column, p.message))
        .collect()
}

/// The template with its example people made real (as a person would edit it).
pub(crate) fn edited_template() -> String {
    crate::bulk::template(crate::bulk::Kind::Users)
        .replace("ada.lovelace@", "ada@")
        .replace("grace.hopper@", "grace@")
}

#[test]
fn the_templates_own_rows_are_not_imported_by_accident() {
    let c = checked(&crate::bulk::template(crate::bulk::Kind::Users));
    assert_eq!(c.valid(), 0);
    for row in &c.rows {
        assert!(
            row.spec
                .as_ref()
                .unwrap_err()
                .contains(&Problem::new("", export::TEMPLATE_ROW)),
            "{row:?}"
        );
    }
    assert_eq!(
        export::TEMPLATE_ROW,
        "this is the template's example row; replace it with a real person or delete it"
    );
}

#[test]
fn an_export_writes_no_plus_and_roles_as_the_web_app_names_them() {
    use crate::bulk::account::Account;
    use account::{AUser, Cm};
    let cm = |id: &str, channel, address: &str, cc| Cm {
        id: id.into(),
        channel,
        address: address.into(),
        country_code: cc,
    };
    let account = Account {
        users: vec![
            AUser {
                id: "U1".into(),
                name: "Ada".into(),
                email: "ada@example.com".into(),
                role: "limited_user".into(),
                contacts: vec![cm("C1", Channel::Phone, "7700900123", Some(44))],
                ..Default::default()
            },
            AUser {
                id: "U2".into(),
                name: "Bo".into(),
                email: "bo@example.com".into(),
                role: "admin".into(),
                contacts: vec![
                    cm("C2", Channel::Phone, "7700900123", Some(44)),
                    cm("C3", Channel::Sms, "2125550142", Some(1)),
                ],
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let (text, _) = crate::bulk::export(crate::bulk::Kind::Users, &account);
    assert!(!text.contains(",'") && !text.contains(",+"), "{text}");
    let back = checked(&text);
    let ada = &back.rows[0];
    assert_eq!(ada.raw[2], "Responder");
    assert_eq!(
        (ada.raw[5].as_str(), ada.raw[6].as_str()),
        ("44", "7700900123")
    );
    let bo = &back.rows[1];
    assert_eq!(bo.raw[2], "Global Admin");
    assert_eq!(bo.raw[5], "");
    assert_eq!(bo.raw[6], "0044 7700900123");
    for (row, user) in back.rows.iter().zip(&account.users) {
        assert_eq!(row.spec.as_ref().unwrap(), &user.spec(&|_| None));
    }
}

#[test]
fn the_template_is_valid_and_says_what_it_means() {
    let c = checked(&edited_template());
    assert_eq!(c.format, "pdscope users");
    assert_eq!(c.valid(), 2, "{:?}", c.rows);
    let ada = c.rows[0].spec.as_ref().unwrap();
    assert_eq!(ada.role.as_deref(), Some("user"));
    assert_eq!(
        ada.contacts,
        vec![
            Contact {
                channel: Channel::Phone,
                address: "7700900123".into(),
                country_code: Some(44)
            },
            Contact {
                channel: Channel::Sms,
                address: "7700900123".into(),
                country_code: Some(44)
            },
        ]
    );
    assert_eq!(
        ada.rules,
        vec![
            Rule {
                channel: Channel::Sms,
                delay: 0
            },
            Rule {
                channel: Channel::Phone,
                delay: 0
            },
            Rule {
                channel: Channel::Phone,
                delay: 3
            },
        ]
    );
    assert_eq!(
        ada.teams,
        vec![
            ("Payments".into(), "manager".into()),
            ("Platform".into(), "responder".into())
        ]
    );
    let grace = c.rows[1].spec.as_ref().unwrap();
    assert_eq!(
        grace.contacts.len(),
        2,
        "phone and the extra e-mail, no SMS"
    );
    assert_eq!(grace.contacts[0].address, "2125550142");
    assert_eq!(grace.contacts[1].channel, Channel::Email);
    assert_eq!(
        grace.rules,
        vec![
            Rule {
                channel: Channel::Phone,
                delay: 0
            },
            Rule {
                channel: Channel::Email,
                delay: 5
            }
        ]
    );
    assert_eq!(
        grace.teams,
        vec![("Platform".into(), "responder".into())],
        "a responder's default"
    );
}

#[test]
fn pagerdutys_headerless_import_users_format_is_read_as_is() {
    let c = checked("Ada Lovelace,ada@example.com,admin,SRE,44,7700900123,Payments;Ops,\nBo,bo@example.com,observer,,1,2125550142,Ops,responder\n");
    assert_eq!(c.format, "PagerDuty import_users (no header row)");
    assert_eq!(c.header, None);
    assert_eq!(c.valid(), 2);
    let ada = c.rows[0].spec.as_ref().unwrap();
    assert_eq!(c.rows[0].line, 1, "the first line is data");
    assert_eq!(ada.role.as_deref(), Some("admin"));
    assert_eq!(
        ada.teams[1],
        ("Ops".into(), "manager".into()),
        "an admin manages"
    );
    assert_eq!(ada.rules.len(), 3);
    let bo = c.rows[1].spec.as_ref().unwrap();
    assert_eq!(bo.teams, vec![("Ops".into(), "responder".into())]);
}

#[test]
fn the_browser_samples_headers_are_accepted() {
    let c = checked("name,email,time_zone,color,role,job_title,avatar_url,description\nAda,ada@example.com,UTC,purple,limited_user,SRE,https://x/a.png,Hi\n");
    assert_eq!(c.format, "PagerDuty's bulk user sample");
    assert_eq!(c.ignored, vec!["color", "avatar_url"]);
    let ada = c.rows[0].spec.as_ref().unwrap();
    assert_eq!(ada.time_zone.as_deref(), Some("UTC"));
    assert!(
        ada.contacts.is_empty() && ada.rules.is_empty(),
        "no phone: no rules"
    );
}

#[test]
fn roles_take_api_values_and_web_names() {
    for (cell, api) in [
        ("Global Admin", "admin"),
        ("manager", "user"),
        ("Responder", "limited_user"),
        ("Full Stakeholder", "read_only_user"),
        ("limited stakeholder", "read_only_limited_user"),
        ("restricted_access", "restricted_access"),
    ] {
        assert_eq!(role_value(cell), Ok(api), "{cell}");
    }
    assert!(role_value("Account Owner")
        .unwrap_err()
        .contains("cannot be given"));
    assert!(role_value("boss")
        .unwrap_err()
        .contains("not a PagerDuty role"));
}

#[test]
fn phones_are_checked_like_pagerduty_does() {
    let ok = |v: &str, cc: Option<u16>| phone("phone_number", v, cc).map(|c| c.display());
    assert_eq!(ok("+44 7700 900123", None).unwrap(), "+44 7700900123");
    assert_eq!(ok("0044 7700 900123", None).unwrap(), "+44 7700900123");
    assert_eq!(ok("(212) 555-0142", Some(1)).unwrap(), "+1 2125550142");
    assert_eq!(ok("+1 212 555 0142", Some(1)).unwrap(), "+1 2125550142");
    assert_eq!(
        ok("+39 06 1234 5678", None).unwrap(),
        "+39 0612345678",
        "Italy keeps its 0"
    );
    assert_eq!(ok("+353 85 123 4567", None).unwrap(), "+353 851234567");
    assert_eq!(ok("+7 912 345 6789", None).unwrap(), "+7 9123456789");
    assert_eq!(
        ok("212 555 0142,,123#", Some(1)).unwrap(),
        "+1 2125550142,,123#"
    );
    for (v, cc, says) in [
        ("07700 900123", Some(44), "trunk prefix 0"),
        ("+44 07700 900123", None, "trunk prefix 0"),
        ("1 212 555 0142", Some(1), "trunk prefix 1"),
        ("555-CALL-NOW", Some(1), "holds \"C\""),
        ("2125550142", None, "no country code"),
        ("+44 7700 900123", Some(1), "make them agree"),
        ("12", Some(1), "too short"),
    ] {
        let e = ok(v, cc).unwrap_err();
        assert!(e.message.contains(says), "{v}: {}", e.message);
    }
    let long = "2".repeat(41);
    assert!(ok(&long, Some(44))
        .unwrap_err()
        .message
        .contains("40 digits"));
}

#[test]
fn mexican_sms_numbers_go_without_the_old_mobile_1() {
    let ok = |v: &str, cc: Option<u16>| sms("sms_number", v, cc).map(|c| c.display());
    assert_eq!(ok("+52 55 1234 5678", None).unwrap(), "+52 5512345678");
    let e = ok("+52 1 55 1234 5678", None).unwrap_err();
    assert!(e.message.contains("SMS to Mexico"), "{}", e.message);
    assert!(e.message.contains("+52 5512345678"), "{}", e.message);
    // For calls PagerDuty takes it; elsewhere SMS is read as a phone is.
    assert!(phone("phone_number", "+52 1 55 1234 5678", None).is_ok());
    assert_eq!(ok("+44 7700 900123", None).unwrap(), "+44 7700900123");
    assert!(ok("1 212 555 0142", Some(1)).is_err());
    // A number in phone_number alone, good for calls, is reported for its SMS.
    let found = problems(
        "name,email,country_code,phone_number\n\
        A,a@example.com,52,15512345678\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "sms_number");
    assert!(found[0].1.contains("SMS to Mexico"), "{found:?}");
}

#[test]
fn every_bad_cell_is_named_with_what_to_write() {
    let file =
        "name,email,role,time_zone,country_code,phone_number,sms_number,teams,team_roles,notify\n\
        ,not-an-email,boss,Mars/Base,2000,07700,,A;B,manager;x;y,pager:0\n\
        Bo,bo@example.com,,,44,7700900123;7700900124;7700900125;7700900126,,,,\n\
        Cy,BO@example.com,Full Stakeholder,,,,,Ops,,sms:5\n";
    let found = problems(file);
    let has = |col: &str, text: &str| {
        assert!(
            found.iter().any(|(c, m)| c == col && m.contains(text)),
            "{col}: {text} in {found:#?}"
        )
    };
    has("name", "is empty");
    has("email", "not an e-mail address");
    has("role", "not a PagerDuty role");
    has("time_zone", "IANA name");
    has("country_code", "1 to 1999");
    has("phone_number", "no country code");
    has("team_roles", "3 roles for 2 teams");
    has("notify", "not a channel");
    has("phone_number", "at most 3");
    has("email", "also on line 3");
    has("notify", "names sms but the row has no sms number");
    // Rows with problems stay, in order, with their lines.
    let c = checked(file);
    assert_eq!(
        c.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert_eq!(c.valid(), 0);
}

#[test]
fn sms_follows_the_phone_unless_told_otherwise() {
    let c = checked(
        "name,email,country_code,phone_number,sms_number,notify\n\
        A,a@example.com,44,7700900123,none,\n\
        B,b@example.com,44,7700900123,7700900999,sms:1\n\
        C,c@example.com,,,,none\n",
    );
    let a = c.rows[0].spec.as_ref().unwrap();
    assert_eq!(a.contacts.len(), 1);
    assert_eq!(
        a.rules,
        vec![
            Rule {
                channel: Channel::Phone,
                delay: 0
            },
            Rule {
                channel: Channel::Phone,
                delay: 3
            }
        ]
    );
    let b = c.rows[1].spec.as_ref().unwrap();
    assert_eq!(b.contacts[1].address, "7700900999");
    assert_eq!(
        b.rules,
        vec![Rule {
            channel: Channel::Sms,
            delay: 1
        }]
    );
    assert!(c.rows[2].spec.as_ref().unwrap().rules.is_empty());
}

#[test]
fn time_zones_are_spelled_as_pagerduty_does() {
    let c = checked("name,email,time_zone\nA,a@example.com,europe/berlin\n");
    assert_eq!(
        c.rows[0].spec.as_ref().unwrap().time_zone.as_deref(),
        Some("Europe/Berlin")
    );
}

#[test]
fn files_that_are_not_user_files_say_so() {
    let rows = csvfile::read(b"name,title\nAda,SRE\n").unwrap();
    let e = check(&rows, &zones).unwrap_err();
    assert!(e.to_string().contains("no email column"), "{e}");
    let rows = csvfile::read(b"name,email\n").unwrap();
    assert_eq!(check(&rows, &zones).unwrap_err(), FileError::NoData);
    let rows = csvfile::read(b"name,email,Email\nA,a@x.io,b@x.io\n").unwrap();
    assert!(matches!(
        check(&rows, &zones),
        Err(FileError::RepeatedColumn(_))
    ));
}

#[test]
fn an_exported_row_reads_back_as_the_same_spec() {
    let c = checked(&edited_template());
    for row in &c.rows {
        let spec = row.spec.clone().unwrap();
        let mut text = COLUMNS.join(",") + "\n";
        text += &export::export_row(&spec)
            .iter()
            .map(|c| crate::csvfile::cell(c))
            .collect::<Vec<_>>()
            .join(",");
        let back = checked(&text);
        assert_eq!(back.rows[0].spec.as_ref(), Ok(&spec), "{text}");
    }
}

#[test]
fn proposed_values_make_a_corrected_file_that_checks() {
    use crate::bulk::CheckedFile;
    let text = "name,email,role,country_code,phone_number,teams,team_roles\nAda,ada@example.com,Responer,44,07700 900123,Payments,managr\nBo,bo@example.com,Boss,,+44 07700 900999,,\nCy,cy@example.com,Observer,,,,\n";
    let c = checked(text);
    let ps = problems(text);
    assert!(
        ps.contains(&(
            "role".into(),
            "\"Responer\" is not a PagerDuty role; did you mean Responder?".into()
        )),
        "{ps:?}"
    );
    assert_eq!(c.suggestions(&[]), 4);
    // The plan's error rows repeat the check's problems: each proposal counts once.
    let repeated: Vec<(u64, &Problem)> = c
        .rows
        .iter()
        .flat_map(|r| {
            r.spec
                .as_ref()
                .err()
                .into_iter()
                .flatten()
                .map(move |p| (r.line, p))
        })
        .collect();
    assert_eq!(c.suggestions(&repeated), 4);
    let fixed = c.corrected(&[]).unwrap();
    let again = checked(&fixed);
    assert_eq!(again.valid(), 2, "{fixed}");
    assert_eq!(
        again.rows[0].raw,
        [
            "Ada",
            "ada@example.com",
            "Responder",
            "44",
            "7700900123",
            "Payments",
            "manager"
        ]
    );
    // A cell with no proposal stays as written (Boss is no near miss), the number is fixed.
    assert_eq!(again.rows[1].raw[2], "Boss");
    assert_eq!(again.rows[1].raw[4], "0044 7700900999");
    // Nothing proposed: no corrected file.
    assert_eq!(
        checked("name,email\nAda,ada@example.com\n").corrected(&[]),
        None
    );
}

#[test]
fn list_cells_are_bounded_so_no_cell_makes_the_check_quadratic() {
    let teams: Vec<String> = (0..20_000).map(|i| format!("Team {i}")).collect();
    let emails: Vec<String> = (0..11).map(|i| format!("x{i}@example.com")).collect();
    let text = format!(
        "name,email,teams,extra_emails\nAda,ada@example.com,{},{}\nBo,bo@example.com,Ops;ops,\n",
        teams.join(";"),
        emails.join(";")
    );
    let c = checked(&text);
    let problems = Problem::joined(c.rows[0].spec.as_ref().unwrap_err());
    assert!(
        problems.contains("lists 20000 teams; write at most 100"),
        "{problems}"
    );
    assert!(problems.contains("lists 11 addresses"), "{problems}");
    // Repeats are found in any case, once.
    let problems = Problem::joined(c.rows[1].spec.as_ref().unwrap_err());
    assert_eq!(problems, "teams: lists ops twice");
}
