//! Recording at the gate: an entry (with the ID check) and a refused attempt;
//! exits, with their carry-out check, are in `exit`.

use super::{GateCheck, Resolved, answer, require_gate, resolve};
use crate::access::model::{self, NewAccessEvent};
use crate::access::rules::{self, DenyReason, EventKind, Verdict};
use crate::access::service::log::{AccessEventView, event_views};
use crate::audit;
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::text::clean_optional;
use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    pub code: String,
    pub zone_id: i64,
    /// The guard saw the holder's ID (第5条2).
    pub id_checked: bool,
    /// Which ID was shown (職員証, 運転免許証…).
    #[serde(default)]
    pub id_document: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// An entry or exit was recorded, or the attempt was refused (and recorded).
pub enum GateOutcome<T> {
    Recorded(T),
    Denied(Box<GateCheck>),
}

pub(super) fn deny_event(
    conn: &mut DbConn,
    by: &Principal,
    zone_id: i64,
    attempt: EventKind,
    resolved: &Resolved,
    verdict: Verdict,
    now: NaiveDateTime,
) -> Result<GateCheck, AppError> {
    let reason = verdict.reason().unwrap_or(DenyReason::UnknownCode);
    let holder = resolved.holder.as_ref();
    let event = model::insert_event(
        conn,
        &NewAccessEvent {
            zone_id,
            permit_id: resolved.permit.as_ref().map(|p| p.id),
            kind: EventKind::Denied.as_str(),
            attempt: attempt.as_str(),
            reason_code: Some(reason.code()),
            occurred_at: now,
            guard_id: by.id,
            holder_name: holder.map(|h| h.name.as_str()),
            holder_organization: holder.and_then(|h| h.organization.as_deref()),
            id_checked: false,
            id_document: None,
            entry_event_id: None,
            note: None,
        },
    )?;
    audit::record(
        conn,
        &by.actor(),
        "access.denied",
        "access_event",
        &event.id.to_string(),
        json!({ "zone_id": zone_id, "attempt": attempt.as_str(), "reason_code": reason.code(),
                "permit_id": event.permit_id }),
    )?;
    Ok(answer(resolved, verdict))
}

/// Records an entry: only with an ID check and a valid permit. A refusal is
/// itself recorded. The presence table's unique person key guarantees that
/// two guards recording the same person at once make one entry.
pub fn record_entry(
    conn: &mut DbConn,
    settings: &Settings,
    by: &Principal,
    input: &EntryInput,
) -> Result<GateOutcome<AccessEventView>, AppError> {
    require_gate(conn, by, input.zone_id)?;
    let id_document = clean_optional(input.id_document.as_deref(), 100)
        .map_err(|e| AppError::invalid("id_document", e))?;
    let note =
        clean_optional(input.note.as_deref(), 500).map_err(|e| AppError::invalid("note", e))?;
    let keys = crate::access::service::keys_for_code(conn, settings, &input.code)?;
    let attempt: Result<GateOutcome<model::AccessEvent>, AppError> = db::write_tx(conn, |conn| {
        let now = db::now();
        let resolved = resolve(conn, &keys, &input.code, input.zone_id, now)?;
        let verdict = match (resolved.code_fault, &resolved.facts) {
            (Some(r), _) => Verdict::Deny(r),
            (None, Some(f)) => rules::entry_verdict(f, Some(input.id_checked)),
            (None, None) => Verdict::Deny(DenyReason::UnknownCode),
        };
        let (Verdict::Allow, Some(permit), Some(holder)) =
            (verdict, &resolved.permit, &resolved.holder)
        else {
            let denied = deny_event(
                conn,
                by,
                input.zone_id,
                EventKind::Entry,
                &resolved,
                verdict,
                now,
            )?;
            return Ok(GateOutcome::Denied(Box::new(denied)));
        };
        let event = model::insert_event(
            conn,
            &NewAccessEvent {
                zone_id: input.zone_id,
                permit_id: Some(permit.id),
                kind: EventKind::Entry.as_str(),
                attempt: EventKind::Entry.as_str(),
                reason_code: None,
                occurred_at: now,
                guard_id: by.id,
                holder_name: Some(&holder.name),
                holder_organization: holder.organization.as_deref(),
                id_checked: true,
                id_document: id_document.as_deref(),
                entry_event_id: None,
                note: note.as_deref(),
            },
        )?;
        model::insert_presence(
            conn,
            &rules::person_key(permit.holder_user_id, permit.id),
            input.zone_id,
            permit.id,
            event.id,
            now,
        )?;
        audit::record(
            conn,
            &by.actor(),
            "access.entry",
            "access_event",
            &event.id.to_string(),
            json!({ "zone_id": input.zone_id, "permit_id": permit.id, "holder_name": holder.name,
                    "id_checked": true, "id_document": id_document }),
        )?;
        Ok(GateOutcome::Recorded(event))
    });
    match attempt {
        Ok(GateOutcome::Recorded(event)) => Ok(GateOutcome::Recorded(
            event_views(conn, vec![event])?.remove(0),
        )),
        Ok(GateOutcome::Denied(d)) => Ok(GateOutcome::Denied(d)),
        // The unique person key refused a second "inside" row: another guard
        // recorded this person a moment ago. Record this attempt as refused.
        Err(e) if e.violates_unique("zone_presence", "person_key") => db::write_tx(conn, |conn| {
            let now = db::now();
            let resolved = resolve(conn, &keys, &input.code, input.zone_id, now)?;
            deny_event(
                conn,
                by,
                input.zone_id,
                EventKind::Entry,
                &resolved,
                Verdict::Deny(DenyReason::AlreadyInside),
                now,
            )
            .map(|d| GateOutcome::Denied(Box::new(d)))
        }),
        Err(e) => Err(e),
    }
}
