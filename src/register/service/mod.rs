//! Register use cases: zones and their managers, the equipment record.

mod card;
pub mod csv_io;
mod disposals;
mod equipment;
mod labels;
pub mod movements;
pub mod oversight;
mod zones;

pub use card::{DeviceCard, device_card};
pub use disposals::{DisposalInput, DisposalView, disposal_of, dispose_equipment};
pub use labels::{LabelBatch, label_batch};

pub use crate::register::model::{Equipment, MatchCount, Zone};
pub use equipment::{
    EquipmentInput, EquipmentPatch, EquipmentQuery, EquipmentView, LocationInput, create_equipment,
    device_by_tag, equipment_history, get_equipment, list_equipment, update_equipment, view_of,
    views_of,
};
pub use zones::{
    ZoneInput, ZonePatch, ZoneView, create_zone, find_zone_row, get_zone, is_zone_manager,
    list_zones, manager_choices, update_zone, zone_choices, zone_rows, zones_managed_by,
};

use crate::identity::{Principal, Role};

/// Whether a principal may change this device's record: operators, and the
/// security managers of its department or of the zone it stands in.
pub fn may_change(
    conn: &mut crate::db::DbConn,
    by: &Principal,
    department_id: i64,
    zone_id: Option<i64>,
) -> diesel::QueryResult<bool> {
    if by.has(Role::Operator) {
        return Ok(true);
    }
    if !by.has(Role::SecurityManager) {
        return Ok(false);
    }
    if by.department_id == Some(department_id) {
        return Ok(true);
    }
    match zone_id {
        Some(zone) => crate::register::model::is_zone_manager(conn, zone, by.id),
        None => Ok(false),
    }
}

/// The 403 for someone who may not change a device.
pub fn not_allowed(e: Option<&Equipment>) -> crate::error::AppError {
    let what = e.map_or_else(String::new, |e| format!("（{}）", e.asset_tag));
    crate::error::AppError::forbidden(
        "forbidden",
        format!(
            "この機器{what}を変更できるのは運用管理者と、所管課・設置区域のセキュリティ管理者です。"
        ),
    )
}
