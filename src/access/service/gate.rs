//! The gate: check a code, record entries and exits (with the carry-out
//! check), and who is inside each zone now.

use super::super::codes::{CodeError, PermitKeys};
use super::super::model::{self, NewAccessEvent, NewCarryOut, Permit};
use super::super::rules::{
    self, DenyReason, EventKind, GateFacts, HolderKind, PermitState, Verdict,
};
use super::log::{AccessEventView, event_views};
use crate::audit;
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::rules::clean_optional;
use crate::identity::{Principal, Role};
use crate::register::model as register;
use crate::register::rules::normalize_tag;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// Who stands at the door, as the guard's screen shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HolderView {
    pub permit_id: i64,
    pub permit_number: String,
    /// `staff`, `contractor` or `visitor`.
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub organization: Option<String>,
    pub purpose: String,
    pub escort_required: bool,
    pub escort_name: Option<String>,
    /// The permit's state as of now (`approved`, `expired`, `revoked`…).
    pub state: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    pub valid_from: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    pub valid_until: NaiveDateTime,
    pub zone_id: i64,
}

/// `POST /gate/check`'s answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GateCheck {
    /// `allow` or `deny`.
    pub verdict: String,
    /// The deny reason's code (CONTRACT.md), absent on allow.
    pub reason_code: Option<DenyReason>,
    /// The answer in words.
    pub reason: String,
    pub permit: Option<HolderView>,
    /// Same as `permit` (the contract's name for who the code belongs to).
    pub holder: Option<HolderView>,
    /// Whether the holder is recorded inside this zone now.
    pub inside: bool,
}

struct Resolved {
    permit: Option<Permit>,
    holder: Option<HolderView>,
    facts: Option<GateFacts>,
    /// Set when the code itself fails (unknown or bad signature).
    code_fault: Option<DenyReason>,
    presence: Option<model::Presence>,
}

/// The holder as the guard sees them, from the permit row and at most two
/// primary-key lookups (this is the gate's hot path).
fn holder_view(conn: &mut DbConn, p: &Permit, now: NaiveDateTime) -> Result<HolderView, AppError> {
    let user = match p.holder_user_id {
        Some(id) => super::permits::user_info(conn, id)?,
        None => None,
    };
    let (name, organization) = super::permits::holder_identity(p, user.as_ref());
    let escort_name = match p.escort_user_id {
        Some(id) => super::permits::user_info(conn, id)?.map(|(name, _)| name),
        None => None,
    };
    let kind = HolderKind::parse(&p.holder_kind).unwrap_or(HolderKind::Visitor);
    Ok(HolderView {
        permit_id: p.id,
        permit_number: super::permits::permit_number(p.id),
        kind: kind.as_str().to_owned(),
        kind_label: kind.label().to_owned(),
        name,
        organization,
        purpose: p.purpose.clone(),
        escort_required: p.escort_required,
        escort_name,
        state: rules::effective_state(
            PermitState::parse(&p.state).unwrap_or(PermitState::Requested),
            p.valid_until,
            now,
        )
        .as_str()
        .to_owned(),
        valid_from: p.valid_from,
        valid_until: p.valid_until,
        zone_id: p.zone_id,
    })
}

/// Reads what the code and the database say; decides nothing yet.
fn resolve(
    conn: &mut DbConn,
    keys: &PermitKeys,
    code: &str,
    zone_id: i64,
    now: NaiveDateTime,
) -> Result<Resolved, AppError> {
    let fault = |reason| Resolved {
        permit: None,
        holder: None,
        facts: None,
        code_fault: Some(reason),
        presence: None,
    };
    let claims = match keys.verify(code) {
        Ok(c) => c,
        Err(CodeError::Malformed) => return Ok(fault(DenyReason::UnknownCode)),
        Err(CodeError::BadSignature) => return Ok(fault(DenyReason::BadSignature)),
    };
    let Some(permit) = diesel::OptionalExtension::optional(model::find_permit(conn, claims.pid))?
    else {
        return Ok(fault(DenyReason::UnknownCode));
    };
    // A code we signed that is not the one this permit row carries (e.g. a
    // database restored from an older backup) is not this permit's code. A
    // permit never approved carries none: its state answers (`not_approved`).
    let foreign = permit.code.as_deref().is_some_and(|c| c != code.trim());
    if foreign || permit.zone_id != claims.zid {
        return Ok(fault(DenyReason::UnknownCode));
    }
    let presence = model::presence_of(conn, &rules::person_key(permit.holder_user_id, permit.id))?;
    let stored = PermitState::parse(&permit.state).unwrap_or(PermitState::Requested);
    let facts = GateFacts {
        state: rules::effective_state(stored, permit.valid_until, now),
        valid_from: permit.valid_from,
        valid_until: permit.valid_until,
        permit_zone: permit.zone_id,
        gate_zone: zone_id,
        inside_here: presence.as_ref().is_some_and(|p| p.zone_id == zone_id),
        inside_anywhere: presence.is_some(),
        now,
    };
    let holder = holder_view(conn, &permit, now)?;
    Ok(Resolved {
        permit: Some(permit),
        holder: Some(holder),
        facts: Some(facts),
        code_fault: None,
        presence,
    })
}

