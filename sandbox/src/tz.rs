//! Rendering times in a named zone for `GET /services?time_zone=…`, without a zone
//! database: the zones the sandbox seeds and a few common ones, with the daylight-saving
//! rules in force since 2007 (United States), 1996 (European Union, United Kingdom) and 2008
//! (New South Wales). Other names answer 400 here: which names PagerDuty renders in, and how
//! it answers an unknown one, is not known. (A user's `time_zone` is checked against the
//! whole IANA list the importer uses, `pdscope::bulk::users::zones`.)

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

#[derive(Clone, Copy)]
enum Rule {
    Fixed,
    Us,
    Eu,
    Nsw,
}

/// A zone: its standard offset in minutes and its daylight-saving rule.
#[derive(Clone, Copy)]
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
    fn offset_at(self, secs: i64) -> i64 {
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
}
