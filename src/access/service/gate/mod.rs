//! The gate: whether a code lets its holder into a zone (`check`, which
//! changes nothing), and recording entries and exits (`record`).

mod record;

pub use record::{
    CarryOutResult, EntryInput, ExitInput, ExitOutcome, GateOutcome, record_entry, record_exit,
};

use crate::access::codes::{CodeError, PermitKeys};
use crate::access::model::{self, Permit};
use crate::access::rules::{self, DenyReason, GateFacts, HolderKind, PermitState, Verdict};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model as register;
use chrono::NaiveDateTime;
use serde::Serialize;

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

pub(super) struct Resolved {
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
        Some(id) => crate::access::service::permits::user_info(conn, id)?,
        None => None,
    };
    let (name, organization) = crate::access::service::permits::holder_identity(p, user.as_ref());
    let escort_name = match p.escort_user_id {
        Some(id) => crate::access::service::permits::user_info(conn, id)?.map(|(name, _)| name),
        None => None,
    };
    let kind = HolderKind::parse(&p.holder_kind).unwrap_or(HolderKind::Visitor);
    Ok(HolderView {
        permit_id: p.id,
        permit_number: crate::access::service::permits::permit_number(p.id),
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
pub(super) fn resolve(
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

pub(super) fn answer(resolved: &Resolved, verdict: Verdict) -> GateCheck {
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
    let keys = super::keys(settings)?;
    let resolved = resolve(conn, &keys, code, zone_id, db::now())?;
    // A guard at the door of the permit's own zone needs no zone lookup: the
    // permit's foreign key proves the zone exists (the common case, and the
    // gate's hot path). Anyone else, or another zone, is checked in full.
    let own_zone = resolved
        .permit
        .as_ref()
        .is_some_and(|p| p.zone_id == zone_id);
    if !(own_zone && by.has(Role::Guard)) {
        require_gate(conn, by, zone_id)?;
    }
    let verdict = match (resolved.code_fault, &resolved.facts) {
        (Some(r), _) => Verdict::Deny(r),
        (None, Some(f)) => rules::entry_verdict(f, None),
        (None, None) => Verdict::Deny(DenyReason::UnknownCode),
    };
    Ok(answer(&resolved, verdict))
}