fn answer(resolved: &Resolved, verdict: Verdict) -> GateCheck {
    let reason = verdict.reason();
    GateCheck {
        verdict: if reason.is_none() { "allow" } else { "deny" }.to_owned(),
        reason_code: reason,
        reason: match reason {
            Some(r) => r.message().to_owned(),
            None => "入室できます。".to_owned(),
        },
        permit: resolved.holder.clone(),
        holder: resolved.holder.clone(),
        inside: resolved.facts.is_some_and(|f| f.inside_here),
    }
}

/// The gate belongs to guards (警備・受付) and to the zone's own managers.
fn require_gate(conn: &mut DbConn, by: &Principal, zone_id: i64) -> Result<(), AppError> {
    let zone = match register::find_zone(conn, zone_id) {
        Ok(z) => z,
        Err(diesel::result::Error::NotFound) => {
            return Err(AppError::not_found("指定された区域が見つかりません。"));
        }
        Err(e) => return Err(e.into()),
    };
    if by.has(Role::Guard) || register::is_zone_manager(conn, zone.id, by.id)? {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "forbidden",
            "入退室の確認・記録ができるのは、警備・受付とこの区域の管理者です。",
        ))
    }
}

/// Answers allow or deny for entering `zone_id` with `code`. Changes nothing.
pub fn check(
    conn: &mut DbConn,
    settings: &Settings,
    by: &Principal,
    code: &str,
    zone_id: i64,
) -> Result<GateCheck, AppError> {
    require_gate(conn, by, zone_id)?;
    let keys = super::keys(settings)?;
    let resolved = resolve(conn, &keys, code, zone_id, db::now())?;
    let verdict = match (resolved.code_fault, &resolved.facts) {
        (Some(r), _) => Verdict::Deny(r),
        (None, Some(f)) => rules::entry_verdict(f, None),
        (None, None) => Verdict::Deny(DenyReason::UnknownCode),
    };
    Ok(answer(&resolved, verdict))
}

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

/// An entry or exit was recorded, or the attempt was refused (and recorded).
pub enum GateOutcome<T> {
    Recorded(T),
    Denied(Box<GateCheck>),
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CarryOutResult {
    pub asset_tag: String,
    pub authorised: bool,
    pub movement_id: Option<i64>,
    /// Why not, when not authorised: `unknown_equipment` or `no_approved_carry_out`.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExitOutcome {
    pub event: AccessEventView,
    pub carried_out: Vec<CarryOutResult>,
}

fn deny_event(
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
    let keys = super::keys(settings)?;
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
        Err(e) if e.code == "duplicate" => db::write_tx(conn, |conn| {
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
    let keys = super::keys(settings)?;
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
            let result = check_carry_out(conn, by, tag, input.zone_id, now)?;
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
        let flagged: Vec<&str> = results
            .iter()
            .filter(|r| !r.authorised)
            .map(|r| r.asset_tag.as_str())
            .collect();
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
                json!({ "zone_id": input.zone_id, "asset_tags": flagged }),
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

/// One device at the door: (result, equipment id).
fn check_carry_out(
    conn: &mut DbConn,
    by: &Principal,
    tag: &str,
    zone_id: i64,
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
        return Ok((
            CarryOutResult {
                asset_tag: tag.to_owned(),
                authorised: false,
                movement_id: None,
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OccupantView {
    pub permit_id: i64,
    pub permit_number: String,
    pub name: String,
    pub organization: Option<String>,
    pub kind: String,
    pub escort_required: bool,
    pub escort_name: Option<String>,
    pub entry_event_id: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    pub entered_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    pub valid_until: NaiveDateTime,
    /// Still inside after the permit's window.
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Occupancy {
    pub zone_id: i64,
    pub zone_code: String,
    pub zone_name: String,
    pub count: usize,
    pub overdue: usize,
    pub people: Vec<OccupantView>,
}

/// Who is inside a zone now (evacuation list). Guards, the zone's managers,
/// auditors and admins.
pub fn occupancy(conn: &mut DbConn, by: &Principal, zone_id: i64) -> Result<Occupancy, AppError> {
    let zone = match register::find_zone(conn, zone_id) {
        Ok(z) => z,
        Err(diesel::result::Error::NotFound) => {
            return Err(AppError::not_found("指定された区域が見つかりません。"));
        }
        Err(e) => return Err(e.into()),
    };
    if !by.has_any(&[Role::Admin, Role::Auditor, Role::Guard])
        && !register::is_zone_manager(conn, zone_id, by.id)?
    {
        return Err(AppError::forbidden(
            "forbidden",
            "在室者を閲覧できるのは、警備・受付、区域の管理者、監査担当、システム管理者です。",
        ));
    }
    let now = db::now();
    let rows = model::occupancy(conn, zone_id)?;
    let (presences, permits): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
    let views = super::permits::views(conn, permits, now)?;
    let people: Vec<OccupantView> = presences
        .into_iter()
        .zip(views)
        .map(|(presence, v)| OccupantView {
            permit_id: v.id,
            permit_number: v.number,
            name: v.holder_name,
            organization: v.organization,
            kind: v.holder_kind,
            escort_required: v.escort_required,
            escort_name: v.escort_name,
            entry_event_id: presence.entry_event_id,
            entered_at: presence.entered_at,
            valid_until: v.valid_until,
            overdue: rules::overdue(v.valid_until, now),
        })
        .collect();
    Ok(Occupancy {
        zone_id,
        zone_code: zone.code,
        zone_name: zone.name,
        count: people.len(),
        overdue: people.iter().filter(|p| p.overdue).count(),
        people,
    })
}
