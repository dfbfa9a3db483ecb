//! The access use cases: permits, the gate, occupancy and the 入退室記録.
//! Each change is one transaction: rule check + writes + audit event.

mod gate;
mod keys;
mod log;
mod occupancy;
pub mod oversight;
mod permits;

pub use gate::{
    CarryOutResult, EntryInput, ExitInput, ExitOutcome, GateCheck, GateMemory, GateOutcome,
    HolderView, check, check_remembered, check_remembering, record_entry, record_exit,
};
pub use keys::{cached_keys, keys, keys_for_code, publish_own_keys};
pub use log::{
    AccessEventView, EventQuery, UnregisteredCarryOut, csv_export, list_events,
    unregistered_carry_outs,
};
pub use occupancy::{Occupancy, OccupantView, gate_zones, occupancy, occupancy_everywhere};
pub use permits::{
    NewPermitInput, PermitChoices, PermitQuery, PermitView, VisitorInput, act, create_permit,
    get_permit, list_permits, permit_choices, permit_code, rotate_keys,
};

/// The zones people may enter now, `(id, code, name)`.
pub fn active_zones(conn: &mut DbConn) -> Result<Vec<(i64, String, String)>, AppError> {
    Ok(crate::access::model::active_zones(conn)?)
}

use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::{Principal, Role};

/// Admins and auditors read every zone's records; a security manager reads
/// those of the zones they manage (第16条, 第30条). `None`: every zone.
pub(crate) fn readable_zones(
    conn: &mut DbConn,
    by: &Principal,
) -> Result<Option<Vec<i64>>, AppError> {
    if by.has_any(&[Role::Admin, Role::Auditor]) {
        return Ok(None);
    }
    if by.has(Role::SecurityManager) {
        return Ok(Some(crate::register::model::zones_managed_by(conn, by.id)?));
    }
    Err(AppError::forbidden(
        "forbidden",
        "入退室記録を閲覧できるのは、区域の管理者・監査担当・システム管理者です。",
    ))
}
