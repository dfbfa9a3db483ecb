//! The latest status of a UPS: live words, staleness, the status view, the overview and the UPS page data.

use super::{EventView, event_view, ups_by_tag};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::kit::time::serialize_utc_opt;
use crate::power::model::{self, Reading, UpsUnit};
use crate::register::model::Equipment;
use chrono::NaiveDateTime;
use serde::Serialize;

/// `GET /power/ups/{tag}/status`: the latest NUT reading (all null before the first).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusView {
    pub asset_tag: String,
    /// Whether the UPS has a NUT address to be polled at.
    pub polled: bool,
    /// Whether the latest poll reached it; null before the first.
    pub reachable: Option<bool>,
    /// NUT `ups.status` (`OL`, `OB`, `OB LB`…); null when unreachable or never read.
    pub status: Option<String>,
    /// The reading is older than five poll intervals (at least five minutes): nobody polls.
    pub stale: bool,
    /// Percent.
    pub battery_charge: Option<f64>,
    pub runtime_s: Option<i64>,
    /// Percent of capacity.
    pub load: Option<f64>,
    pub error: Option<String>,
    #[serde(serialize_with = "serialize_utc_opt")]
    #[schema(value_type = Option<String>)]
    pub polled_at: Option<NaiveDateTime>,
}

pub fn ups_status(
    conn: &mut DbConn,
    tag: &str,
    fresh_since: NaiveDateTime,
) -> Result<StatusView, AppError> {
    let e = ups_by_tag(conn, tag)?;
    let polled = model::find_unit(conn, e.id)?.is_some_and(|u| u.nut_host.is_some());
    let latest = model::latest_reading(conn, e.id)?;
    Ok(status_view(
        &e.asset_tag,
        polled,
        latest.as_ref(),
        fresh_since,
    ))
}

pub fn status_view(
    tag: &str,
    polled: bool,
    r: Option<&Reading>,
    fresh_since: NaiveDateTime,
) -> StatusView {
    StatusView {
        asset_tag: tag.to_owned(),
        polled,
        stale: r.is_some_and(|r| r.polled_at < fresh_since),
        reachable: r.map(|r| r.reachable),
        status: r.and_then(|r| r.status.clone()),
        battery_charge: r.and_then(|r| r.battery_charge),
        runtime_s: r.and_then(|r| r.runtime_s),
        load: r.and_then(|r| r.load),
        error: r.and_then(|r| r.error.clone()),
        polled_at: r.map(|r| r.polled_at),
    }
}

/// The NUT status of a reading, `unreachable`, or `stale` when nobody has polled lately.
pub fn live_word(r: &Reading, fresh_since: NaiveDateTime) -> String {
    if !r.reachable {
        "unreachable".to_owned()
    } else if r.polled_at < fresh_since {
        "stale".to_owned()
    } else {
        r.status.clone().unwrap_or_default()
    }
}

/// Readings older than this are stale: nobody has polled the UPS lately (the poller is
/// off or its instance is gone), so its last status cannot be trusted: five poll
/// intervals, at least five minutes.
pub fn fresh_since(settings: &crate::config::Settings) -> NaiveDateTime {
    let interval = match settings.nut_poll_seconds {
        0 => 30,
        s => s,
    };
    let window = (interval * 5).max(300);
    db::now() - chrono::Duration::seconds(window as i64)
}

/// One UPS on the overview: its record (if entered) and latest reading.
pub struct UpsSummary {
    pub equipment: Equipment,
    pub unit: Option<UpsUnit>,
    pub latest: Option<Reading>,
    pub fed: usize,
}

pub fn ups_overview(conn: &mut DbConn) -> Result<Vec<UpsSummary>, AppError> {
    let upses = model::all_upses(conn)?;
    let mut out = Vec::with_capacity(upses.len());
    for e in upses {
        let unit = model::find_unit(conn, e.id)?;
        let latest = match unit.as_ref().and_then(|u| u.nut_host.as_ref()) {
            Some(_) => model::latest_reading(conn, e.id)?,
            None => None,
        };
        let fed = model::fed_by(conn, e.id)?.len();
        out.push(UpsSummary {
            equipment: e,
            unit,
            latest,
            fed,
        });
    }
    Ok(out)
}

/// Everything the UPS page shows.
pub struct UpsPageData {
    pub equipment: Equipment,
    pub unit: Option<UpsUnit>,
    pub latest: Option<Reading>,
    pub readings: Vec<Reading>,
    pub events: Vec<EventView>,
    pub fed: Vec<Equipment>,
}

pub fn ups_page(
    conn: &mut DbConn,
    tag: &str,
    since: NaiveDateTime,
) -> Result<UpsPageData, AppError> {
    let equipment = ups_by_tag(conn, tag)?;
    let unit = model::find_unit(conn, equipment.id)?;
    let latest = model::latest_reading(conn, equipment.id)?;
    let readings = model::readings_since(conn, equipment.id, since, 100_000)?;
    let events = model::events_of(conn, equipment.id, 50)?
        .iter()
        .filter_map(event_view)
        .collect();
    let fed = model::fed_by(conn, equipment.id)?;
    Ok(UpsPageData {
        equipment,
        unit,
        latest,
        readings,
        events,
        fed,
    })
}
