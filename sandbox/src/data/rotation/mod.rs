//! Who is on call when: a schedule's layers, restrictions and overrides turned into spans of
//! time, as pure functions of the schedule, its zone and the instants asked about.
//!
//! A layer puts its members on call in turn, each for `turn_seconds`, the first at
//! `rotation_virtual_start` (which may lie before the layer's `start`), only between `start`
//! and `end` and, when it has restrictions, only inside one of them (read on the schedule's
//! wall clock). Where several layers have someone on call the later one (in `PUT` order)
//! wins; an override wins over every layer, and a later override over an earlier one.

#[cfg(test)]
mod tests;

use super::types::{Layer, Member, Restriction, Schedule};
use crate::tz::Zone;

const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;

/// Someone on call from `start` to `end` (seconds since the epoch, `end` excluded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub start: i64,
    pub end: i64,
    pub member: Member,
}

/// The ISO day of the week (1 is Monday) of local day `days` since 1970-01-01, a Thursday.
fn iso_weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1
}

impl Restriction {
    /// Whether the local wall-clock time `local` lies inside this restriction.
    fn contains_local(&self, local: i64) -> bool {
        let start = i64::from(self.start_time_of_day);
        let duration = i64::from(self.duration_seconds);
        let in_day = local.rem_euclid(DAY);
        match self.start_day_of_week {
            None => (in_day - start).rem_euclid(DAY) < duration,
            Some(day) => {
                let in_week = (iso_weekday(local.div_euclid(DAY)) - 1) * DAY + in_day;
                let from = (i64::from(day) - 1) * DAY + start;
                (in_week - from).rem_euclid(WEEK) < duration
            }
        }
    }

    /// The instants in `(from, to)` where this restriction opens or closes.
    fn boundaries(&self, zone: Zone, from: i64, to: i64, out: &mut Vec<i64>) {
        let first = zone.local(from).div_euclid(DAY) - 7;
        let last = zone.local(to).div_euclid(DAY) + 1;
        for day in first..=last {
            if self
                .start_day_of_week
                .is_some_and(|d| i64::from(d) != iso_weekday(day))
            {
                continue;
            }
            let open = day * DAY + i64::from(self.start_time_of_day);
            for local in [open, open + i64::from(self.duration_seconds)] {
                let t = zone.utc_of_local(local);
                if from < t && t < to {
                    out.push(t);
                }
            }
        }
    }
}

/// Who `layer` puts on call at `t`.
pub fn layer_at(layer: &Layer, zone: Zone, t: i64) -> Option<&Member> {
    let ended = layer.end.is_some_and(|end| t >= end);
    if t < layer.start || ended || layer.members.is_empty() || layer.turn_seconds <= 0 {
        return None;
    }
    if !layer.restrictions.is_empty() {
        let local = zone.local(t);
        if !layer.restrictions.iter().any(|r| r.contains_local(local)) {
            return None;
        }
    }
    let turn = (t - layer.rotation_virtual_start).div_euclid(layer.turn_seconds);
    let n = layer.members.len() as i64;
    layer.members.get(turn.rem_euclid(n) as usize)
}

/// Who the overrides put on call at `t`: the last created one that covers it.
pub fn override_at(schedule: &Schedule, t: i64) -> Option<&Member> {
    schedule
        .overrides
        .iter()
        .rev()
        .find(|o| o.start <= t && t < o.end)
        .map(|o| &o.user)
}

/// Who `schedule` puts on call at `t`: an override, else the last layer with someone on call.
pub fn final_at(schedule: &Schedule, zone: Zone, t: i64) -> Option<&Member> {
    override_at(schedule, t).or_else(|| {
        schedule
            .layers
            .iter()
            .rev()
            .find_map(|layer| layer_at(layer, zone, t))
    })
}

