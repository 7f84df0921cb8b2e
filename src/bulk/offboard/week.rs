//! Who is on call over the next 7 days in each schedule an offboarding row touches, before
//! and after (PagerDuty's rendered final schedule, with the leaver's turns given to the
//! replacement, which replacing in place makes exact), and times in words.

use super::oncall::{OnCall, Person, Shift};
use super::work::OffboardWork;
use std::collections::BTreeSet;

/// `2026-12-12T09:00:00Z` as `12 Dec 09:00 UTC` (other offsets kept as PagerDuty wrote them).
pub fn when(t: &str) -> String {
    let Some(ms) = crate::timefmt::parse_iso(t) else {
        return t.to_string();
    };
    let iso = crate::timefmt::iso(ms);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = iso[5..7].parse::<usize>().unwrap_or(1).clamp(1, 12);
    format!(
        "{} {} {} UTC",
        iso[8..10].trim_start_matches('0'),
        MONTHS[month - 1],
        &iso[11..16]
    )
}

/// Who each schedule the row touches has on call over the next 7 days, before and after.
pub fn lines(oc: &OnCall, w: &OffboardWork, shown: &dyn Fn(&Person) -> String) -> Vec<String> {
    let mut out = vec![];
    let touched: BTreeSet<&str> = w
        .schedules
        .iter()
        .map(|s| s.id.as_str())
        .chain(w.overrides.iter().map(|o| o.schedule_id.as_str()))
        .collect();
    for id in touched {
        let Some(shifts) = oc.next_week.get(id) else {
            continue;
        };
        let name = oc.schedule(id).map_or(id, |s| s.name.as_str());
        let list = |shifts: &[Shift], swap: Option<&str>| -> String {
            if shifts.is_empty() {
                return "nobody".into();
            }
            shifts
                .iter()
                .take(6)
                .map(|s| {
                    let who = match swap {
                        Some(r) if s.user.id == w.user_id => r.to_string(),
                        _ => shown(&s.user),
                    };
                    format!("{who} from {}", when(&s.start))
                })
                .collect::<Vec<_>>()
                .join(", ")
                + if shifts.len() > 6 { ", …" } else { "" }
        };
        let before = list(shifts, None);
        let mine = shifts.iter().any(|s| s.user.id == w.user_id);
        let after = match (&w.replacement, mine) {
            (_, false) => "unchanged".to_string(),
            (Some((_, rname)), true) => list(shifts, Some(rname)),
            (None, true) => format!(
                "{}'s turns go to the layer's other members (PagerDuty recomputes the rotation)",
                w.name
            ),
        };
        out.push(format!(
            "on call in {name}, next 7 days: before: {before}; after: {after}"
        ));
    }
    out
}
