//! Moving a change on: authorise/reject, complete (execution) and verify.

use super::model;
use super::rules::{self, CablingState, Performer, Step};
use super::*;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::text::clean_optional;
use crate::register::model::is_zone_manager;
use serde_json::json;

/// Moves a change one step on. Authorise, reject and verify: a manager of the
/// change's zone (never the requester for authorise/reject, never the worker for
/// verify). Complete: the named operator, or for a contractor an operator recording
/// the contractor's work — and only once authorised.
pub fn step(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    step: Step,
    note: Option<&str>,
    diagram_updated: Option<bool>,
) -> Result<CablingView, AppError> {
    let note = clean_optional(note, 2000).map_err(|e| AppError::invalid("notes", e))?;
    db::write_tx(conn, |conn| {
        let view = load(conn, id)?;
        let manager = step != Step::Complete && is_zone_manager(conn, view.zone_id, by.id)?;
        check(&view, by, manager, step)?;
        let from = step.from_state();
        let current = CablingState::stored(&view.state)?;
        if current != from
            || !model::advance(
                conn,
                id,
                from.as_str(),
                step.to_state().as_str(),
                by.id,
                db::now(),
                note.as_deref(),
                if step == Step::Complete {
                    diagram_updated
                } else {
                    None
                },
            )?
        {
            return Err(AppError::conflict(
                "wrong_state",
                format!(
                    "この作業は「{}」のため、この操作はできません。",
                    current.label()
                ),
            ));
        }
        let mut detail =
            json!({ "from": from.as_str(), "to": step.to_state().as_str(), "note": note });
        if step == Step::Complete {
            detail["diagram_updated"] = json!(diagram_updated);
            if let Some(c) = &view.contractor {
                detail["contractor"] = json!(c);
            }
        }
        record_step(conn, by, step.action(), id, &view.asset_tags, detail)?;
        load(conn, id)
    })
}

/// Whether `by` may take `step` on `view`, by who they are (the state is checked
/// apart): `manager` says whether they manage the change's zone.
pub(super) fn check(
    view: &CablingView,
    by: &Principal,
    manager: bool,
    step: Step,
) -> Result<(), AppError> {
    match step {
        Step::Authorize | Step::Reject | Step::Verify => {
            if !manager {
                return Err(AppError::forbidden(
                    "not_zone_manager",
                    "この管理区域の管理者のみが行えます。",
                ));
            }
            if step != Step::Verify && view.requested_by == by.id {
                return Err(AppError::forbidden(
                    "self_approval",
                    "自分の申請に作業指示・却下をすることはできません。",
                ));
            }
            if step == Step::Verify
                && !rules::may_verify(&view.performer(), view.completed_by, by.id)
            {
                return Err(AppError::forbidden(
                    "self_verification",
                    "自分が行った作業の完了確認はできません。",
                ));
            }
        }
        Step::Complete => {
            if !rules::may_complete(&view.performer(), by.id, by.has(Role::Operator)) {
                return Err(AppError::forbidden(
                    "not_authorized_performer",
                    match view.performer() {
                        Performer::Operator(_) => {
                            "作業指示で指名された運用管理者のみが完了を記録できます。"
                        }
                        Performer::Contractor => "委託事業者の作業は運用管理者が記録します。",
                    },
                ));
            }
        }
    }
    Ok(())
}
