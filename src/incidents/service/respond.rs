//! Answering an incident (response, cause, prevention) and closing it: the security
//! manager of its zone or department, checked at the moment of the step.

use super::super::model;
use super::super::rules::{self, IncidentState};
use super::{IncidentView, ResponseInput, load, may_respond, record_event};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::text::clean_text;
use serde_json::json;
use std::collections::BTreeMap;

fn require_responder(conn: &mut DbConn, by: &Principal, v: &IncidentView) -> Result<(), AppError> {
    if may_respond(conn, by, v)? {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "not_responsible",
            "この記録に対応を記録できるのは、管理区域（区域がなければ所属課）のセキュリティ管理者です。",
        ))
    }
}

fn wrong_state(v: &IncidentView) -> AppError {
    AppError::conflict(
        "invalid_state",
        format!(
            "この記録は現在「{}」のため、この操作はできません。",
            v.state().label()
        ),
    )
}

/// Records (or rewrites, until closed) the response, the cause and the prevention.
pub fn record_response(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    input: &ResponseInput,
) -> Result<IncidentView, AppError> {
    let mut faults = BTreeMap::<String, String>::new();
    let mut text = |field: &str, value: &str| {
        clean_text(value, rules::TEXT_MAX)
            .map_err(|e| faults.insert(field.to_owned(), e))
            .ok()
    };
    let response = text("response", &input.response);
    let cause = text("cause", &input.cause);
    let prevention = text("prevention", &input.prevention);
    db::write_tx(conn, |conn| {
        let before = load(conn, by, id)?;
        require_responder(conn, by, &before)?;
        if !rules::may_record_response(before.state()) {
            return Err(wrong_state(&before));
        }
        if let Some(err) = AppError::invalid_fields(faults) {
            return Err(err);
        }
        let (Some(response), Some(cause), Some(prevention)) = (response, cause, prevention) else {
            return Err(AppError::internal("validated input is missing"));
        };
        if !model::record_response(conn, id, (&response, &cause, &prevention), by.id, db::now())? {
            return Err(wrong_state(&before));
        }
        let after = load(conn, by, id)?;
        record_event(
            conn,
            by,
            "incident.respond",
            &after,
            false,
            json!({
                "before": {"state": before.state, "response": before.response, "cause": before.cause, "prevention": before.prevention},
                "after": {"state": after.state, "response": after.response, "cause": after.cause, "prevention": after.prevention},
            }),
        )?;
        Ok(after)
    })
}

/// Closes a record whose response, cause and prevention are recorded.
pub fn close_incident(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
) -> Result<IncidentView, AppError> {
    db::write_tx(conn, |conn| {
        let before = load(conn, by, id)?;
        require_responder(conn, by, &before)?;
        if before.state() == IncidentState::Open {
            return Err(AppError::conflict(
                "response_missing",
                "対応・原因・再発防止策を記録してから完了にしてください。",
            ));
        }
        if !rules::may_close(before.state()) || !model::close(conn, id, by.id, db::now())? {
            return Err(wrong_state(&before));
        }
        let after = load(conn, by, id)?;
        record_event(
            conn,
            by,
            "incident.close",
            &after,
            true,
            json!({"state": after.state, "response": after.response, "cause": after.cause, "prevention": after.prevention}),
        )?;
        Ok(after)
    })
}
