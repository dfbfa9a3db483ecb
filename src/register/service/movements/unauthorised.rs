//! 無許可持出 (issue 14 §1): a device the gate saw leave with no approved
//! carry-out becomes a movement of its own, linked to the exit, and stays a
//! 第4条 finding until a manager of the zone settles it.

use super::carry::set_status;
use super::{MovementView, load, view, wrong_state};
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::text::clean_text;
use crate::register::model::{self, MovementChanges, MovementFilter, NewMovement};
use crate::register::rules::{Direction, MovementState, Settlement, Status};
use serde::Deserialize;
use serde_json::{Value, json};

/// The reason an unauthorised movement carries: nobody asked, the gate saw it.
pub const GATE_REASON: &str = "入退室口で承認のない持出を確認";
/// A settlement's note, in characters.
pub const SETTLEMENT_NOTE_MAX: usize = 500;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleInput {
    pub outcome: Settlement,
    /// What the manager found and did (required, at most 500 characters).
    pub note: String,
}

/// Audits a 無許可持出 step on the movement and on the device's own history,
/// the device's status change with it.
fn record(
    conn: &mut DbConn,
    by: &Principal,
    action: &str,
    m: &MovementView,
    status: Option<(Status, Status)>,
    extra: Value,
) -> Result<(), AppError> {
    let mut detail = json!({ "movement": m });
    if let Some((before, after)) = status {
        detail["status"] = json!({ "before": before, "after": after });
    }
    if let (Value::Object(d), Value::Object(x)) = (&mut detail, extra) {
        d.extend(x);
    }
    audit::record(
        conn,
        &by.actor(),
        action,
        "movement",
        &m.id.to_string(),
        detail.clone(),
    )?;
    if let Some(tag) = &m.asset_tag {
        audit::record(conn, &by.actor(), action, "equipment", tag, detail)?;
    }
    Ok(())
}

/// Inside the gate's exit transaction: the flagged device gets a movement in
/// state `unauthorised` (recorded by the guard, at the exit's zone and time)
/// and is `carried_out` from now on. A disposed device keeps its status: the
/// disposal record is final, the movement still tells what the gate saw.
pub fn record_unauthorised_in_tx(
    conn: &mut DbConn,
    by: &Principal,
    equipment_id: i64,
    zone_id: i64,
    access_event_id: i64,
) -> Result<MovementView, AppError> {
    let device = model::find_equipment(conn, equipment_id)?;
    let prior = Status::stored(&device.status)?;
    let now = db::now();
    let created = model::insert_movement(
        conn,
        &NewMovement {
            direction: Direction::Out.as_str(),
            equipment_id: Some(equipment_id),
            item_description: None,
            zone_id,
            reason: GATE_REASON,
            destination: None,
            planned_at: now,
            return_due: None,
            state: MovementState::Unauthorised.as_str(),
            requested_by: by.id,
            requested_at: now,
            access_event_id: Some(access_event_id),
            prior_status: Some(prior.as_str()),
            completed_at: Some(now),
        },
    )?;
    let change = match prior {
        Status::Disposed | Status::CarriedOut => None,
        _ => {
            set_status(conn, equipment_id, Status::CarriedOut)?;
            Some((prior, Status::CarriedOut))
        }
    };
    let view = view(created, Some(device.asset_tag))?;
    record(
        conn,
        by,
        "movement.unauthorised",
        &view,
        change,
        json!({ "access_event_id": access_event_id }),
    )?;
    Ok(view)
}

/// A manager of the movement's zone (checked now, never the guard who
/// recorded it) settles a 無許可持出: the device is back (its earlier status
/// again), the carry-out is approved after the fact (it stays out, and its
/// return is recorded as any other), or it goes on as an incident (§4).
pub fn settle(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    input: &SettleInput,
) -> Result<MovementView, AppError> {
    let note =
        clean_text(&input.note, SETTLEMENT_NOTE_MAX).map_err(|e| AppError::invalid("note", e))?;
    db::write_tx(conn, |conn| {
        let (m, tag) = load(conn, id)?;
        if m.requested_by == by.id {
            return Err(AppError::forbidden(
                "self_approval",
                "自分が記録した無許可持出を処理することはできません。",
            ));
        }
        if !model::is_zone_manager(conn, m.zone_id, by.id)? {
            return Err(AppError::forbidden(
                "not_zone_manager",
                "無許可持出を処理できるのは、この管理区域を管理するセキュリティ管理者だけです。",
            ));
        }
        let now = db::now();
        let mut changes = MovementChanges {
            settlement: Some(Some(input.outcome.as_str().to_owned())),
            settled_by: Some(Some(by.id)),
            settled_at: Some(Some(now)),
            settlement_note: Some(Some(note.clone())),
            ..MovementChanges::default()
        };
        let next = match input.outcome {
            Settlement::Returned => {
                changes.returned_at = Some(Some(now));
                MovementState::Returned
            }
            Settlement::ApprovedAfter => {
                changes.decided_by = Some(Some(by.id));
                changes.decided_at = Some(Some(now));
                changes.decision_note = Some(Some(note.clone()));
                MovementState::Completed
            }
            // Still out until someone records its return; the incident tells the rest.
            Settlement::Incident => MovementState::Completed,
        };
        changes.state = Some(next.as_str().to_owned());
        let updated = model::transition(conn, id, MovementState::Unauthorised.as_str(), &changes)?
            .ok_or_else(|| wrong_state(&m))?;
        let mut change = None;
        if let (Settlement::Returned, Some(equipment_id)) = (input.outcome, updated.equipment_id) {
            let device = model::find_equipment(conn, equipment_id)?;
            let current = Status::stored(&device.status)?;
            let back = match updated.prior_status.as_deref().map(Status::stored) {
                Some(Ok(Status::CarriedOut)) | None => Status::InService,
                Some(prior) => prior?,
            };
            if current == Status::CarriedOut && back != current {
                set_status(conn, equipment_id, back)?;
                change = Some((current, back));
            }
        }
        let view = view(updated, tag)?;
        record(
            conn,
            by,
            "movement.settle",
            &view,
            change,
            json!({ "settlement": input.outcome, "note": note }),
        )?;
        Ok(view)
    })
}

/// The 無許可持出 no manager has settled yet (of one device, or all), newest first:
/// each is a 第4条 finding until settled.
pub fn unsettled_unauthorised(
    conn: &mut DbConn,
    equipment_id: Option<i64>,
) -> Result<Vec<MovementView>, AppError> {
    let filter = MovementFilter {
        equipment_id,
        state: Some(MovementState::Unauthorised.as_str().to_owned()),
        ..MovementFilter::default()
    };
    let (rows, _) = model::list_movements(conn, &filter, 0, 1000)?;
    rows.into_iter().map(|(m, tag)| view(m, tag)).collect()
}

/// The numbers of a device's unsettled 無許可持出 (its page and card show them in red).
pub fn unsettled_of_device(conn: &mut DbConn, asset_tag: &str) -> Result<Vec<i64>, AppError> {
    Ok(match model::find_equipment_by_tag(conn, asset_tag)? {
        Some(device) => unsettled_unauthorised(conn, Some(device.id))?
            .into_iter()
            .map(|m| m.id)
            .collect(),
        None => vec![],
    })
}
