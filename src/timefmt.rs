//! Time text without a date crate: ISO dates from epoch milliseconds and countdowns.

/// `2026-11-28 23:05:19 UTC` from milliseconds since the epoch.
pub fn iso(ms: f64) -> String {
    if !ms.is_finite() {
        return "an unknown time".into();
    }
    let secs = (ms / 1000.0).floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// `2026-11-28T23:05:19Z` (RFC 3339, as PagerDuty's `since`, `until` and layer `end` take it)
/// from milliseconds since the epoch.
pub fn rfc3339(ms: f64) -> String {
    iso(ms).replacen(' ', "T", 1).replace(" UTC", "Z")
}

/// A local time `2026-11-29 14:03:07 …` (as `browser::local_time` gives it) for a download's
/// name: `2026-11-29-140307`, so two downloads on one day are two files, not `name (1).csv`.
pub fn file_stamp(local_time: &str) -> String {
    local_time
        .chars()
        .take(19)
        .filter_map(|c| match c {
            '0'..='9' | '-' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2d 3h`, `4m 05s`, `12s`, or `expired` for a remaining duration in milliseconds.
pub fn countdown(remaining_ms: f64) -> String {
    if !remaining_ms.is_finite() {
        return "unknown".into();
    }
    if remaining_ms <= 0.0 {
        return "expired".into();
    }
    let s = (remaining_ms / 1000.0).ceil() as u64;
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// A duration in words as PagerDuty's web app shows it: `45 s`, `30 min`, `4 h`,
/// `1 h 30 min`, `2 d`, `1 d 6 h`. Seconds in; `None` for nonsense.
pub fn duration_words(secs: f64) -> Option<String> {
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    let s = secs.round() as u64;
    let (d, h, m, r) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    Some(match (d, h, m, r) {
        (0, 0, 0, r) => format!("{r} s"),
        (0, 0, m, 0) => format!("{m} min"),
        (0, 0, m, r) => format!("{m} min {r} s"),
        (0, h, 0, _) => format!("{h} h"),
        (0, h, m, _) => format!("{h} h {m} min"),
        (d, 0, _, _) => format!("{d} d"),
        (d, h, _, _) => format!("{d} d {h} h"),
    })
}

/// Milliseconds since the epoch of an RFC 3339 / ISO 8601 time such as PagerDuty sends
/// (`2026-11-28T09:30:00Z`, `2026-11-28T10:30:00+01:00`, fractions allowed); `None` otherwise.
pub fn parse_iso(text: &str) -> Option<f64> {
    let t = text.trim();
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, rest) = t.split_once(['T', 't', ' '])?;
    let mut dp = date.splitn(3, '-');
    let (y, mo, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    let zone_at = rest.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = rest.split_at(zone_at);
    let mut cp = clock.splitn(3, ':');
    let (h, mi) = (num(cp.next()?)?, num(cp.next()?)?);
    let (sec, frac) = match cp.next() {
        Some(s) => match s.split_once('.') {
            // Milliseconds from the first three digits (integers only: parsing an f64
            // costs the release ~6 KB).
            Some((w, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
                let ms: String = f.chars().chain("00".chars()).take(3).collect();
                (num(w)?, num(&ms)? as f64 / 1000.0)
            }
            Some(_) => return None,
            None => (num(s)?, 0.0),
        },
        None => (0, 0.0),
    };
    let offset_min = match zone {
        "Z" | "z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (oh, om) = z[1..].split_once(':').unwrap_or((&z[1..], "00"));
            sign * (num(oh)? * 60 + num(om)?)
        }
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(secs as f64 * 1000.0 + frac * 1000.0)
}

/// Howard Hinnant's civil-to-days algorithm (the inverse of `civil_from_days`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(iso(1_646_086_260_000.0), "2022-02-28 22:11:00 UTC");
        assert_eq!(iso(951_782_400_000.0), "2000-02-29 00:00:00 UTC");
        assert_eq!(iso(-1000.0), "1969-12-31 23:59:59 UTC");
        assert_eq!(iso(f64::NAN), "an unknown time");
    }

    #[test]
    fn countdowns() {
        assert_eq!(countdown(0.0), "expired");
        assert_eq!(countdown(-5.0), "expired");
        assert_eq!(countdown(1.0), "1s");
        assert_eq!(countdown(65_000.0), "1m 05s");
        assert_eq!(countdown(3_600_000.0 * 2.0 + 60_000.0), "2h 01m");
        assert_eq!(countdown(864_000_000.0), "10d 0h");
        assert_eq!(countdown(f64::INFINITY), "unknown");
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration_words(14_400.0).as_deref(), Some("4 h"));
        assert_eq!(duration_words(1_800.0).as_deref(), Some("30 min"));
        assert_eq!(duration_words(5_400.0).as_deref(), Some("1 h 30 min"));
        assert_eq!(duration_words(45.0).as_deref(), Some("45 s"));
        assert_eq!(duration_words(90.0).as_deref(), Some("1 min 30 s"));
        assert_eq!(duration_words(172_800.0).as_deref(), Some("2 d"));
        assert_eq!(duration_words(108_000.0).as_deref(), Some("1 d 6 h"));
        assert_eq!(duration_words(-1.0), None);
        assert_eq!(duration_words(f64::NAN), None);
    }

    #[test]
    fn iso_times_parse_with_zones_and_round_trip() {
        let utc = parse_iso("2026-11-28T09:30:00Z").unwrap();
        assert_eq!(iso(utc), "2026-11-28 09:30:00 UTC");
        assert_eq!(parse_iso("2026-11-28T10:30:00+01:00"), Some(utc));
        assert_eq!(parse_iso("2026-11-28T04:00:00-05:30"), Some(utc));
        assert_eq!(parse_iso("2026-11-28T09:30:00.250Z"), Some(utc + 250.0));
        assert_eq!(
            parse_iso("2024-02-29T00:00:00Z").map(iso).as_deref(),
            Some("2024-02-29 00:00:00 UTC")
        );
        assert_eq!(parse_iso("1970-01-01T00:00:00Z"), Some(0.0));
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-28",
            "2026-11-28T25:00:00Z",
            "2026-11-28T09:30:00",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
    }
}
