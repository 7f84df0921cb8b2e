//! Schedules as the REST API answers them: references, the summary `GET /schedules` lists,
//! and the full object with its layers (in the order PagerDuty's GET gives them), their
//! rendered entries and coverage over a range, the overrides and the final schedule; and
//! overrides on their own.

use super::oncall::HORIZON;
use super::render::time_in;
use super::rotation::{clip, coverage, final_entries, layer_entries, override_entries, Entry};
use super::types::{Layer, Override, Restriction};
use super::Dataset;
use crate::tz::Zone;
use serde_json::{json, Value};

/// What a schedule answer shows.
#[derive(Clone, Copy, Debug)]
pub struct ScheduleView {
    /// The zone times are rendered in; `None`: the schedule's own.
    pub zone: Option<Zone>,
    pub layers: bool,
    pub overrides_subschedule: bool,
    pub final_schedule: bool,
    /// `since`/`until`: rendered entries and coverage are filled for this range.
    pub range: Option<(i64, i64)>,
    /// Entries that cross the range are given whole rather than cut at it.
    pub overflow: bool,
    /// Layers in the opposite order to the one `PUT` takes (PagerDuty's quirk).
    pub reversed: bool,
    /// The time now (which layers have ended).
    pub now: i64,
}

impl ScheduleView {
    /// Entries of `[from, to)` computed by `f` (given a wider range), whole or cut.
    fn ranged(&self, from: i64, to: i64, f: impl Fn(i64, i64) -> Vec<Entry>) -> Vec<Entry> {
        if self.overflow {
            let mut e = f(from - HORIZON, to + HORIZON);
            e.retain(|e| e.start < to && e.end > from);
            e
        } else {
            clip(f(from, to), from, to)
        }
    }
}

/// `HH:MM:SS` of seconds after midnight.
fn time_of_day(secs: u32) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn restriction_json(r: &Restriction) -> Value {
    let mut v = json!({
        "type": if r.start_day_of_week.is_some() { "weekly_restriction" } else { "daily_restriction" },
        "start_time_of_day": time_of_day(r.start_time_of_day),
        "duration_seconds": r.duration_seconds,
    });
    if let Some(day) = r.start_day_of_week {
        v["start_day_of_week"] = json!(day);
    }
    v
}

impl Dataset {
    /// The schedule at `s` as a reference.
    pub fn schedule_reference(&self, api: &str, s: usize) -> Value {
        let sched = &self.schedules[s];
        self.reference(
            api,
            "schedule",
            "schedules",
            "schedules",
            &sched.id,
            &sched.name,
        )
    }

    /// The schedule at `s` without layers or rendered entries (`include[]=targets`).
    pub fn schedule_summary_json(&self, api: &str, s: usize) -> Value {
        let sched = &self.schedules[s];
        let mut v = self.schedule_reference(api, s);
        v["type"] = json!("schedule");
        v["name"] = json!(sched.name);
        v["time_zone"] = json!(sched.time_zone);
        v["description"] = json!(sched.description);
        v
    }

    fn entries_json(&self, api: &str, zone: Zone, entries: &[Entry]) -> Vec<Value> {
        entries
            .iter()
            .map(|e| {
                json!({
                    "start": zone.render(e.start), "end": zone.render(e.end),
                    "user": self.member_reference(api, &e.member),
                })
            })
            .collect()
    }

    fn layer_json(&self, api: &str, layer: &Layer, sched_zone: Zone, view: &ScheduleView) -> Value {
        let zone = view.zone.unwrap_or(sched_zone);
        let (entries, cover) = match view.range {
            Some((from, to)) => {
                let e = view.ranged(from, to, |a, b| layer_entries(layer, sched_zone, a, b));
                let c = coverage(&e, from, to);
                (self.entries_json(api, zone, &e), json!(c))
            }
            None => (vec![], Value::Null),
        };
        json!({
            "id": layer.id, "name": layer.name,
            "start": zone.render(layer.start),
            "end": layer.end.map(|e| zone.render(e)),
            "rotation_virtual_start": zone.render(layer.rotation_virtual_start),
            "rotation_turn_length_seconds": layer.turn_seconds,
            "users": layer.members.iter()
                .map(|m| json!({"user": self.member_reference(api, m)}))
                .collect::<Vec<_>>(),
            "restrictions": layer.restrictions.iter().map(restriction_json).collect::<Vec<_>>(),
            "rendered_schedule_entries": entries,
            "rendered_coverage_percentage": cover,
        })
    }

    /// A sub-schedule (`Overrides`, `Final Schedule`) over the view's range.
    fn subschedule_json(
        &self,
        api: &str,
        name: &str,
        zone: Zone,
        view: &ScheduleView,
        f: impl Fn(i64, i64) -> Vec<Entry>,
    ) -> Value {
        match view.range {
            Some((from, to)) => {
                let e = view.ranged(from, to, f);
                json!({
                    "name": name, "rendered_schedule_entries": self.entries_json(api, zone, &e),
                    "rendered_coverage_percentage": coverage(&e, from, to),
                })
            }
            None => json!({
                "name": name, "rendered_schedule_entries": [],
                "rendered_coverage_percentage": null,
            }),
        }
    }

    /// The schedule at `s` as `GET /schedules/{id}` (or the list) answers it.
    pub fn schedule_json(&self, api: &str, s: usize, view: &ScheduleView) -> Value {
        let sched = &self.schedules[s];
        let sched_zone = sched.zone();
        let zone = view.zone.unwrap_or(sched_zone);
        let mut v = self.schedule_summary_json(api, s);
        v["escalation_policies"] = json!(self
            .policies_using_schedule(s)
            .into_iter()
            .map(|p| self.policy_reference(api, p))
            .collect::<Vec<_>>());
        v["users"] = json!(self
            .schedule_members(s, view.now)
            .iter()
            .map(|m| self.member_reference(api, m))
            .collect::<Vec<_>>());
        v["teams"] = json!(sched
            .teams
            .iter()
            .map(|t| self.team_json(api, *t, false))
            .collect::<Vec<_>>());
        if view.layers {
            let mut layers: Vec<Value> = sched
                .layers
                .iter()
                .map(|l| self.layer_json(api, l, sched_zone, view))
                .collect();
            if view.reversed {
                layers.reverse();
            }
            v["schedule_layers"] = json!(layers);
        }
        if view.overrides_subschedule {
            v["overrides_subschedule"] =
                self.subschedule_json(api, "Overrides", zone, view, |a, b| {
                    override_entries(sched, a, b)
                });
        }
        if view.final_schedule {
            v["final_schedule"] =
                self.subschedule_json(api, "Final Schedule", zone, view, |a, b| {
                    final_entries(sched, sched_zone, a, b)
                });
        }
        v
    }

    /// An override of schedule `s`, its times in `zone` (cut to `range` when given).
    pub fn override_json(
        &self,
        api: &str,
        o: &Override,
        zone: Option<Zone>,
        range: Option<(i64, i64)>,
    ) -> Value {
        let (start, end) = range.map_or((o.start, o.end), |(from, to)| {
            (o.start.max(from), o.end.min(to))
        });
        json!({
            "id": o.id,
            "start": time_in(zone, start),
            "end": time_in(zone, end),
            "user": self.member_reference(api, &o.user),
        })
    }
}
