//! The body of a schedule write (`POST /schedules`, `PUT /schedules/{id}`): name, zone,
//! teams and layers, checked as PagerDuty's spec and tools say (reference §10.3), and how a
//! PUT's layers replace the stored ones: matched by id, in the order given, never deleted.

use super::body::{invalid, string_field};
use super::members::{fresh_ids, member_of, stubs, time_field};
use crate::data::{Dataset, Layer, Member, Restriction, Schedule};
use crate::error::ApiError;
use crate::options::Options;
use crate::tz::Zone;
use serde_json::{Map, Value};

const STAKEHOLDERS: &str = "Stakeholders cannot be added to schedules";
/// Turn lengths terraform-provider-pagerduty accepts (one hour to a year); PagerDuty's own
/// bounds are unknown.
const TURNS: std::ops::RangeInclusive<i64> = 3_600..=365 * 86_400;

/// A layer as a write gives it: `id` when it names one of the schedule's layers.
pub struct LayerIn {
    pub id: Option<String>,
    pub layer: Layer,
}

/// The checked fields of a schedule body; `None`: not given (kept on PUT).
pub struct Fields {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub time_zone: String,
    pub teams: Option<Vec<usize>>,
    pub layers: Option<Vec<LayerIn>>,
}

/// Reads a schedule body; `current` is the schedule a PUT changes. `time_zone` is required
/// on both (spec), `name` and at least one layer on create.
pub fn fields(
    data: &Dataset,
    options: &Options,
    m: &Map<String, Value>,
    current: Option<&Schedule>,
) -> Result<Fields, ApiError> {
    let time_zone =
        string_field(m, "time_zone")?.ok_or_else(|| invalid("Time zone can't be blank"))?;
    let zone =
        Zone::named(&time_zone).ok_or_else(|| invalid("Time zone is not a valid time zone"))?;
    let name = match string_field(m, "name")?.map(|n| n.trim().to_string()) {
        Some(n) if n.is_empty() => return Err(invalid("Name can't be blank")),
        None if current.is_none() => return Err(invalid("Name can't be blank")),
        n => n,
    };
    let description = match m.get("description") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => return Err(invalid("Description must be a string")),
    };
    let teams = match m.get("teams") {
        None => None,
        Some(Value::Null) => Some(vec![]),
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|t| {
                    let id = t.get("id").and_then(Value::as_str).unwrap_or_default();
                    data.team_index(id)
                        .ok_or_else(|| invalid("Teams is invalid"))
                })
                .collect::<Result<Vec<usize>, _>>()?,
        ),
        Some(_) => return Err(invalid("Teams is invalid")),
    };
    let kept: Vec<Member> = match current {
        Some(s) if options.keep_deleted_user_stubs => {
            stubs(s.layers.iter().flat_map(|l| &l.members))
        }
        _ => vec![],
    };
    let layers = match m.get("schedule_layers") {
        None if current.is_some() => None,
        Some(Value::Array(list)) if !list.is_empty() || current.is_some() => Some(
            list.iter()
                .enumerate()
                .map(|(i, l)| layer_in(data, options, l, i, zone, &kept))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        _ => return Err(invalid("Schedule layers can't be blank")),
    };
    Ok(Fields {
        name,
        description,
        time_zone,
        teams,
        layers,
    })
}

/// One layer of a body, at `position` in it.
fn layer_in(
    data: &Dataset,
    options: &Options,
    l: &Value,
    position: usize,
    zone: Zone,
    stubs: &[Member],
) -> Result<LayerIn, ApiError> {
    let start = time_field(l, "start", zone)?;
    let rotation_virtual_start = time_field(l, "rotation_virtual_start", zone)?;
    let end = match l.get("end") {
        None | Some(Value::Null) => None,
        Some(_) => Some(time_field(l, "end", zone)?),
    };
    let turn_seconds = l
        .get("rotation_turn_length_seconds")
        .and_then(Value::as_i64)
        .filter(|t| TURNS.contains(t))
        .ok_or_else(|| invalid("Rotation turn length seconds must be between 3600 and 31536000"))?;
    let users = l
        .get("users")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("Users can't be blank"))?;
    if users.is_empty() && !options.allow_empty_layers {
        return Err(invalid("Users can't be blank"));
    }
    let members = users
        .iter()
        .map(|u| {
            let reference = u.get("user").unwrap_or(u);
            member_of(data, reference, stubs, STAKEHOLDERS)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let restrictions = match l.get("restrictions") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(list)) => list
            .iter()
            .map(restriction)
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(invalid("Restrictions must be a list")),
    };
    let name = match l.get("name").and_then(Value::as_str).map(str::trim) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => format!("Layer {}", position + 1),
    };
    Ok(LayerIn {
        id: l.get("id").and_then(Value::as_str).map(str::to_string),
        layer: Layer {
            id: String::new(),
            name,
            start,
            end,
            rotation_virtual_start,
            turn_seconds,
            members,
            restrictions,
        },
    })
}

