//! The on-call computation: turns, layer bounds, restrictions, layer priority and overrides.

use super::*;
use crate::data::types::{DeletedUser, Override};
use crate::tz::parse_utc;

fn at(s: &str) -> i64 {
    parse_utc(s).unwrap_or_else(|| panic!("{s}"))
}

fn utc() -> Zone {
    Zone::named("UTC").unwrap()
}

fn layer(members: &[usize], start: &str, rvs: &str, turn: i64) -> Layer {
    Layer {
        id: "PLAYER1".into(),
        name: "Layer 1".into(),
        start: at(start),
        end: None,
        rotation_virtual_start: at(rvs),
        turn_seconds: turn,
        members: members.iter().map(|u| Member::User(*u)).collect(),
        restrictions: vec![],
    }
}

fn schedule(layers: Vec<Layer>) -> Schedule {
    Schedule {
        id: "PSCHED1".into(),
        name: "Primary".into(),
        description: None,
        time_zone: "UTC".into(),
        teams: vec![],
        layers,
        overrides: vec![],
    }
}

fn who(m: Option<&Member>) -> Option<usize> {
    m.and_then(Member::user)
}

#[test]
fn weekly_turns_follow_the_virtual_start_and_list_order() {
    let l = layer(
        &[7, 8, 9],
        "2026-01-05T09:00:00Z",
        "2026-01-05T09:00:00Z",
        WEEK,
    );
    let z = utc();
    assert_eq!(who(layer_at(&l, z, at("2026-01-05T08:59:59Z"))), None);
    assert_eq!(who(layer_at(&l, z, at("2026-01-05T09:00:00Z"))), Some(7));
    assert_eq!(who(layer_at(&l, z, at("2026-01-12T08:59:59Z"))), Some(7));
    assert_eq!(who(layer_at(&l, z, at("2026-01-12T09:00:00Z"))), Some(8));
    assert_eq!(who(layer_at(&l, z, at("2026-01-19T09:00:00Z"))), Some(9));
    assert_eq!(who(layer_at(&l, z, at("2026-01-26T09:00:00Z"))), Some(7));
    // A virtual start before the layer's start: turns count from it.
    let l = layer(
        &[7, 8, 9],
        "2026-01-12T09:00:00Z",
        "2026-01-05T09:00:00Z",
        WEEK,
    );
    assert_eq!(who(layer_at(&l, z, at("2026-01-12T09:00:00Z"))), Some(8));
    // An ended layer puts nobody on call after its end.
    let mut ended = l.clone();
    ended.end = Some(at("2026-01-19T09:00:00Z"));
    assert_eq!(
        who(layer_at(&ended, z, at("2026-01-19T08:59:59Z"))),
        Some(8)
    );
    assert_eq!(who(layer_at(&ended, z, at("2026-01-19T09:00:00Z"))), None);
    // No members: nobody.
    let empty = layer(&[], "2026-01-05T09:00:00Z", "2026-01-05T09:00:00Z", WEEK);
    assert_eq!(who(layer_at(&empty, z, at("2026-02-01T00:00:00Z"))), None);
}

#[test]
fn daily_turns_and_entries_cut_at_the_range() {
    let l = layer(&[1, 2], "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", DAY);
    let e = layer_entries(
        &l,
        utc(),
        at("2026-03-01T12:00:00Z"),
        at("2026-03-03T12:00:00Z"),
    );
    let got: Vec<(i64, i64, Option<usize>)> = e
        .iter()
        .map(|e| (e.start, e.end, e.member.user()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                at("2026-03-01T12:00:00Z"),
                at("2026-03-02T00:00:00Z"),
                Some(1)
            ),
            (
                at("2026-03-02T00:00:00Z"),
                at("2026-03-03T00:00:00Z"),
                Some(2)
            ),
            (
                at("2026-03-03T00:00:00Z"),
                at("2026-03-03T12:00:00Z"),
                Some(1)
            ),
        ]
    );
    assert_eq!(
        coverage(&e, at("2026-03-01T12:00:00Z"), at("2026-03-03T12:00:00Z")),
        100.0
    );
    // One member: one span, not one per turn.
    let solo = layer(&[4], "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", DAY);
    let e = layer_entries(
        &solo,
        utc(),
        at("2026-03-01T00:00:00Z"),
        at("2026-03-08T00:00:00Z"),
    );
    assert_eq!(e.len(), 1);
}

