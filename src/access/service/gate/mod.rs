//! The gate: whether a code lets its holder into a zone (`check`, which
//! changes nothing), and recording entries (`record`) and exits (`exit`).

mod exit;
mod memory;
mod record;

pub use memory::{GateMemory, check_remembered};

pub use exit::{CarryOutResult, ExitInput, ExitOutcome, record_exit};
pub use record::{EntryInput, GateOutcome, record_entry};

use crate::access::codes::{CodeError, PermitClaims, PermitKeys};
use crate::access::model::{self, Permit};
use crate::access::rules::{self, DenyReason, GateFacts, HolderKind, PermitState, Verdict};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model as register;
use chrono::NaiveDateTime;
use serde::Serialize;
use std::sync::Arc;

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
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    pub valid_from: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
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
    /// The zone the holder is recorded inside now (this one or another), so
    /// the guard can say where; absent when they are inside nowhere.
    pub inside_zone: Option<InsideZone>,
}

/// Where a holder is recorded inside, as the guard's screen names it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InsideZone {
    pub id: i64,
    pub code: String,
    pub name: String,
}

pub(super) struct Resolved {
    permit: Option<Permit>,
    holder: Option<HolderView>,
    facts: Option<GateFacts>,
    /// Set when the code itself fails (unknown or bad signature).
    code_fault: Option<DenyReason>,
    presence: Option<model::Presence>,
    inside_zone: Option<InsideZone>,
}

/// What the database says about a permit at one moment: the row, where its
/// holder is, and the names the guard sees. Read in at most four lookups by
/// key (the gate's hot path), and what the gate memo remembers.
pub struct PermitFacts {
    permit: Permit,
    presence: Option<model::Presence>,
    /// The staff holder's name and department (a visitor's are on the row).
    holder_user: Option<(String, Option<String>)>,
    escort_name: Option<String>,
    /// The zone of `presence`, read only when the holder is inside somewhere.
    inside_zone: Option<InsideZone>,
}

pub(super) fn read_facts(
    conn: &mut DbConn,
    permit_id: i64,
) -> Result<Option<PermitFacts>, AppError> {
    use crate::access::service::permits::user_info;
    let Some(permit) = diesel::OptionalExtension::optional(model::find_permit(conn, permit_id))?
    else {
        return Ok(None);
    };
    let presence = model::presence_of(conn, &rules::person_key(permit.holder_user_id, permit.id))?;
    let holder_user = match permit.holder_user_id {
        Some(id) => user_info(conn, id)?,
        None => None,
    };
    let escort_name = match permit.escort_user_id {
        Some(id) => user_info(conn, id)?.map(|(name, _)| name),
        None => None,
    };
    let inside_zone = match &presence {
        Some(p) => {
            let z = register::find_zone(conn, p.zone_id)?;
            Some(InsideZone {
                id: z.id,
                code: z.code,
                name: z.name,
            })
        }
        None => None,
    };
    Ok(Some(PermitFacts {
        permit,
        presence,
        holder_user,
        escort_name,
        inside_zone,
    }))
}

/// The holder as the guard sees them, as of `now`.
fn holder_view(facts: &PermitFacts, now: NaiveDateTime) -> Result<HolderView, AppError> {
    let p = &facts.permit;
    let (name, organization) =
        crate::access::service::permits::holder_identity(p, facts.holder_user.as_ref());
    let kind = HolderKind::stored(&p.holder_kind)?;
    Ok(HolderView {
        permit_id: p.id,
        permit_number: crate::access::service::permits::permit_number(p.id),
        kind: kind.as_str().to_owned(),
        kind_label: kind.label().to_owned(),
        name,
        organization,
        purpose: p.purpose.clone(),
        escort_required: p.escort_required,
        escort_name: facts.escort_name.clone(),
        state: rules::effective_state(PermitState::stored(&p.state)?, p.valid_until, now)
            .as_str()
            .to_owned(),
        valid_from: p.valid_from,
        valid_until: p.valid_until,
        zone_id: p.zone_id,
    })
}

/// The signed claims of `code`, or why it is no permit code of ours.
fn verify_code(keys: &PermitKeys, code: &str) -> Result<PermitClaims, DenyReason> {
    match keys.verify(code) {
        Ok(c) => Ok(c),
        Err(CodeError::Malformed) => Err(DenyReason::UnknownCode),
        Err(CodeError::BadSignature) => Err(DenyReason::BadSignature),
    }
}

fn fault(reason: DenyReason) -> Resolved {
    Resolved {
        permit: None,
        holder: None,
        facts: None,
        code_fault: Some(reason),
        presence: None,
        inside_zone: None,
    }
}

