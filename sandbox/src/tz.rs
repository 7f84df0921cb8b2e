//! Times in a named zone, without a zone database: rendering (`GET /services?time_zone=…`,
//! schedules, on-calls), reading the date-times clients send (RFC 3339 with an offset, or a
//! local time in a zone), and local wall-clock times (schedule restrictions). It knows the
//! zones the sandbox seeds and a few common ones, with the daylight-saving rules in force since
//! 2007 (United States), 1996 (European Union, United Kingdom) and 2008 (New South Wales).
//! Other names answer 400 here: which names PagerDuty renders in, and how it answers an
//! unknown one, is not known. (A user's `time_zone` is checked against the whole IANA list the
//! importer uses, `pdscope::bulk::users::zones`.)

/// `(year, month, day)` to days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// 0 = Sunday.
fn weekday(days: i64) -> i64 {
    (days + 4).rem_euclid(7)
}

/// The day of the `n`th Sunday of a month (1-based).
fn nth_sunday(y: i64, m: i64, n: i64) -> i64 {
    let first = days_from_civil(y, m, 1);
    first + (7 - weekday(first)) % 7 + 7 * (n - 1)
}

fn last_sunday(y: i64, m: i64) -> i64 {
    let last = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    } - 1;
    last - weekday(last)
}

#[derive(Clone, Copy, Debug)]
enum Rule {
    Fixed,
    Us,
    Eu,
    Nsw,
}

/// A zone: its standard offset in minutes and its daylight-saving rule.
#[derive(Clone, Copy, Debug)]
pub struct Zone {
    standard: i64,
    rule: Rule,
}

impl Zone {
    pub fn named(name: &str) -> Option<Zone> {
        let (hours, minutes, rule) = match name {
            "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" => (0, 0, Rule::Fixed),
            "Asia/Tokyo" => (9, 0, Rule::Fixed),
            "Asia/Kolkata" => (5, 30, Rule::Fixed),
            "America/Lima" => (-5, 0, Rule::Fixed),
            "America/New_York" => (-5, 0, Rule::Us),
            "America/Chicago" => (-6, 0, Rule::Us),
            "America/Denver" => (-7, 0, Rule::Us),
            "America/Los_Angeles" => (-8, 0, Rule::Us),
            "Europe/London" | "Europe/Dublin" | "Europe/Lisbon" => (0, 0, Rule::Eu),
            "Europe/Berlin" | "Europe/Paris" | "Europe/Amsterdam" | "Europe/Madrid"
            | "Europe/Rome" | "Europe/Zurich" | "Europe/Vienna" | "Europe/Stockholm" => {
                (1, 0, Rule::Eu)
            }
            "Australia/Sydney" | "Australia/Melbourne" => (10, 0, Rule::Nsw),
            _ => return None,
        };
        Some(Zone {
            standard: hours * 60 + minutes,
            rule,
        })
    }

    /// The offset from UTC in minutes at `secs` since the epoch.
    pub fn offset_at(self, secs: i64) -> i64 {
        let year = 1970 + secs.div_euclid(86_400) * 400 / 146_097;
        // The year estimate can be one off at its edges; check both neighbours.
        let dst = (year - 1..=year + 1).any(|y| self.in_dst(y, secs));
        self.standard + if dst { 60 } else { 0 }
    }

    fn in_dst(self, y: i64, secs: i64) -> bool {
        let std = self.standard * 60;
        let (start, end) = match self.rule {
            Rule::Fixed => return false,
            // 02:00 local standard time on the second Sunday of March to 02:00 local
            // daylight time on the first Sunday of November.
            Rule::Us => (
                nth_sunday(y, 3, 2) * 86_400 + 7_200 - std,
                nth_sunday(y, 11, 1) * 86_400 + 7_200 - std - 3_600,
            ),
            // 01:00 UTC on the last Sundays of March and October.
            Rule::Eu => (
                last_sunday(y, 3) * 86_400 + 3_600,
                last_sunday(y, 10) * 86_400 + 3_600,
            ),
            // Southern: 02:00 standard on the first Sunday of October to 03:00 daylight
            // on the first Sunday of April of the next year.
            Rule::Nsw => (
                nth_sunday(y, 10, 1) * 86_400 + 7_200 - std,
                nth_sunday(y + 1, 4, 1) * 86_400 + 10_800 - std - 3_600,
            ),
        };
        start <= secs && secs < end
    }

