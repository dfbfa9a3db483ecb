//! Carry-in and carry-out (持込・持出, 第4条, 第12条(3)): requested by staff,
//! approved by a manager of the zone and never by the requester, carried out,
//! returned; every step audited.

use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::rules::{clean_optional, clean_text};
use crate::identity::{Principal, Role};
use crate::register::model::{self, Movement, MovementChanges, MovementFilter, NewMovement};
use crate::register::rules::{Direction, MovementState, Status, normalize_tag};
use crate::web::time::{serialize_utc, serialize_utc_opt, to_tokyo};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

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
}

/// Today in Tokyo: return dates are Tokyo dates.
pub fn today() -> NaiveDate {
    to_tokyo(Utc::now().naive_utc()).date_naive()
}

pub fn view(m: Movement, asset_tag: Option<String>) -> MovementView {
    let overdue = m.direction == "out"
        && m.state == "completed"
        && m.return_due.is_some_and(|due| due < today());
    MovementView {
        id: m.id,
        direction: Direction::parse(&m.direction).unwrap_or(Direction::Out),
        asset_tag,
        item_description: m.item_description,
        zone_id: m.zone_id,
        reason: m.reason,
        destination: m.destination,
        planned_at: m.planned_at,
        return_due: m.return_due,
        state: MovementState::parse(&m.state).unwrap_or(MovementState::Requested),
        requested_by: m.requested_by,
        requested_at: m.requested_at,
        decided_by: m.decided_by,
        decided_at: m.decided_at,
        decision_note: m.decision_note,
        completed_at: m.completed_at,
        returned_at: m.returned_at,
        overdue,
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovementInput {
    pub direction: Direction,
    pub asset_tag: Option<String>,
    pub item_description: Option<String>,
    pub zone_id: i64,
    pub reason: String,
    pub destination: Option<String>,
    /// RFC 3339 time, or a date (midnight, Tokyo).
    pub planned_at: String,
    pub return_due: Option<NaiveDate>,
}

/// Who may ask to move equipment.
const REQUESTERS: &[Role] = &[Role::Staff, Role::Operator, Role::SecurityManager];
/// Who may read every request; others see their own.
const READERS: &[Role] = &[
    Role::Admin,
    Role::Auditor,
    Role::SecurityManager,
    Role::Operator,
    Role::Guard,
];

pub fn request_movement(
    conn: &mut DbConn,
    by: &Principal,
    input: &MovementInput,
) -> Result<MovementView, AppError> {
    by.require_any(REQUESTERS)?;
    db::write_tx(conn, |conn| {
        let mut errors = BTreeMap::new();
        let reason = clean_text(&input.reason, 500)
            .map_err(|e| errors.insert("reason".into(), e))
            .ok();
        let destination = clean_optional(input.destination.as_deref(), 200)
            .map_err(|e| errors.insert("destination".into(), e))
            .ok()
            .flatten();
        let item = clean_optional(input.item_description.as_deref(), 200)
            .map_err(|e| errors.insert("item_description".into(), e))
            .ok()
            .flatten();
        let planned_at = crate::web::time::parse_instant(&input.planned_at);
        if planned_at.is_none() {
            errors.insert(
                "planned_at".into(),
                "予定日時は 2026-11-25 または RFC 3339 の形式で入力してください。".into(),
            );
        }
        if let (Some(due), Some(at)) = (input.return_due, planned_at)
            && due < to_tokyo(at).date_naive()
        {
            errors.insert(
                "return_due".into(),
                "返却予定日は予定日以降にしてください。".into(),
            );
        }
        let zone = match model::find_zone(conn, input.zone_id) {
            Ok(z) if z.active => Some(z),
            Ok(_) | Err(diesel::result::Error::NotFound) => {
                errors.insert("zone_id".into(), "指定された管理区域がありません。".into());
                None
            }
            Err(e) => return Err(e.into()),
        };
        let device = match input
            .asset_tag
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => {
                if item.is_none() {
                    errors.insert(
                        "asset_tag".into(),
                        "資産番号か品名（item_description）のどちらかを入力してください。".into(),
                    );
                }
                None
            }
            Some(raw) => match normalize_tag(raw) {
                Err(e) => {
                    errors.insert("asset_tag".into(), e.message());
                    None
                }
                Ok(tag) => match model::find_equipment_by_tag(conn, &tag)? {
                    None => {
                        errors.insert(
                            "asset_tag".into(),
                            format!("機器 {tag} は登録されていません。"),
                        );
                        None
                    }
                    Some(e) if e.status == Status::Disposed.as_str() => {
                        errors.insert("asset_tag".into(), format!("機器 {tag} は廃棄済です。"));
                        None
                    }
                    Some(e) => Some(e),
                },
            },
        };
        if let (Some(d), Some(z)) = (&device, &zone)
            && input.direction == Direction::Out
            && d.zone_id != Some(z.id)
        {
            errors.insert(
                "zone_id".into(),
                format!("機器 {} はこの管理区域に設置されていません。", d.asset_tag),
            );
        }
        if let Some(err) = AppError::invalid_fields(errors) {
            return Err(err);
        }
        if let Some(d) = &device
            && model::open_for_device(conn, d.id, input.direction.as_str())? > 0
        {
            return Err(AppError::conflict(
                "duplicate_request",
                format!("機器 {} には処理中の申請があります。", d.asset_tag),
            ));
        }
        let now = db::now();
        let reason = reason.unwrap_or_default();
        let created = model::insert_movement(
            conn,
            &NewMovement {
                direction: input.direction.as_str(),
                equipment_id: device.as_ref().map(|d| d.id),
                item_description: item.as_deref(),
                zone_id: input.zone_id,
                reason: &reason,
                destination: destination.as_deref(),
                planned_at: planned_at.unwrap_or(now),
                return_due: input.return_due,
                state: MovementState::Requested.as_str(),
                requested_by: by.id,
                requested_at: now,
            },
        )?;
        let view = view(created, device.map(|d| d.asset_tag));
        record(conn, by, "movement.request", &view)?;
        Ok(view)
    })
}

/// Audits a step twice over: on the movement, and on the device's own history.
fn record(
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

fn load(conn: &mut DbConn, id: i64) -> Result<(Movement, Option<String>), AppError> {
    let m = model::find_movement(conn, id)?;
    let tag = match m.equipment_id {
        Some(e) => Some(model::find_equipment(conn, e)?.asset_tag),
        None => None,
    };
    Ok((m, tag))
}

fn wrong_state(m: &Movement) -> AppError {
    let state = MovementState::parse(&m.state).map_or("不明", |s| s.label());
    AppError::conflict(
        "invalid_state",
        format!("この申請は現在「{state}」のため、この操作はできません。"),
    )
}

/// Approves or rejects: only a manager of the request's zone, never its requester (第4条, 第5条).
pub fn decide(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    approve: bool,
    note: Option<&str>,
) -> Result<MovementView, AppError> {
    let note = clean_optional(note, 500).map_err(|e| AppError::invalid("note", e))?;
    db::write_tx(conn, |conn| {
        let (m, tag) = load(conn, id)?;
        if m.requested_by == by.id {
            return Err(AppError::forbidden(
                "self_approval",
                "自分の申請を承認・却下することはできません。",
            ));
        }
        if !model::is_zone_manager(conn, m.zone_id, by.id)? {
            return Err(AppError::forbidden(
                "not_zone_manager",
                "この管理区域を管理するセキュリティ管理者だけが承認できます。",
            ));
        }
        let next = if approve {
            MovementState::Approved
        } else {
            MovementState::Rejected
        };
        let changes = MovementChanges {
            state: Some(next.as_str().to_owned()),
            decided_by: Some(Some(by.id)),
            decided_at: Some(Some(db::now())),
            decision_note: Some(note.clone()),
            ..MovementChanges::default()
        };
        let updated = model::transition(conn, id, MovementState::Requested.as_str(), &changes)?
            .ok_or_else(|| wrong_state(&m))?;
        let view = view(updated, tag);
        record(
            conn,
            by,
            if approve {
                "movement.approve"
            } else {
                "movement.reject"
            },
            &view,
        )?;
        Ok(view)
    })
}

/// The requester withdraws a request not yet decided.
pub fn cancel(conn: &mut DbConn, by: &Principal, id: i64) -> Result<MovementView, AppError> {
    db::write_tx(conn, |conn| {
        let (m, tag) = load(conn, id)?;
        if m.requested_by != by.id {
            return Err(AppError::forbidden(
                "forbidden",
                "申請者本人だけが取り消せます。",
            ));
        }
        let changes = MovementChanges {
            state: Some(MovementState::Cancelled.as_str().to_owned()),
            ..MovementChanges::default()
        };
        let updated = model::transition(conn, id, MovementState::Requested.as_str(), &changes)?
            .ok_or_else(|| wrong_state(&m))?;
        let view = view(updated, tag);
        record(conn, by, "movement.cancel", &view)?;
        Ok(view)
    })
}

/// Who records that an approved move happened, and that a carried-out device came back.
const EXECUTORS: &[Role] = &[Role::Operator, Role::Guard, Role::SecurityManager];

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
    let view = view(updated, tag);
    record(conn, by, "movement.complete", &view)?;
    Ok(view)
}

/// A carried-out device is back: the request closes and the device returns to service.
pub fn mark_returned(conn: &mut DbConn, by: &Principal, id: i64) -> Result<MovementView, AppError> {
    by.require_any(EXECUTORS)?;
    db::write_tx(conn, |conn| {
        let (m, tag) = load(conn, id)?;
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
        let view = view(updated, tag);
        record(conn, by, "movement.return", &view)?;
        Ok(view)
    })
}

fn set_status(conn: &mut DbConn, equipment_id: i64, status: Status) -> Result<(), AppError> {
    let device = model::find_equipment(conn, equipment_id)?;
    let mut fields = model::EquipmentFields::of(&device);
    fields.status = status.as_str().to_owned();
    fields.updated_at = db::now();
    model::update_equipment(conn, equipment_id, &fields)?;
    Ok(())
}

pub fn get_movement(conn: &mut DbConn, by: &Principal, id: i64) -> Result<MovementView, AppError> {
    let (m, tag) = load(conn, id)?;
    if m.requested_by != by.id {
        by.require_any(READERS)?;
    }
    Ok(view(m, tag))
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
        rows.into_iter().map(|(m, tag)| view(m, tag)).collect(),
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