#[test]
fn daily_restrictions_are_read_on_the_schedules_wall_clock() {
    // 09:00 to 17:00 New York time, every day; weekly turns.
    let ny = Zone::named("America/New_York").unwrap();
    let mut l = layer(
        &[1, 2],
        "2026-01-05T00:00:00Z",
        "2026-01-05T14:00:00Z",
        WEEK,
    );
    l.restrictions = vec![Restriction {
        start_day_of_week: None,
        start_time_of_day: 9 * 3600,
        duration_seconds: 8 * 3600,
    }];
    // 2026-01-06 is in EST (-05:00): 09:00 local is 14:00Z.
    assert_eq!(who(layer_at(&l, ny, at("2026-01-06T13:59:59Z"))), None);
    assert_eq!(who(layer_at(&l, ny, at("2026-01-06T14:00:00Z"))), Some(1));
    assert_eq!(who(layer_at(&l, ny, at("2026-01-06T21:59:59Z"))), Some(1));
    assert_eq!(who(layer_at(&l, ny, at("2026-01-06T22:00:00Z"))), None);
    // In July (EDT, -04:00) the window moves with the wall clock: 13:00Z to 21:00Z.
    assert!(layer_at(&l, ny, at("2026-07-07T13:00:00Z")).is_some());
    assert!(layer_at(&l, ny, at("2026-07-07T21:00:00Z")).is_none());
    let e = layer_entries(
        &l,
        ny,
        at("2026-01-06T00:00:00Z"),
        at("2026-01-08T00:00:00Z"),
    );
    let spans: Vec<(i64, i64)> = e.iter().map(|e| (e.start, e.end)).collect();
    assert_eq!(
        spans,
        vec![
            (at("2026-01-06T14:00:00Z"), at("2026-01-06T22:00:00Z")),
            (at("2026-01-07T14:00:00Z"), at("2026-01-07T22:00:00Z")),
        ]
    );
    assert_eq!(
        coverage(&e, at("2026-01-06T00:00:00Z"), at("2026-01-08T00:00:00Z")),
        33.33
    );
    // A window across midnight: 22:00 for 10 hours.
    l.restrictions[0].start_time_of_day = 22 * 3600;
    l.restrictions[0].duration_seconds = 10 * 3600;
    assert!(layer_at(&l, ny, at("2026-01-07T08:00:00Z")).is_some()); // 03:00 local
    assert!(layer_at(&l, ny, at("2026-01-07T14:00:00Z")).is_none()); // 09:00 local
}

#[test]
fn weekly_restrictions_start_on_their_iso_day() {
    // Friday 18:00 to Monday 08:00 (62 hours), UTC; 2026-01-09 is a Friday.
    let mut l = layer(&[3], "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", WEEK);
    l.restrictions = vec![Restriction {
        start_day_of_week: Some(5),
        start_time_of_day: 18 * 3600,
        duration_seconds: 62 * 3600,
    }];
    let z = utc();
    assert!(layer_at(&l, z, at("2026-01-09T17:59:59Z")).is_none());
    assert!(layer_at(&l, z, at("2026-01-09T18:00:00Z")).is_some());
    assert!(layer_at(&l, z, at("2026-01-11T12:00:00Z")).is_some()); // Sunday
    assert!(layer_at(&l, z, at("2026-01-12T07:59:59Z")).is_some()); // Monday
    assert!(layer_at(&l, z, at("2026-01-12T08:00:00Z")).is_none());
    assert!(layer_at(&l, z, at("2026-01-14T12:00:00Z")).is_none()); // Wednesday
    let e = layer_entries(
        &l,
        z,
        at("2026-01-05T00:00:00Z"),
        at("2026-01-19T00:00:00Z"),
    );
    let spans: Vec<(i64, i64)> = e.iter().map(|e| (e.start, e.end)).collect();
    assert_eq!(
        spans,
        vec![
            (at("2026-01-05T00:00:00Z"), at("2026-01-05T08:00:00Z")),
            (at("2026-01-09T18:00:00Z"), at("2026-01-12T08:00:00Z")),
            (at("2026-01-16T18:00:00Z"), at("2026-01-19T00:00:00Z")),
        ]
    );
}

