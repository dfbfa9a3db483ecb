//! The move itself (carried out, or carried in) and a carried-out device's return.

use super::{MovementView, load, record, view, wrong_state};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model::{self, Movement, MovementChanges};
use crate::register::rules::{MovementState, Status};

/// Who records that an approved move happened, and that a carried-out device
/// came back: operators, guards (at the door), and the managers of the
/// movement's own zone — never a manager of some other zone.
const EXECUTORS: &[Role] = &[Role::Operator, Role::Guard, Role::SecurityManager];

fn require_executor(conn: &mut DbConn, by: &Principal, m: &Movement) -> Result<(), AppError> {
    if by.has_any(&[Role::Operator, Role::Guard]) || model::is_zone_manager(conn, m.zone_id, by.id)?
    {
        return Ok(());
    }
    Err(AppError::forbidden(
        "not_zone_manager",
        "持出・持込の実施と返却を記録できるのは、運用管理者、警備・受付、この区域のセキュリティ管理者です。",
    ))
}

/// Records that an approved move happened. A carried-out device becomes `carried_out`;
/// a device carried in goes back into service.
pub fn complete(conn: &mut DbConn, by: &Principal, id: i64) -> Result<MovementView, AppError> {
    by.require_any(EXECUTORS)?;
    db::write_tx(conn, |conn| complete_in_tx(conn, by, id))
}

/// `complete` inside a transaction the caller already holds (the gate records exits this way).
pub fn complete_in_tx(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
) -> Result<MovementView, AppError> {
    let (m, tag) = load(conn, id)?;
    require_executor(conn, by, &m)?;
    let changes = MovementChanges {
        state: Some(MovementState::Completed.as_str().to_owned()),
        completed_at: Some(Some(db::now())),
        ..MovementChanges::default()
    };
    let updated = model::transition(conn, id, MovementState::Approved.as_str(), &changes)?
        .ok_or_else(|| wrong_state(&m))?;
    if let Some(equipment_id) = updated.equipment_id {
        let status = if updated.direction == "out" {
            Status::CarriedOut
        } else {
            Status::InService
        };
        set_status(conn, equipment_id, status)?;
    }
    let view = view(updated, tag)?;
    record(conn, by, "movement.complete", &view)?;
    Ok(view)
}

/// A carried-out device is back: the request closes and the device returns to service.
pub fn mark_returned(conn: &mut DbConn, by: &Principal, id: i64) -> Result<MovementView, AppError> {
    by.require_any(EXECUTORS)?;
    db::write_tx(conn, |conn| {
        let (m, tag) = load(conn, id)?;
        require_executor(conn, by, &m)?;
        if m.direction != "out" {
            return Err(wrong_state(&m));
        }
        let changes = MovementChanges {
            state: Some(MovementState::Returned.as_str().to_owned()),
            returned_at: Some(Some(db::now())),
            ..MovementChanges::default()
        };
        let updated = model::transition(conn, id, MovementState::Completed.as_str(), &changes)?
            .ok_or_else(|| wrong_state(&m))?;
        if let Some(equipment_id) = updated.equipment_id {
            set_status(conn, equipment_id, Status::InService)?;
        }
        let view = view(updated, tag)?;
        record(conn, by, "movement.return", &view)?;
        Ok(view)
    })
}

pub(super) fn set_status(
    conn: &mut DbConn,
    equipment_id: i64,
    status: Status,
) -> Result<(), AppError> {
    let device = model::find_equipment(conn, equipment_id)?;
    let mut fields = model::EquipmentFields::of(&device);
    fields.status = status.as_str().to_owned();
    fields.updated_at = db::now();
    model::update_equipment(conn, &device, &fields)?;
    Ok(())
}
