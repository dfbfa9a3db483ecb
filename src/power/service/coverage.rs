//! The 第6条 coverage check: every key device in use with its power-protection problems.

use super::live_word;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::power::model::{self, Reading, UpsUnit};
use crate::power::rules::{self, DeviceFacts, Live, Problem, RuntimeSource, UpsFacts};
use crate::register::model::Equipment;
use crate::register::rules::{Kind, SurgeProtection};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::HashMap;

/// One row of the coverage check.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    pub asset_tag: String,
    pub name: String,
    pub ups_asset_tag: Option<String>,
    /// Live when known, else rated; null when neither is.
    pub runtime_min: Option<i64>,
    pub runtime_source: Option<RuntimeSource>,
    pub required_shutdown_min: Option<i32>,
    pub surge_protection: Option<String>,
    /// The UPS's latest NUT status (`OL`, `OB LB`…), `unreachable`, or null when not polled.
    pub status: Option<String>,
    pub battery_charge: Option<f64>,
    pub battery_replace_due: Option<NaiveDate>,
    pub problems: Vec<Problem>,
}

/// Every key device in use, with its 第6条 problems, on `today`. A polled UPS whose latest
/// reading is older than `fresh_since` counts as unreachable (status `stale`).
pub fn coverage(
    conn: &mut DbConn,
    today: NaiveDate,
    fresh_since: NaiveDateTime,
) -> Result<Vec<CoverageRow>, AppError> {
    let devices = model::key_equipment(conn)?;
    let ups_ids: Vec<i64> = {
        let mut ids: Vec<i64> = devices.iter().filter_map(|d| d.ups_equipment_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let upses: HashMap<i64, Equipment> = model::equipment_by_ids(conn, &ups_ids)?
        .into_iter()
        .filter(|u| u.kind == Kind::Ups.as_str() && u.status != "disposed")
        .map(|u| (u.id, u))
        .collect();
    let units: HashMap<i64, UpsUnit> = model::units_by_ids(conn, &ups_ids)?
        .into_iter()
        .map(|u| (u.equipment_id, u))
        .collect();
    let mut latest: HashMap<i64, Reading> = HashMap::new();
    for (id, unit) in &units {
        if unit.nut_host.is_some()
            && let Some(r) = model::latest_reading(conn, *id)?
        {
            latest.insert(*id, r);
        }
    }
    let rows = devices
        .into_iter()
        .map(|d| {
            let ups = d.ups_equipment_id.and_then(|id| upses.get(&id));
            let unit = ups.and_then(|u| units.get(&u.id));
            let reading = ups.and_then(|u| latest.get(&u.id));
            let facts = DeviceFacts {
                surge_protection: d
                    .surge_protection
                    .as_deref()
                    .and_then(SurgeProtection::parse),
                required_shutdown_min: d.required_shutdown_min,
                ups: ups.map(|_| UpsFacts {
                    rated_runtime_min: unit.map(|u| u.rated_runtime_min),
                    battery_replace_due: unit.and_then(|u| u.battery_replace_due),
                    live: reading.map(|r| Live {
                        reachable: r.reachable && r.polled_at >= fresh_since,
                        status: r.status.clone(),
                        runtime_s: r.runtime_s,
                    }),
                }),
            };
            let a = rules::assess(&facts, today);
            CoverageRow {
                asset_tag: d.asset_tag,
                name: d.name,
                ups_asset_tag: ups.map(|u| u.asset_tag.clone()),
                runtime_min: a.runtime_min,
                runtime_source: a.runtime_source,
                required_shutdown_min: d.required_shutdown_min,
                surge_protection: d.surge_protection,
                status: reading.map(|r| live_word(r, fresh_since)),
                battery_charge: reading
                    .filter(|r| r.reachable && r.polled_at >= fresh_since)
                    .and_then(|r| r.battery_charge),
                battery_replace_due: unit.and_then(|u| u.battery_replace_due),
                problems: a.problems,
            }
        })
        .collect();
    Ok(rows)
}

/// Today in Tokyo (the ward's calendar).
pub fn today() -> NaiveDate {
    crate::kit::time::to_tokyo(db::now()).date_naive()
}
