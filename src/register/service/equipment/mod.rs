//! The record of all equipment (機器台帳, 第4条): how a device is shown, and reading it —
//! one device, a page of the register, its history. Input checks and writes have their own files.

mod input;
mod query;
mod write;

pub use input::{EquipmentInput, EquipmentPatch, LocationInput};
pub(crate) use input::{Faults, fields_of_input, workflow_status};
pub use query::EquipmentQuery;
pub(crate) use write::changes;
pub use write::{create_equipment, update_equipment};

use crate::audit::{self, AuditEvent};
use crate::db::DbConn;
use crate::error::AppError;
use crate::register::model::{self, Equipment, EquipmentFilter, MatchCount};
use crate::register::rules::{Classification, Kind, Status, SurgeProtection, normalize_tag};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EquipmentView {
    pub asset_tag: String,
    pub name: String,
    pub kind: Kind,
    pub key_equipment: bool,
    pub department_id: i64,
    pub zone_id: Option<i64>,
    pub location: LocationInput,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub classification: Classification,
    pub status: Status,
    pub installed_on: Option<NaiveDate>,
    pub ups_asset_tag: Option<String>,
    pub surge_protection: Option<SurgeProtection>,
    pub required_shutdown_min: Option<i32>,
    pub notes: Option<String>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// A stored row as the API shows it; the UPS link is given by its tag.
pub fn view_of(e: Equipment, ups_tag: Option<String>) -> Result<EquipmentView, AppError> {
    Ok(EquipmentView {
        kind: Kind::stored(&e.kind)?,
        classification: Classification::stored(&e.classification)?,
        status: Status::stored(&e.status)?,
        surge_protection: e
            .surge_protection
            .as_deref()
            .and_then(SurgeProtection::parse),
        location: LocationInput {
            building: e.building,
            floor: e.floor,
            room: e.room,
            rack: e.rack,
            unit: e.rack_unit,
        },
        asset_tag: e.asset_tag,
        name: e.name,
        key_equipment: e.key_equipment,
        department_id: e.department_id,
        zone_id: e.zone_id,
        manufacturer: e.manufacturer,
        model: e.model,
        serial_number: e.serial_number,
        installed_on: e.installed_on,
        ups_asset_tag: ups_tag,
        required_shutdown_min: e.required_shutdown_min,
        notes: e.notes,
        created_at: e.created_at,
        updated_at: e.updated_at,
    })
}

/// Many rows as views, with their UPS tags looked up in one query.
pub fn views_of(conn: &mut DbConn, rows: Vec<Equipment>) -> Result<Vec<EquipmentView>, AppError> {
    let ups_ids: Vec<i64> = rows.iter().filter_map(|e| e.ups_equipment_id).collect();
    let tags: HashMap<i64, String> = if ups_ids.is_empty() {
        HashMap::new()
    } else {
        model::tags_by_id(conn, &ups_ids)?
    };
    rows.into_iter()
        .map(|e| {
            let ups = e.ups_equipment_id.and_then(|id| tags.get(&id).cloned());
            view_of(e, ups)
        })
        .collect()
}

/// The device a scanned or typed tag names, read by `find`: the one answer for
/// "no such device", 404 `not_found`, whether the tag is unreadable or unknown.
fn by_tag<T>(
    raw: &str,
    find: impl FnOnce(&str) -> diesel::QueryResult<Option<T>>,
) -> Result<T, AppError> {
    let tag = normalize_tag(raw).map_err(|e| AppError::not_found(e.message()))?;
    find(&tag)?
        .ok_or_else(|| AppError::not_found(format!("資産番号 {tag} の機器は登録されていません。")))
}

/// The device a tag as typed or scanned names; 404 when there is none.
pub fn device_by_tag(conn: &mut DbConn, raw: &str) -> Result<Equipment, AppError> {
    by_tag(raw, |tag| model::find_equipment_by_tag(conn, tag))
}

/// One device as the API shows it: one query, the UPS's tag joined in.
pub fn get_equipment(conn: &mut DbConn, raw_tag: &str) -> Result<EquipmentView, AppError> {
    let (e, ups_tag) = by_tag(raw_tag, |tag| model::find_equipment_with_ups_tag(conn, tag))?;
    view_of(e, ups_tag)
}

/// One page of the register and how many match (exactly up to `model::COUNT_CAP`).
pub fn list_equipment(
    conn: &mut DbConn,
    filter: &EquipmentFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<EquipmentView>, MatchCount), AppError> {
    let (rows, count) = model::list_equipment(conn, filter, offset, limit)?;
    let views = rows
        .into_iter()
        .map(|(e, ups)| view_of(e, ups))
        .collect::<Result<_, _>>()?;
    Ok((views, count))
}

/// A device's full change history from the audit chain, newest first.
pub fn equipment_history(conn: &mut DbConn, raw_tag: &str) -> Result<Vec<AuditEvent>, AppError> {
    let e = device_by_tag(conn, raw_tag)?;
    Ok(audit::service::history(
        conn,
        "equipment",
        &e.asset_tag,
        1000,
    )?)
}
