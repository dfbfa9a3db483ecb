//! The stocktake report: computed from the register and the scans, stored with its SHA-256 at close.

use super::{ScanResult, StocktakeState, find, require_reader, user_name};
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::time::rfc3339;
use crate::register::model::{self as register_model, Equipment};
use crate::register::rules::Status;
use crate::register::stocktake::model::{self, Stocktake};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// A device in a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ReportItem {
    pub asset_tag: String,
    pub name: String,
    pub status: Status,
    /// The zone it is registered in (for misplaced devices: the other zone).
    pub zone_id: Option<i64>,
    pub zone_name: Option<String>,
    pub location: String,
    /// When it was scanned (RFC 3339), for confirmed and misplaced devices.
    pub scanned_at: Option<String>,
    pub scanned_by: Option<String>,
}

/// A scanned tag that is not registered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct UnknownItem {
    pub asset_tag: String,
    /// What the scanner typed.
    pub code: String,
    pub scanned_at: String,
    pub scanned_by: String,
}

/// The stocktake report: what was expected, found, missing, found elsewhere and not registered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Report {
    pub stocktake_id: i64,
    pub zone_id: i64,
    pub zone_code: String,
    pub zone_name: String,
    pub state: StocktakeState,
    pub opened_at: String,
    pub opened_by: String,
    /// The manager's sign-off: who closed the campaign, and when.
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub closed_by_id: Option<i64>,
    /// How many devices the zone's register expects.
    pub expected: i64,
    pub scans: i64,
    pub confirmed: Vec<ReportItem>,
    pub missing: Vec<ReportItem>,
    pub misplaced: Vec<ReportItem>,
    pub unknown: Vec<UnknownItem>,
}

fn location_of(e: &Equipment) -> String {
    [&e.building, &e.floor, &e.room, &e.rack, &e.rack_unit]
        .iter()
        .filter_map(|p| p.as_deref())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The report as it stands now, from the register and the scans.
pub(super) fn compute_report(
    conn: &mut DbConn,
    s: &Stocktake,
    closed: Option<(i64, NaiveDateTime)>,
) -> Result<Report, AppError> {
    let zone = register_model::find_zone(conn, s.zone_id)?;
    let scans = model::scans_of(conn, s.id)?;
    let expected = model::expected_in_zone(conn, s.zone_id)?;
    let scanned_ids: Vec<i64> = scans.iter().filter_map(|x| x.equipment_id).collect();
    let devices: HashMap<i64, Equipment> = model::equipment_by_ids(conn, &scanned_ids)?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut zone_ids: Vec<i64> = devices.values().filter_map(|e| e.zone_id).collect();
    zone_ids.sort_unstable();
    zone_ids.dedup();
    let mut zone_names = HashMap::new();
    for z in zone_ids {
        zone_names.insert(z, register_model::find_zone(conn, z)?.name);
    }
    let mut names: HashMap<i64, String> = HashMap::new();
    for uid in scans.iter().map(|x| x.scanned_by).chain([s.opened_by]) {
        if let std::collections::hash_map::Entry::Vacant(v) = names.entry(uid) {
            v.insert(user_name(conn, uid)?);
        }
    }
    let item =
        |e: &Equipment, scanned: Option<(&NaiveDateTime, &str)>| -> Result<ReportItem, AppError> {
            Ok(ReportItem {
                asset_tag: e.asset_tag.clone(),
                name: e.name.clone(),
                status: Status::stored(&e.status)?,
                zone_id: e.zone_id,
                zone_name: e.zone_id.and_then(|z| {
                    if z == s.zone_id {
                        Some(zone.name.clone())
                    } else {
                        zone_names.get(&z).cloned()
                    }
                }),
                location: location_of(e),
                scanned_at: scanned.map(|(t, _)| rfc3339(*t)),
                scanned_by: scanned.map(|(_, who)| who.to_owned()),
            })
        };
    let (mut confirmed, mut misplaced, mut unknown) = (vec![], vec![], vec![]);
    let mut found: HashSet<i64> = HashSet::new();
    for x in &scans {
        let who = names.get(&x.scanned_by).map_or("", String::as_str);
        match (ScanResult::stored(&x.result)?, x.equipment_id) {
            (ScanResult::Confirmed, Some(eid)) => {
                if let Some(e) = devices.get(&eid) {
                    found.insert(eid);
                    confirmed.push(item(e, Some((&x.scanned_at, who)))?);
                }
            }
            (ScanResult::Misplaced, Some(eid)) => {
                if let Some(e) = devices.get(&eid) {
                    misplaced.push(item(e, Some((&x.scanned_at, who)))?);
                }
            }
            (ScanResult::Unknown, _) => unknown.push(UnknownItem {
                asset_tag: x.asset_tag.clone(),
                code: x.code.clone(),
                scanned_at: rfc3339(x.scanned_at),
                scanned_by: who.to_owned(),
            }),
            _ => {}
        }
    }
    let missing = expected
        .iter()
        .filter(|e| !found.contains(&e.id))
        .map(|e| item(e, None))
        .collect::<Result<_, _>>()?;
    let (closed_at, closed_by, closed_by_id) = match closed {
        Some((uid, at)) => (Some(rfc3339(at)), Some(user_name(conn, uid)?), Some(uid)),
        None => (None, None, None),
    };
    Ok(Report {
        stocktake_id: s.id,
        zone_id: zone.id,
        zone_code: zone.code.clone(),
        zone_name: zone.name.clone(),
        state: if closed.is_some() {
            StocktakeState::Closed
        } else {
            StocktakeState::Open
        },
        opened_at: rfc3339(s.opened_at),
        opened_by: names.get(&s.opened_by).cloned().unwrap_or_default(),
        closed_at,
        closed_by,
        closed_by_id,
        expected: expected.len() as i64,
        scans: scans.len() as i64,
        confirmed,
        missing,
        misplaced,
        unknown,
    })
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The report as JSON text: for a closed campaign exactly the text stored at closing.
pub fn report_text(conn: &mut DbConn, by: &Principal, id: i64) -> Result<String, AppError> {
    require_reader(by)?;
    let s = find(conn, id)?;
    match s.report_json {
        Some(text) => Ok(text),
        None => serde_json::to_string(&compute_report(conn, &s, None)?).map_err(AppError::internal),
    }
}

pub fn report(conn: &mut DbConn, by: &Principal, id: i64) -> Result<Report, AppError> {
    let text = report_text(conn, by, id)?;
    serde_json::from_str(&text).map_err(AppError::internal)
}
