//! Recording an exit: the carry-out check of every device taken out, and a
//! 無許可持出 in the register for a registered device that had no approval.

use super::record::{GateOutcome, deny_event};
use super::{require_gate, resolve};
use crate::access::model::{self, NewAccessEvent, NewCarryOut};
use crate::access::rules::{self, DenyReason, EventKind, Verdict};
use crate::access::service::log::{AccessEventView, event_views};
use crate::audit;
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::text::clean_optional;
use crate::register::model as register;
use crate::register::rules::normalize_tag;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExitInput {
    pub code: String,
    pub zone_id: i64,
    /// Asset tags (or label URLs) of the devices the person carries out.
    #[serde(default)]
    pub carried_out: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CarryOutResult {
    pub asset_tag: String,
    pub authorised: bool,
    /// The approved carry-out it completed or, when not authorised, the
    /// 無許可持出 movement recorded for a registered device.
    pub movement_id: Option<i64>,
    /// Why not, when not authorised: `unknown_equipment` or `no_approved_carry_out`.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExitOutcome {
    pub event: AccessEventView,
    pub carried_out: Vec<CarryOutResult>,
}

/// Records an exit and checks each carried-out device against an approved
/// carry-out (持出) of that device from this zone: a match is marked completed
/// and the device `carried_out`, in the same transaction; anything else is
/// flagged (recorded, audited, and answered `authorised: false`).
pub fn record_exit(
    conn: &mut DbConn,
    settings: &Settings,
    by: &Principal,
    input: &ExitInput,
) -> Result<GateOutcome<ExitOutcome>, AppError> {
    require_gate(conn, by, input.zone_id)?;
    let note =
        clean_optional(input.note.as_deref(), 500).map_err(|e| AppError::invalid("note", e))?;
    let mut errors = BTreeMap::new();
    let mut tags: Vec<String> = Vec::new();
    for (i, raw) in input.carried_out.iter().enumerate() {
        match normalize_tag(raw) {
            Ok(tag) if !tags.contains(&tag) => tags.push(tag),
            Ok(_) => {}
            Err(e) => {
                errors.insert(format!("carried_out[{i}]"), e.message());
            }
        }
    }
    if tags.len() > 100 {
        errors.insert("carried_out".into(), "一度に100件までです。".into());
    }
    if let Some(err) = AppError::invalid_fields(errors) {
        return Err(err);
    }
    let keys = crate::access::service::keys_for_code(conn, settings, &input.code)?;
    type Exit = (model::AccessEvent, Vec<CarryOutResult>);
    let outcome = db::write_tx(conn, |conn| -> Result<GateOutcome<Exit>, AppError> {
        let now = db::now();
        let resolved = resolve(conn, &keys, &input.code, input.zone_id, now)?;
        let verdict = match (resolved.code_fault, &resolved.facts) {
            (Some(r), _) => Verdict::Deny(r),
            (None, Some(f)) => rules::exit_verdict(f),
            (None, None) => Verdict::Deny(DenyReason::UnknownCode),
        };
        let (Verdict::Allow, Some(permit), Some(holder), Some(presence)) = (
            verdict,
            &resolved.permit,
            &resolved.holder,
            &resolved.presence,
        ) else {
            let denied = deny_event(
                conn,
                by,
                input.zone_id,
                EventKind::Exit,
                &resolved,
                verdict,
                now,
            )?;
            return Ok(GateOutcome::Denied(Box::new(denied)));
        };
        if model::delete_presence(conn, presence.id)? != 1 {
            let denied = deny_event(
                conn,
                by,
                input.zone_id,
                EventKind::Exit,
                &resolved,
                Verdict::Deny(DenyReason::NotInside),
                now,
            )?;
            return Ok(GateOutcome::Denied(Box::new(denied)));
        }
        let event = model::insert_event(
            conn,
            &NewAccessEvent {
                zone_id: input.zone_id,
                permit_id: Some(permit.id),
                kind: EventKind::Exit.as_str(),
                attempt: EventKind::Exit.as_str(),
                reason_code: None,
                occurred_at: now,
                guard_id: by.id,
                holder_name: Some(&holder.name),
                holder_organization: holder.organization.as_deref(),
                id_checked: false,
                id_document: None,
                entry_event_id: Some(presence.entry_event_id),
                note: note.as_deref(),
            },
        )?;
        let mut results = Vec::with_capacity(tags.len());
        for tag in &tags {
            let result = check_carry_out(conn, by, tag, input.zone_id, event.id, now)?;
            model::insert_carry_out(
                conn,
                &NewCarryOut {
                    event_id: event.id,
                    asset_tag: tag,
                    equipment_id: result.1,
                    movement_id: result.0.movement_id,
                    authorised: result.0.authorised,
                },
            )?;
            results.push(result.0);
        }
        let flagged: Vec<&CarryOutResult> = results.iter().filter(|r| !r.authorised).collect();
        audit::record(
            conn,
            &by.actor(),
            "access.exit",
            "access_event",
            &event.id.to_string(),
            json!({ "zone_id": input.zone_id, "permit_id": permit.id, "holder_name": holder.name,
                    "entry_event_id": presence.entry_event_id,
                    "overdue": rules::overdue(permit.valid_until, now),
                    "permit_state": holder.state,
                    "carried_out": results.iter().map(|r| json!({
                        "asset_tag": r.asset_tag, "authorised": r.authorised, "movement_id": r.movement_id
                    })).collect::<Vec<_>>() }),
        )?;
        if !flagged.is_empty() {
            audit::record(
                conn,
                &by.actor(),
                "access.carry_out_flagged",
                "access_event",
                &event.id.to_string(),
                json!({ "zone_id": input.zone_id,
                        "asset_tags": flagged.iter().map(|r| &r.asset_tag).collect::<Vec<_>>(),
                        "carried_out": flagged.iter().map(|r| json!({
                            "asset_tag": r.asset_tag, "problem": r.problem, "movement_id": r.movement_id
                        })).collect::<Vec<_>>() }),
            )?;
        }
        Ok(GateOutcome::Recorded((event, results)))
    })?;
    Ok(match outcome {
        GateOutcome::Recorded((event, carried_out)) => GateOutcome::Recorded(ExitOutcome {
            event: event_views(conn, vec![event])?.remove(0),
            carried_out,
        }),
        GateOutcome::Denied(d) => GateOutcome::Denied(d),
    })
}

/// One device at the door: (result, equipment id). A registered device with
/// no approved carry-out gets its 無許可持出 movement in the register here, in
/// the exit's transaction; an unregistered one stays on the exit record only.
fn check_carry_out(
    conn: &mut DbConn,
    by: &Principal,
    tag: &str,
    zone_id: i64,
    event_id: i64,
    now: NaiveDateTime,
) -> Result<(CarryOutResult, Option<i64>), AppError> {
    let Some(equipment) = register::find_equipment_by_tag(conn, tag)? else {
        return Ok((
            CarryOutResult {
                asset_tag: tag.to_owned(),
                authorised: false,
                movement_id: None,
                problem: Some("unknown_equipment".into()),
            },
            None,
        ));
    };
    let movement = model::approved_carry_outs(conn, equipment.id, zone_id)?
        .into_iter()
        .find(|(_, planned_at)| rules::carry_out_in_window(*planned_at, now));
    let Some((movement_id, _)) = movement else {
        let flagged = crate::register::service::movements::record_unauthorised_in_tx(
            conn,
            by,
            equipment.id,
            zone_id,
            event_id,
        )?;
        return Ok((
            CarryOutResult {
                asset_tag: tag.to_owned(),
                authorised: false,
                movement_id: Some(flagged.id),
                problem: Some("no_approved_carry_out".into()),
            },
            Some(equipment.id),
        ));
    };
    // The register's own completion, in this transaction: the movement
    // becomes `completed` (with completed_at), the device `carried_out`, audited.
    crate::register::service::movements::complete_in_tx(conn, by, movement_id)?;
    Ok((
        CarryOutResult {
            asset_tag: tag.to_owned(),
            authorised: true,
            movement_id: Some(movement_id),
            problem: None,
        },
        Some(equipment.id),
    ))
}