/// `HH:MM:SS` as seconds after midnight.
fn time_of_day(s: &str) -> Option<u32> {
    let mut parts = s.split(':').map(|p| {
        (p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    });
    let (h, m, sec) = (parts.next()??, parts.next()??, parts.next()??);
    (parts.next().is_none() && h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
}

/// A restriction: daily (shorter than a day) or weekly from an ISO day (shorter than a week),
/// as terraform-provider-pagerduty checks them.
fn restriction(r: &Value) -> Result<Restriction, ApiError> {
    let weekly = match r.get("type").and_then(Value::as_str) {
        Some("daily_restriction") => false,
        Some("weekly_restriction") => true,
        _ => {
            return Err(invalid(
                "Restriction type must be daily_restriction or weekly_restriction",
            ))
        }
    };
    let start_time_of_day = r
        .get("start_time_of_day")
        .and_then(Value::as_str)
        .and_then(time_of_day)
        .ok_or_else(|| invalid("Start time of day must be HH:MM:SS"))?;
    let limit = if weekly { 7 * 86_400 } else { 86_400 };
    let duration_seconds = r
        .get("duration_seconds")
        .and_then(Value::as_u64)
        .filter(|d| (1..limit).contains(d))
        .ok_or_else(|| {
            invalid(format!(
                "Duration seconds must be between 1 and {} for a {}",
                limit - 1,
                if weekly {
                    "weekly restriction"
                } else {
                    "daily restriction"
                }
            ))
        })? as u32;
    let start_day_of_week = if weekly {
        let day = r
            .get("start_day_of_week")
            .and_then(Value::as_u64)
            .filter(|d| (1..=7).contains(d))
            .ok_or_else(|| invalid("Start day of week must be between 1 and 7"))?;
        Some(day as u8)
    } else {
        None
    };
    Ok(Restriction {
        start_day_of_week,
        start_time_of_day,
        duration_seconds,
    })
}

/// The layers a PUT leaves: those given, in the order given (a layer given with an id keeps
/// it), after the ones it left out, which are never deleted: kept as they were, or ended at
/// `now` under `--end-omitted-layers`. An id that is not one of the schedule's layers, or
/// given twice, is refused.
pub fn merge_layers(
    data: &Dataset,
    current: &[Layer],
    given: Vec<LayerIn>,
    end_omitted: bool,
    now: i64,
) -> Result<Vec<Layer>, ApiError> {
    let mut left: Vec<Option<&Layer>> = current.iter().map(Some).collect();
    let mut new_ids = fresh_ids(data, given.len()).into_iter();
    let mut out = Vec::with_capacity(given.len());
    for LayerIn { id, mut layer } in given {
        layer.id = match id {
            Some(id) => {
                let at = left
                    .iter()
                    .position(|l| l.is_some_and(|l| l.id == id))
                    .ok_or_else(|| {
                        invalid(format!("Schedule layer {id} is not on this schedule"))
                    })?;
                left[at] = None;
                id
            }
            None => new_ids.next().unwrap_or_default(),
        };
        out.push(layer);
    }
    let mut omitted: Vec<Layer> = left.into_iter().flatten().cloned().collect();
    if end_omitted {
        for l in &mut omitted {
            if l.end.is_none_or(|end| end > now) {
                l.end = Some(now.max(l.start));
            }
        }
    }
    omitted.extend(out);
    Ok(omitted)
}