    /// `secs` as wall-clock seconds since 1970-01-01T00:00 local time.
    pub fn local(self, secs: i64) -> i64 {
        secs + self.offset_at(secs) * 60
    }

    /// The instant whose wall clock in this zone reads `local` (seconds since 1970-01-01T00:00
    /// local). A local time skipped by a spring-forward gap reads as the hour after; one
    /// repeated in autumn as its first occurrence.
    pub fn utc_of_local(self, local: i64) -> i64 {
        // At most one transition lies within a day of any time: the offsets a day before and
        // a day after are the two candidates.
        let before = local - self.offset_at(local - 86_400) * 60;
        let after = local - self.offset_at(local + 86_400) * 60;
        match (self.local(before) == local, self.local(after) == local) {
            (true, true) => before.min(after),
            (false, true) => after,
            // Valid, or in the gap: the offset before the gap gives the hour after it.
            _ => before,
        }
    }

    /// `secs` in this zone as RFC 3339 with its offset (`2016-02-01T16:06:27-05:00`).
    pub fn render(self, secs: i64) -> String {
        let offset = self.offset_at(secs);
        let local = rfc3339(secs + offset * 60);
        let sign = if offset < 0 { '-' } else { '+' };
        format!(
            "{}{sign}{:02}:{:02}",
            &local[..19],
            offset.abs() / 60,
            offset.abs() % 60
        )
    }
}

/// `secs` since the Unix epoch as RFC 3339 in UTC (`2021-08-06T08:44:07Z`), as PagerDuty
/// writes timestamps. Fixed width, so string order is time order.
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The time now as `rfc3339` writes it (the `created_at` of objects the API creates).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    rfc3339(secs)
}

/// Seconds since the epoch of the sandbox's own UTC timestamps (`2021-08-06T08:44:07Z`).
pub fn parse_utc(s: &str) -> Option<i64> {
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    if s.len() != 20 || !s.ends_with('Z') {
        return None;
    }
    Some(
        days_from_civil(n(0..4)?, n(5..7)?, n(8..10)?) * 86_400
            + n(11..13)? * 3_600
            + n(14..16)? * 60
            + n(17..19)?,
    )
}

