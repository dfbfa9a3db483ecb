//! Carry-in and carry-out (持込・持出, 第4条, 第12条(3)): requested by staff,
//! approved by a manager of the zone and never by the requester, carried out,
//! returned; every step audited.
//! Views and reading live here; `request` holds asking, deciding and
//! cancelling, `carry` the move itself and the return.

mod carry;
mod request;
mod unauthorised;

pub use carry::{complete, complete_in_tx, mark_returned};
pub use request::{MovementInput, cancel, decide, request_movement};
pub use unauthorised::{
    SETTLEMENT_NOTE_MAX, SettleInput, record_unauthorised_in_tx, settle, unsettled_of_device,
    unsettled_unauthorised,
};

use crate::audit;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::kit::time::{serialize_utc, serialize_utc_opt, to_tokyo};
pub use crate::register::model::MovementFilter;
use crate::register::model::{self, Movement};
use crate::register::rules::{Direction, MovementState, Settlement, Status, normalize_tag};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MovementView {
    pub id: i64,
    pub direction: Direction,
    pub asset_tag: Option<String>,
    pub item_description: Option<String>,
    pub zone_id: i64,
    pub reason: String,
    pub destination: Option<String>,
    #[serde(serialize_with = "serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub planned_at: NaiveDateTime,
    pub return_due: Option<NaiveDate>,
    pub state: MovementState,
    pub requested_by: i64,
    #[serde(serialize_with = "serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    #[serde(serialize_with = "serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    #[serde(serialize_with = "serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub returned_at: Option<NaiveDateTime>,
    /// Carried out and not back by its return date.
    pub overdue: bool,
    /// Recorded at the gate as carried out without approval (無許可持出), settled or not.
    pub unauthorised: bool,
    /// The exit (入退室記録) the gate flagged it at.
    pub access_event_id: Option<i64>,
    /// The device's status before the gate flagged it.
    pub prior_status: Option<Status>,
    /// How a manager of the zone settled the 無許可持出; `null` while unsettled.
    pub settlement: Option<Settlement>,
    pub settled_by: Option<i64>,
    #[serde(serialize_with = "serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub settled_at: Option<NaiveDateTime>,
    pub settlement_note: Option<String>,
}

/// Today in Tokyo: return dates are Tokyo dates.
pub fn today() -> NaiveDate {
    to_tokyo(Utc::now().naive_utc()).date_naive()
}

pub fn view(m: Movement, asset_tag: Option<String>) -> Result<MovementView, AppError> {
    let overdue = m.direction == "out"
        && m.state == "completed"
        && m.return_due.is_some_and(|due| due < today());
    let state = MovementState::stored(&m.state)?;
    let settlement = m
        .settlement
        .as_deref()
        .map(Settlement::stored)
        .transpose()?;
    Ok(MovementView {
        id: m.id,
        direction: Direction::stored(&m.direction)?,
        asset_tag,
        item_description: m.item_description,
        zone_id: m.zone_id,
        reason: m.reason,
        destination: m.destination,
        planned_at: m.planned_at,
        return_due: m.return_due,
        state,
        requested_by: m.requested_by,
        requested_at: m.requested_at,
        decided_by: m.decided_by,
        decided_at: m.decided_at,
        decision_note: m.decision_note,
        completed_at: m.completed_at,
        returned_at: m.returned_at,
        overdue,
        unauthorised: state == MovementState::Unauthorised || settlement.is_some(),
        access_event_id: m.access_event_id,
        prior_status: m.prior_status.as_deref().map(Status::stored).transpose()?,
        settlement,
        settled_by: m.settled_by,
        settled_at: m.settled_at,
        settlement_note: m.settlement_note,
    })
}

/// Who may ask to move equipment.
pub(super) const REQUESTERS: &[Role] = &[Role::Staff, Role::Operator, Role::SecurityManager];
/// Who may read every request; others see their own.
pub(super) const READERS: &[Role] = &[
    Role::Admin,
    Role::Auditor,
    Role::SecurityManager,
    Role::Operator,
    Role::Guard,
];

/// Audits a step twice over: on the movement, and on the device's own history.
pub(super) fn record(
    conn: &mut DbConn,
    by: &Principal,
    action: &str,
    m: &MovementView,
) -> Result<(), AppError> {
    let detail = json!({ "movement": m });
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

pub(super) fn load(conn: &mut DbConn, id: i64) -> Result<(Movement, Option<String>), AppError> {
    let m = model::find_movement(conn, id)?;
    let tag = match m.equipment_id {
        Some(e) => Some(model::find_equipment(conn, e)?.asset_tag),
        None => None,
    };
    Ok((m, tag))
}

pub(super) fn wrong_state(m: &Movement) -> AppError {
    let state = MovementState::parse(&m.state).map_or("不明", |s| s.label());
    AppError::conflict(
        "invalid_state",
        format!("この申請は現在「{state}」のため、この操作はできません。"),
    )
}

pub fn get_movement(conn: &mut DbConn, by: &Principal, id: i64) -> Result<MovementView, AppError> {
    let (m, tag) = load(conn, id)?;
    if m.requested_by != by.id {
        by.require_any(READERS)?;
    }
    view(m, tag)
}

/// The 機器移動履歴: everyone's for readers, one's own for requesters.
pub fn list_movements(
    conn: &mut DbConn,
    by: &Principal,
    mut filter: MovementFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<MovementView>, i64), AppError> {
    if !by.has_any(READERS) {
        by.require_any(REQUESTERS)?;
        filter.requested_by = Some(by.id);
    }
    let (rows, total) = model::list_movements(conn, &filter, offset, limit)?;
    Ok((
        rows.into_iter()
            .map(|(m, tag)| view(m, tag))
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// Resolves an `asset_tag` filter to the device id; an unknown tag matches nothing.
pub fn equipment_filter(conn: &mut DbConn, raw: Option<&str>) -> Result<Option<i64>, AppError> {
    match raw.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(raw) => {
            let tag =
                normalize_tag(raw).map_err(|e| AppError::invalid("asset_tag", e.message()))?;
            Ok(Some(
                model::find_equipment_by_tag(conn, &tag)?.map_or(-1, |e| e.id),
            ))
        }
    }
}

/// A step a carry-in/out request can take next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementStep {
    Approve,
    Reject,
    Cancel,
    Complete,
    Return,
    /// Settle a 無許可持出 (a manager of the zone).
    Settle,
}

/// The steps the request's page offers `by`: a manager of the zone decides
/// others' requests, the requester may cancel, the people at the door record
/// the carrying and the return.
pub fn steps_open_to(
    conn: &mut DbConn,
    by: &Principal,
    m: &MovementView,
) -> Result<Vec<MovementStep>, AppError> {
    let manages = model::is_zone_manager(conn, m.zone_id, by.id)?;
    let executor = by.has_any(&[Role::Operator, Role::Guard, Role::SecurityManager]);
    let mine = m.requested_by == by.id;
    Ok(match m.state {
        MovementState::Requested if manages && !mine => {
            vec![MovementStep::Approve, MovementStep::Reject]
        }
        MovementState::Requested if mine => vec![MovementStep::Cancel],
        MovementState::Approved if executor => vec![MovementStep::Complete],
        MovementState::Completed if executor && m.direction == Direction::Out => {
            vec![MovementStep::Return]
        }
        MovementState::Unauthorised if manages && !mine => vec![MovementStep::Settle],
        _ => vec![],
    })
}
