//! What the compliance report (第4条, 第5条) asks of the register: plain facts,
//! no role of their own; the report checks who reads it.

use super::movements::today;
use crate::db::DbConn;
use crate::error::AppError;
use crate::register::model::{self, MovementFilter, TaggedMovement, Zone};

/// The most rows one finding list carries; beyond that the count says how many.
pub const FINDINGS_LIMIT: i64 = 1000;

/// Key devices in the register: `(in a zone, outside one)`.
pub fn key_equipment_counts(conn: &mut DbConn) -> Result<(i64, i64), AppError> {
    Ok(model::key_equipment_counts(conn)?)
}

/// Tags of key devices standing in no zone.
pub fn key_equipment_outside_zone(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    Ok(model::key_equipment_outside_zone(conn, FINDINGS_LIMIT)?)
}

/// Carry-outs past their return day (Tokyo), with the device's tag, and how many there are.
pub fn overdue_movements(conn: &mut DbConn) -> Result<(Vec<TaggedMovement>, i64), AppError> {
    let filter = MovementFilter {
        overdue_before: Some(today()),
        ..MovementFilter::default()
    };
    Ok(model::list_movements(conn, &filter, 0, FINDINGS_LIMIT)?)
}

/// Active zones without a current security manager.
pub fn unmanaged_zones(conn: &mut DbConn) -> Result<Vec<Zone>, AppError> {
    Ok(model::unmanaged_zones(conn)?)
}
