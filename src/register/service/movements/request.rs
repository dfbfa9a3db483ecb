//! Asking for a carry-in or carry-out, the zone manager's decision, and
//! the requester's cancellation.

use super::{MovementView, REQUESTERS, load, record, view, wrong_state};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::text::{clean_optional, clean_text};
use crate::kit::time::to_tokyo;
use crate::register::model::{self, MovementChanges, NewMovement};
use crate::register::rules::{Direction, MovementState, Status, normalize_tag};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

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
        let today = db::now();
        let planned_at = crate::kit::time::parse_instant(&input.planned_at);
        match planned_at {
            None => {
                errors.insert(
                    "planned_at".into(),
                    crate::kit::time::instant_format_message(today),
                );
            }
            // A plan is for today or later, as a permit's window is (a whole
            // day, so that 「今日」 given as a date alone still counts).
            Some(at) if to_tokyo(at).date_naive() < to_tokyo(today).date_naive() => {
                errors.insert(
                    "planned_at".into(),
                    "予定日時が過ぎています。今日以降の日時を指定してください。".into(),
                );
            }
            Some(_) => {}
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
                        "資産番号か品名のどちらかを入力してください。".into(),
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
                access_event_id: None,
                prior_status: None,
                completed_at: None,
            },
        )?;
        let view = view(created, device.map(|d| d.asset_tag))?;
        record(conn, by, "movement.request", &view)?;
        Ok(view)
    })
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
        let view = view(updated, tag)?;
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
        let view = view(updated, tag)?;
        record(conn, by, "movement.cancel", &view)?;
        Ok(view)
    })
}