/// The instants in `(from, to)` where `layer` may change who is on call.
fn layer_boundaries(layer: &Layer, zone: Zone, from: i64, to: i64, out: &mut Vec<i64>) {
    out.push(layer.start);
    out.extend(layer.end);
    let lo = from.max(layer.start);
    let hi = layer.end.map_or(to, |end| end.min(to));
    if lo >= hi || layer.turn_seconds <= 0 {
        return;
    }
    let turn = layer.turn_seconds;
    let mut t =
        layer.rotation_virtual_start + (lo - layer.rotation_virtual_start).div_euclid(turn) * turn;
    while t < hi {
        out.push(t);
        t += turn;
    }
    for r in &layer.restrictions {
        r.boundaries(zone, lo - 1, hi + 1, out);
    }
}

/// The spans of `[from, to)` in which `who` names someone, cut at `boundaries` (plus `from`),
/// adjacent spans of the same person merged.
fn spans<'a>(
    mut boundaries: Vec<i64>,
    from: i64,
    to: i64,
    who: impl Fn(i64) -> Option<&'a Member>,
) -> Vec<Entry> {
    boundaries.retain(|t| from < *t && *t < to);
    boundaries.push(from);
    boundaries.push(to);
    boundaries.sort_unstable();
    boundaries.dedup();
    let mut out: Vec<Entry> = Vec::new();
    for w in boundaries.windows(2) {
        let Some(member) = who(w[0]) else { continue };
        match out.last_mut() {
            Some(last) if last.end == w[0] && last.member == *member => last.end = w[1],
            _ => out.push(Entry {
                start: w[0],
                end: w[1],
                member: member.clone(),
            }),
        }
    }
    out
}

/// Who `layer` puts on call over `[from, to)`, cut at its bounds.
pub fn layer_entries(layer: &Layer, zone: Zone, from: i64, to: i64) -> Vec<Entry> {
    let mut b = Vec::new();
    layer_boundaries(layer, zone, from, to, &mut b);
    spans(b, from, to, |t| layer_at(layer, zone, t))
}

/// Who the overrides put on call over `[from, to)`, cut at its bounds.
pub fn override_entries(schedule: &Schedule, from: i64, to: i64) -> Vec<Entry> {
    let b = schedule
        .overrides
        .iter()
        .flat_map(|o| [o.start, o.end])
        .collect();
    spans(b, from, to, |t| override_at(schedule, t))
}

/// Who `schedule` puts on call over `[from, to)` (its final schedule), cut at its bounds.
pub fn final_entries(schedule: &Schedule, zone: Zone, from: i64, to: i64) -> Vec<Entry> {
    let mut b: Vec<i64> = schedule
        .overrides
        .iter()
        .flat_map(|o| [o.start, o.end])
        .collect();
    for layer in &schedule.layers {
        layer_boundaries(layer, zone, from, to, &mut b);
    }
    spans(b, from, to, |t| final_at(schedule, zone, t))
}

/// The on-call spans of `schedule` that overlap `[since, until]` (a moment when they are
/// equal), whole rather than cut at those bounds, as far as `horizon` seconds either side.
pub fn entries_overlapping(
    schedule: &Schedule,
    zone: Zone,
    since: i64,
    until: i64,
    horizon: i64,
) -> Vec<Entry> {
    let mut entries = final_entries(
        schedule,
        zone,
        since - horizon,
        until.max(since + 1) + horizon,
    );
    entries.retain(|e| e.start < until.max(since + 1) && e.end > since);
    entries
}

/// The share of `[from, to)` that `entries` cover, in percent, to two decimals.
pub fn coverage(entries: &[Entry], from: i64, to: i64) -> f64 {
    if to <= from {
        return 0.0;
    }
    let covered: i64 = entries
        .iter()
        .map(|e| (e.end.min(to) - e.start.max(from)).max(0))
        .sum();
    (covered as f64 * 10_000.0 / (to - from) as f64).round() / 100.0
}

/// Entries cut to `[from, to)`, as rendered without `overflow=true`.
pub fn clip(entries: Vec<Entry>, from: i64, to: i64) -> Vec<Entry> {
    entries
        .into_iter()
        .filter_map(|mut e| {
            e.start = e.start.max(from);
            e.end = e.end.min(to);
            (e.start < e.end).then_some(e)
        })
        .collect()
}
