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
}
