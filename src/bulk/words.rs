//! The plan's sentences, with their plurals right ("1 request", "the new user"), so the
//! Import page only places them.

use crate::numfmt::group;

/// `n` things in words: `count(1, "request", "requests")` is "1 request".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", group(n as u64), if n == 1 { one } else { many })
}

/// What the import will send, as `who`, taking about `minutes`; or, when it sends nothing,
/// why ("every row already matches").
pub fn writes(who: &str, writes: usize, minutes: u64, errors: usize) -> String {
    match (writes, errors) {
        (0, 0) => "Nothing to import: every row already matches.".into(),
        (0, _) => "Nothing to import: every row already matches or has a problem to fix first."
            .into(),
        _ => format!(
            "It will write as {who}, with about {} (at PagerDuty's 960 a minute: about {minutes} min).",
            count(writes, "request", "requests")
        ),
    }
}

/// What a finished run sent, in words: "1 request, none answered \"rate limited\"".
pub fn run_done(sent: u64, throttled: u64) -> String {
    let throttled = match throttled {
        0 => "none".to_string(),
        n => group(n),
    };
    format!(
        "{}, {throttled} answered \"rate limited\" and repeated. To finish failed or stopped rows, fix them if needed and plan again: what was done shows as unchanged.",
        count(sent as usize, "request", "requests")
    )
}

/// The warning that PagerDuty invites whoever is created (`None` when nobody is).
pub fn invitations(creates: usize) -> Option<String> {
    let whom = match creates {
        0 => return None,
        1 => "the new user as they are".to_string(),
        n => format!("each of the {} new users as they are", group(n as u64)),
    };
    Some(format!(
        "PagerDuty e-mails an invitation to {whom} created; there is no way to turn this off."
    ))
}

/// The "Create missing teams" choice, naming the teams it would create.
pub fn create_teams(missing: &[String]) -> String {
    match missing {
        [] => " Create missing teams".into(),
        [one] => format!(" Create the missing team {one}"),
        many => format!(" Create missing teams: {}", many.join(", ")),
    }
}

/// The plan's note on the Events API v2 integrations it adds, and where their keys go.
pub fn integrations(n: usize) -> String {
    format!(
        "{} Events API v2 integration (\"add integration Events API v2\"): each has a routing key, a credential that lets anyone who holds it open incidents on its service. The keys show masked after the run and go only into the file Download routing keys makes, never into the report.",
        count(n, "service gets an", "services get an")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_run_counts_its_requests_in_words() {
        assert!(run_done(1, 0).starts_with("1 request, none answered"));
        assert!(run_done(1200, 3).starts_with("1,200 requests, 3 answered"));
    }

    #[test]
    fn one_is_singular_and_nothing_to_do_says_so() {
        assert_eq!(count(1, "request", "requests"), "1 request");
        assert_eq!(count(1200, "request", "requests"), "1,200 requests");
        assert_eq!(
            writes("Ada", 0, 0, 0),
            "Nothing to import: every row already matches."
        );
        assert!(writes("Ada", 0, 0, 2).starts_with("Nothing to import"));
        assert_eq!(
            writes("Ada", 1, 1, 0),
            "It will write as Ada, with about 1 request (at PagerDuty's 960 a minute: about 1 min)."
        );
        assert_eq!(invitations(0), None);
        assert_eq!(
            invitations(1).unwrap(),
            "PagerDuty e-mails an invitation to the new user as they are created; there is no way to turn this off."
        );
        assert!(invitations(190)
            .unwrap()
            .contains("to each of the 190 new users as they are created"));
        assert_eq!(
            create_teams(&["Ops".into()]),
            " Create the missing team Ops"
        );
        assert_eq!(
            create_teams(&["Ops".into(), "Web".into()]),
            " Create missing teams: Ops, Web"
        );
    }
}