#[test]
fn later_layers_win_and_overrides_win_over_layers() {
    let base = layer(
        &[1, 2],
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
        WEEK,
    );
    let mut day = layer(&[5], "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", DAY);
    day.id = "PLAYER2".into();
    day.restrictions = vec![Restriction {
        start_day_of_week: None,
        start_time_of_day: 9 * 3600,
        duration_seconds: 8 * 3600,
    }];
    let mut s = schedule(vec![base, day]);
    let z = utc();
    assert_eq!(who(final_at(&s, z, at("2026-01-02T08:00:00Z"))), Some(1));
    assert_eq!(who(final_at(&s, z, at("2026-01-02T10:00:00Z"))), Some(5));
    // In the other order the weekly layer covers everything.
    s.layers.reverse();
    assert_eq!(who(final_at(&s, z, at("2026-01-02T10:00:00Z"))), Some(1));
    s.layers.reverse();
    s.overrides = vec![
        Override {
            id: "POVER1".into(),
            start: at("2026-01-02T09:30:00Z"),
            end: at("2026-01-02T12:00:00Z"),
            user: Member::User(9),
        },
        Override {
            id: "POVER2".into(),
            start: at("2026-01-02T11:00:00Z"),
            end: at("2026-01-02T11:30:00Z"),
            user: Member::User(8),
        },
    ];
    assert_eq!(who(final_at(&s, z, at("2026-01-02T10:00:00Z"))), Some(9));
    assert_eq!(who(final_at(&s, z, at("2026-01-02T11:10:00Z"))), Some(8));
    assert_eq!(who(final_at(&s, z, at("2026-01-02T12:00:00Z"))), Some(5));
    let e = final_entries(
        &s,
        z,
        at("2026-01-02T08:00:00Z"),
        at("2026-01-02T18:00:00Z"),
    );
    let got: Vec<(String, Option<usize>)> = e
        .iter()
        .map(|e| {
            (
                crate::tz::rfc3339(e.start)[11..16].to_string(),
                e.member.user(),
            )
        })
        .collect();
    let want = [
        ("08:00", 1),
        ("09:00", 5),
        ("09:30", 9),
        ("11:00", 8),
        ("11:30", 9),
        ("12:00", 5),
        ("17:00", 1),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(t, u)| (t.to_string(), Some(*u)))
            .collect::<Vec<_>>()
    );
    let o = override_entries(&s, at("2026-01-02T00:00:00Z"), at("2026-01-03T00:00:00Z"));
    assert_eq!(o.len(), 3);
}

#[test]
fn whole_entries_overlapping_a_moment_and_clipping() {
    let s = schedule(vec![layer(
        &[1, 2],
        "2026-01-05T09:00:00Z",
        "2026-01-05T09:00:00Z",
        WEEK,
    )]);
    let now = at("2026-01-14T12:00:00Z");
    let e = entries_overlapping(&s, utc(), now, now, 31 * DAY);
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].start, e[0].end, e[0].member.user()),
        (
            at("2026-01-12T09:00:00Z"),
            at("2026-01-19T09:00:00Z"),
            Some(2)
        )
    );
    let c = clip(e, now, at("2026-01-15T00:00:00Z"));
    assert_eq!((c[0].start, c[0].end), (now, at("2026-01-15T00:00:00Z")));
}

#[test]
fn a_deleted_users_stub_takes_turns_like_anyone() {
    let mut l = layer(&[1], "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", DAY);
    let stub = Member::Deleted(DeletedUser {
        id: "PDELUS1".into(),
        name: "Former Employee".into(),
        deleted_at: "2026-01-15T10:00:00Z".into(),
    });
    l.members.push(stub.clone());
    assert_eq!(layer_at(&l, utc(), at("2026-01-02T01:00:00Z")), Some(&stub));
}