/// Weighs a verified code against what was read about its permit; decides nothing yet.
fn judge(
    claims: &PermitClaims,
    found: Option<&PermitFacts>,
    code: &str,
    zone_id: i64,
    now: NaiveDateTime,
) -> Result<Resolved, AppError> {
    let Some(found) = found else {
        return Ok(fault(DenyReason::UnknownCode));
    };
    let permit = &found.permit;
    // A code we signed that is not the one this permit row carries (e.g. a
    // database restored from an older backup) is not this permit's code. A
    // permit never approved carries none: its state answers (`not_approved`).
    let foreign = permit.code.as_deref().is_some_and(|c| c != code.trim());
    if foreign || permit.zone_id != claims.zid {
        return Ok(fault(DenyReason::UnknownCode));
    }
    let presence = found.presence.as_ref();
    let stored = PermitState::stored(&permit.state)?;
    let facts = GateFacts {
        state: rules::effective_state(stored, permit.valid_until, now),
        valid_from: permit.valid_from,
        valid_until: permit.valid_until,
        permit_zone: permit.zone_id,
        gate_zone: zone_id,
        inside_here: presence.is_some_and(|p| p.zone_id == zone_id),
        inside_anywhere: presence.is_some(),
        now,
    };
    Ok(Resolved {
        permit: Some(permit.clone()),
        holder: Some(holder_view(found, now)?),
        facts: Some(facts),
        code_fault: None,
        presence: found.presence.clone(),
        inside_zone: found.inside_zone.clone(),
    })
}

/// Reads what the code and the database say; decides nothing yet.
pub(super) fn resolve(
    conn: &mut DbConn,
    keys: &PermitKeys,
    code: &str,
    zone_id: i64,
    now: NaiveDateTime,
) -> Result<Resolved, AppError> {
    let claims = match verify_code(keys, code) {
        Ok(c) => c,
        Err(reason) => return Ok(fault(reason)),
    };
    let found = read_facts(conn, claims.pid)?;
    judge(&claims, found.as_ref(), code, zone_id, now)
}

pub(super) fn answer(resolved: &Resolved, verdict: Verdict) -> GateCheck {
    let reason = verdict.reason();
    GateCheck {
        verdict: if reason.is_none() { "allow" } else { "deny" }.to_owned(),
        reason_code: reason,
        reason: match (reason, &resolved.inside_zone) {
            // Inside another zone: say which, so the guard knows where they must leave.
            (Some(DenyReason::AlreadyInside), Some(z)) if !inside_here(resolved) => format!(
                "「{} {}」に入室中として記録されています。先にその区域で退室を記録してください。",
                z.code, z.name
            ),
            (Some(r), _) => r.message().to_owned(),
            (None, _) => "入室できます。".to_owned(),
        },
        permit: resolved.holder.clone(),
        holder: resolved.holder.clone(),
        inside: inside_here(resolved),
        inside_zone: resolved.inside_zone.clone(),
    }
}

fn inside_here(resolved: &Resolved) -> bool {
    resolved.facts.is_some_and(|f| f.inside_here)
}

/// The gate belongs to guards (警備・受付) and to the zone's own managers.
pub(super) fn require_gate(
    conn: &mut DbConn,
    by: &Principal,
    zone_id: i64,
) -> Result<(), AppError> {
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
    check_remembering(conn, settings, by, code, zone_id, None)
}

/// As [`check`]; what it reads about the permit is remembered in `memory`
/// at `generation` (taken before the reads) for [`check_remembered`].
pub fn check_remembering(
    conn: &mut DbConn,
    settings: &Settings,
    by: &Principal,
    code: &str,
    zone_id: i64,
    memory: Option<(&GateMemory, u64)>,
) -> Result<GateCheck, AppError> {
    let keys = super::keys_for_code(conn, settings, code)?;
    let resolved = match verify_code(&keys, code) {
        Err(reason) => fault(reason),
        Ok(claims) => {
            let found = read_facts(conn, claims.pid)?.map(Arc::new);
            if let (Some((memory, generation)), Some(found)) = (memory, &found) {
                memory.remember_permit(generation, found.clone());
            }
            judge(&claims, found.as_deref(), code, zone_id, db::now())?
        }
    };
    // A guard at the door of the permit's own zone needs no zone lookup: the
    // permit's foreign key proves the zone exists (the common case, and the
    // gate's hot path). Anyone else, or another zone, is checked in full.
    if !guard_at_own_zone(&resolved, by, zone_id) {
        require_gate(conn, by, zone_id)?;
    }
    Ok(answer(&resolved, verdict_of(&resolved)))
}

fn guard_at_own_zone(resolved: &Resolved, by: &Principal, zone_id: i64) -> bool {
    by.has(Role::Guard)
        && resolved
            .permit
            .as_ref()
            .is_some_and(|p| p.zone_id == zone_id)
}

fn verdict_of(resolved: &Resolved) -> Verdict {
    match (resolved.code_fault, &resolved.facts) {
        (Some(r), _) => Verdict::Deny(r),
        (None, Some(f)) => rules::entry_verdict(f, None),
        (None, None) => Verdict::Deny(DenyReason::UnknownCode),
    }
}