/// A date-time as clients send them: RFC 3339 with `Z` or an offset
/// (`2015-11-06T20:00:00-05:00`), optional fractional seconds (dropped), or without an offset
/// (`2024-01-01T12:00:00`, as Python's `isoformat()` writes a naive time), which is read as a
/// wall-clock time in `zone`. `None` when it is not such a date-time.
pub fn parse_datetime(s: &str, zone: Zone) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (h, mi, sec) = (n(11..13)?, n(14..16)?, n(17..19)?);
    let days_in_month = days_from_civil(y + i64::from(mo == 12), mo % 12 + 1, 1)
        - days_from_civil(y, mo.clamp(1, 12), 1);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let local = days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + sec.min(59);
    match rest {
        "" => Some(zone.utc_of_local(local)),
        "Z" | "z" => Some(local),
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let off = &rest[1..];
            let (oh, om) = match off.len() {
                5 if off.as_bytes()[2] == b':' => (off.get(0..2)?, off.get(3..5)?),
                4 => (off.get(0..2)?, off.get(2..4)?),
                2 => (off, "00"),
                _ => return None,
            };
            let digits = |x: &str| x.bytes().all(|c| c.is_ascii_digit());
            if !digits(oh) || !digits(om) {
                return None;
            }
            let minutes = oh.parse::<i64>().ok()? * 60 + om.parse::<i64>().ok()?;
            Some(local - sign * minutes * 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_transitions() {
        let ny = Zone::named("America/New_York").unwrap();
        // 2021-03-14 06:59:59Z is 01:59:59 EST; a second later 03:00 EDT.
        let t = parse_utc("2021-03-14T06:59:59Z").unwrap();
        assert_eq!(ny.render(t), "2021-03-14T01:59:59-05:00");
        assert_eq!(ny.render(t + 1), "2021-03-14T03:00:00-04:00");
        let t = parse_utc("2021-11-07T05:59:59Z").unwrap();
        assert_eq!(ny.render(t), "2021-11-07T01:59:59-04:00");
        assert_eq!(ny.render(t + 1), "2021-11-07T01:00:00-05:00");
        let berlin = Zone::named("Europe/Berlin").unwrap();
        let t = parse_utc("2021-03-28T01:00:00Z").unwrap();
        assert_eq!(berlin.render(t - 1), "2021-03-28T01:59:59+01:00");
        assert_eq!(berlin.render(t), "2021-03-28T03:00:00+02:00");
        let sydney = Zone::named("Australia/Sydney").unwrap();
        // DST ends 2021-04-04 03:00 AEDT = 2021-04-03T16:00:00Z; starts 2021-10-03 02:00 AEST.
        let t = parse_utc("2021-04-03T16:00:00Z").unwrap();
        assert_eq!(sydney.render(t - 1), "2021-04-04T02:59:59+11:00");
        assert_eq!(sydney.render(t), "2021-04-04T02:00:00+10:00");
        let t = parse_utc("2021-10-02T16:00:00Z").unwrap();
        assert_eq!(sydney.render(t - 1), "2021-10-03T01:59:59+10:00");
        assert_eq!(sydney.render(t), "2021-10-03T03:00:00+11:00");
        let kolkata = Zone::named("Asia/Kolkata").unwrap();
        assert_eq!(kolkata.render(0), "1970-01-01T05:30:00+05:30");
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert!(Zone::named("Mars/Olympus").is_none());
    }

    #[test]
    fn date_times_with_offsets_and_local_times() {
        let utc = Zone::named("UTC").unwrap();
        let ny = Zone::named("America/New_York").unwrap();
        let t = parse_utc("2015-11-07T01:00:00Z").unwrap();
        assert_eq!(parse_datetime("2015-11-06T20:00:00-05:00", utc), Some(t));
        assert_eq!(parse_datetime("2015-11-07T01:00:00Z", ny), Some(t));
        assert_eq!(parse_datetime("2015-11-07T01:00:00.123456Z", ny), Some(t));
        assert_eq!(parse_datetime("2015-11-07T02:00:00+0100", ny), Some(t));
        // No offset: the wall clock of the zone given.
        assert_eq!(parse_datetime("2015-11-06T20:00:00", ny), Some(t));
        assert_eq!(parse_datetime("2015-11-07T01:00:00", utc), Some(t));
        for bad in [
            "",
            "2015-11-06",
            "2015-13-06T20:00:00Z",
            "2015-02-30T20:00:00Z",
            "2015-11-06T24:00:00Z",
            "2015-11-06T20:00:00+5",
            "2015-11-06T20:00:00 EST",
            "yesterday",
        ] {
            assert_eq!(parse_datetime(bad, utc), None, "{bad}");
        }
        // Local midnight around the transitions: the skipped hour reads as the next, the
        // repeated one as its first occurrence.
        let local = |s: &str| parse_utc(s).unwrap();
        assert_eq!(
            ny.render(ny.utc_of_local(local("2021-03-14T02:30:00Z"))),
            "2021-03-14T03:30:00-04:00"
        );
        assert_eq!(
            ny.render(ny.utc_of_local(local("2021-11-07T01:30:00Z"))),
            "2021-11-07T01:30:00-04:00"
        );
        assert_eq!(
            ny.render(ny.utc_of_local(local("2021-07-01T09:00:00Z"))),
            "2021-07-01T09:00:00-04:00"
        );
        assert_eq!(ny.local(t), local("2015-11-06T20:00:00Z"));
    }
}
