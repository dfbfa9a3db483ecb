//! 入室許可: request, approve / reject by a manager of the zone, revoke.

use super::super::model::{self, NewPermit, Permit, PermitFilter};
use super::super::rules::{self, HolderKind, PermitAction, PermitState};
use crate::audit;
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::rules::{clean_optional, clean_text};
use crate::identity::{Principal, Role};
use crate::register::model as register;
use crate::web::time::parse_instant;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitorInput {
    /// 氏名.
    pub name: String,
    /// 所属／会社名.
    pub organization: String,
    /// `contractor` (委託事業者, the default) or `visitor`.
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPermitInput {
    pub zone_id: i64,
    /// A staff member's permit; or give `visitor`.
    #[serde(default)]
    pub holder_user_id: Option<i64>,
    #[serde(default)]
    pub visitor: Option<VisitorInput>,
    pub purpose: String,
    /// RFC 3339, or a date (midnight in Tokyo).
    pub valid_from: String,
    pub valid_until: String,
    /// 付添要否; defaults to yes for visitors and contractors, no for staff.
    #[serde(default)]
    pub escort_required: Option<bool>,
    /// 付添職員.
    #[serde(default)]
    pub escort_user_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// A note (approval / rejection) or the reason for a revocation.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PermitView {
    pub id: i64,
    /// 許可番号 as printed: `P-000123`.
    pub number: String,
    pub zone_id: i64,
    pub zone_code: String,
    pub zone_name: String,
    /// `staff`, `contractor` or `visitor`.
    pub holder_kind: String,
    pub holder_user_id: Option<i64>,
    pub holder_name: String,
    pub organization: Option<String>,
    pub purpose: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    pub valid_from: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    pub valid_until: NaiveDateTime,
    pub escort_required: bool,
    pub escort_user_id: Option<i64>,
    pub escort_name: Option<String>,
    /// `requested`, `approved`, `rejected`, `revoked` or `expired`.
    pub state: String,
    pub requested_by: i64,
    pub requested_by_name: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "crate::web::time::serialize_utc_opt")]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub revoked_by: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "crate::web::time::serialize_utc_opt")]
    pub revoked_at: Option<NaiveDateTime>,
    pub revoke_reason: Option<String>,
    /// The signed code the badge's QR holds (approved permits only).
    pub code: Option<String>,
    pub code_kid: Option<String>,
}

pub fn permit_number(id: i64) -> String {
    format!("P-{id:06}")
}

/// Users' display names and department names, in one query.
fn user_infos(
    conn: &mut DbConn,
    ids: &[i64],
) -> Result<HashMap<i64, (String, Option<String>)>, AppError> {
    use crate::db::schema::{departments, users};
    use diesel::prelude::*;
    let rows: Vec<(i64, String, Option<String>)> = users::table
        .left_join(departments::table)
        .filter(users::id.eq_any(ids.to_vec()))
        .select((users::id, users::display_name, departments::name.nullable()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, n, d)| (id, (n, d))).collect())
}

/// One user's display name and department name.
pub(crate) fn user_info(
    conn: &mut DbConn,
    id: i64,
) -> Result<Option<(String, Option<String>)>, AppError> {
    use crate::db::schema::{departments, users};
    use diesel::prelude::*;
    Ok(crate::native!(conn, |c| users::table
        .left_join(departments::table)
        .filter(users::id.eq(id))
        .select((users::display_name, departments::name.nullable()))
        .get_result(c)
        .optional())?)
}

/// Who holds the permit, as a badge names them: a staff member's name and
/// department (`user`, when the permit is for one), or the visitor's own.
pub(crate) fn holder_identity(
    permit: &Permit,
    user: Option<&(String, Option<String>)>,
) -> (String, Option<String>) {
    match permit.holder_user_id {
        Some(_) => user.cloned().unwrap_or_default(),
        None => (
            permit.visitor_name.clone().unwrap_or_default(),
            permit.visitor_organization.clone(),
        ),
    }
}

/// Views of many permits, with names looked up in two queries.
pub(crate) fn views(
    conn: &mut DbConn,
    permits: Vec<Permit>,
    now: NaiveDateTime,
) -> Result<Vec<PermitView>, AppError> {
    let mut user_ids: Vec<i64> = Vec::new();
    for p in &permits {
        user_ids.extend(p.holder_user_id);
        user_ids.extend(p.escort_user_id);
        user_ids.push(p.requested_by);
        user_ids.extend(p.decided_by);
    }
    user_ids.sort_unstable();
    user_ids.dedup();
    let users = user_infos(conn, &user_ids)?;
    let mut zone_ids: Vec<i64> = permits.iter().map(|p| p.zone_id).collect();
    zone_ids.sort_unstable();
    zone_ids.dedup();
    let zones = model::zone_names(conn, &zone_ids)?;
    let name = |id: i64| users.get(&id).map(|u| u.0.clone()).unwrap_or_default();
    Ok(permits
        .into_iter()
        .map(|p| {
            let (zone_code, zone_name) = zones.get(&p.zone_id).cloned().unwrap_or_default();
            let (holder_name, organization) =
                holder_identity(&p, p.holder_user_id.and_then(|uid| users.get(&uid)));
            let stored = PermitState::parse(&p.state).unwrap_or(PermitState::Requested);
            let state = rules::effective_state(stored, p.valid_until, now);
            PermitView {
                id: p.id,
                number: permit_number(p.id),
                zone_id: p.zone_id,
                zone_code,
                zone_name,
                holder_kind: p.holder_kind,
                holder_user_id: p.holder_user_id,
                holder_name,
                organization,
                purpose: p.purpose,
                valid_from: p.valid_from,
                valid_until: p.valid_until,
                escort_required: p.escort_required,
                escort_user_id: p.escort_user_id,
                escort_name: p.escort_user_id.map(name),
                state: state.as_str().to_owned(),
                requested_by: p.requested_by,
                requested_by_name: name(p.requested_by),
                requested_at: p.requested_at,
                decided_by: p.decided_by,
                decided_by_name: p.decided_by.map(name),
                decided_at: p.decided_at,
                decision_note: p.decision_note,
                revoked_by: p.revoked_by,
                revoked_at: p.revoked_at,
                revoke_reason: p.revoke_reason,
                code: p.code,
                code_kid: p.code_kid,
            }
        })
        .collect())
}

pub(crate) fn view(conn: &mut DbConn, permit: Permit) -> Result<PermitView, AppError> {
    Ok(views(conn, vec![permit], db::now())?.remove(0))
}

fn active_user(conn: &mut DbConn, id: i64) -> Result<bool, AppError> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    Ok(users::table
        .find(id)
        .select(users::active)
        .get_result::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

/// A permit request (入室許可申請). Staff ask for themselves or on a
/// visitor's or contractor's behalf; asking for another staff member is for
/// security managers and admins. Auditors change nothing.
pub fn create_permit(
    conn: &mut DbConn,
    by: &Principal,
    input: &NewPermitInput,
) -> Result<PermitView, AppError> {
    if by.roles.iter().all(|r| *r == Role::Auditor) {
        return Err(AppError::forbidden(
            "forbidden",
            "監査担当は申請できません（閲覧のみ）。",
        ));
    }
    let now = db::now();
    let mut errors = BTreeMap::new();
    let mut put = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_insert(message);
    };
    let (kind, visitor_name, visitor_org) = match (&input.holder_user_id, &input.visitor) {
        (Some(_), Some(_)) | (None, None) => {
            put(
                "holder_user_id",
                "入室者として職員（holder_user_id）か来訪者（visitor）のどちらか一方を指定してください。"
                    .into(),
            );
            (HolderKind::Staff, None, None)
        }
        (Some(uid), None) => {
            if !active_user(conn, *uid)? {
                put("holder_user_id", "指定された職員が見つかりません。".into());
            } else if *uid != by.id && !by.has_any(&[Role::Admin, Role::SecurityManager]) {
                return Err(AppError::forbidden(
                    "forbidden",
                    "他の職員の入室許可を申請できるのは、セキュリティ管理者とシステム管理者です。",
                ));
            }
            (HolderKind::Staff, None, None)
        }
        (None, Some(v)) => {
            let kind = match v.kind.as_deref() {
                None | Some("contractor") => HolderKind::Contractor,
                Some("visitor") => HolderKind::Visitor,
                Some(_) => {
                    put(
                        "visitor.kind",
                        "contractor（委託事業者）か visitor（来訪者）を指定してください。".into(),
                    );
                    HolderKind::Contractor
                }
            };
            let name = clean_text(&v.name, 100)
                .map_err(|e| put("visitor.name", e))
                .ok();
            let org = clean_text(&v.organization, 100)
                .map_err(|e| put("visitor.organization", e))
                .ok();
            (kind, name, org)
        }
    };
    let purpose = clean_text(&input.purpose, 500)
        .map_err(|e| put("purpose", e))
        .ok();
    let from = parse_instant(&input.valid_from);
    let until = parse_instant(&input.valid_until);
    if from.is_none() {
        put(
            "valid_from",
            "日時（2026-11-25T09:00:00+09:00）か日付（2026-11-25）で指定してください。".into(),
        );
    }
    if until.is_none() {
        put(
            "valid_until",
            "日時（2026-11-25T18:00:00+09:00）か日付（2026-11-25）で指定してください。".into(),
        );
    }
    if let (Some(f), Some(u)) = (from, until)
        && let Err((field, message)) = rules::check_window(f, u, now)
    {
        put(field, message);
    }
    match register::find_zone(conn, input.zone_id) {
        Ok(zone) if zone.active => {}
        Ok(_) => put("zone_id", "この区域は使用されていません。".into()),
        Err(diesel::result::Error::NotFound) => {
            put("zone_id", "指定された区域が見つかりません。".into())
        }
        Err(e) => return Err(e.into()),
    }
    if let Some(escort) = input.escort_user_id {
        if !active_user(conn, escort)? {
            put(
                "escort_user_id",
                "指定された付添職員が見つかりません。".into(),
            );
        } else if Some(escort) == input.holder_user_id {
            put(
                "escort_user_id",
                "入室者本人を付添職員にはできません。".into(),
            );
        }
    }
    if let Some(err) = AppError::invalid_fields(errors) {
        return Err(err);
    }
    let escort_required = input.escort_required.unwrap_or(kind != HolderKind::Staff);
    let purpose = purpose.unwrap_or_default();
    let (from, until) = (from.unwrap_or(now), until.unwrap_or(now));
    db::write_tx(conn, |conn| {
        let permit = model::insert_permit(
            conn,
            &NewPermit {
                zone_id: input.zone_id,
                holder_user_id: input.holder_user_id,
                visitor_name: visitor_name.as_deref(),
                visitor_organization: visitor_org.as_deref(),
                holder_kind: kind.as_str(),
                purpose: &purpose,
                valid_from: from,
                valid_until: until,
                escort_required,
                escort_user_id: input.escort_user_id,
                state: PermitState::Requested.as_str(),
                requested_by: by.id,
                requested_at: now,
            },
        )?;
        audit::record(
            conn,
            &by.actor(),
            "permit.request",
            "permit",
            &permit.id.to_string(),
            json!({
                "zone_id": permit.zone_id, "holder_kind": permit.holder_kind,
                "holder_user_id": permit.holder_user_id, "visitor_name": permit.visitor_name,
                "visitor_organization": permit.visitor_organization, "purpose": permit.purpose,
                "valid_from": crate::web::time::rfc3339(permit.valid_from),
                "valid_until": crate::web::time::rfc3339(permit.valid_until),
                "escort_required": permit.escort_required, "escort_user_id": permit.escort_user_id,
            }),
        )?;
        view(conn, permit)
    })
}

/// The one who asked, or the one who would enter, never decides (第5条).
fn check_decider(conn: &mut DbConn, by: &Principal, permit: &Permit) -> Result<(), AppError> {
    if permit.requested_by == by.id || permit.holder_user_id == Some(by.id) {
        return Err(AppError::forbidden(
            "self_approval",
            "自分の申請、または自分が入室する申請は承認・却下できません。",
        ));
    }
    if !register::is_zone_manager(conn, permit.zone_id, by.id)? {
        return Err(AppError::forbidden(
            "not_zone_manager",
            "この区域を管理するセキュリティ管理者だけが入室を許可できます（第5条）。",
        ));
    }
    Ok(())
}

fn state_conflict(permit: &Permit, action: PermitAction, now: NaiveDateTime) -> AppError {
    let stored = PermitState::parse(&permit.state).unwrap_or(PermitState::Requested);
    let shown = rules::effective_state(stored, permit.valid_until, now);
    let verb = match action {
        PermitAction::Approve => "承認",
        PermitAction::Reject => "却下",
        PermitAction::Revoke => "取消",
    };
    AppError::conflict(
        "invalid_state",
        format!("状態が「{}」の入室許可は{verb}できません。", shown.label()),
    )
}

/// Approve: a manager of the permit's zone, never the requester. The approved
/// permit gets its signed code.
pub fn approve(
    conn: &mut DbConn,
    settings: &Settings,
    by: &Principal,
    id: i64,
    decision: &Decision,
) -> Result<PermitView, AppError> {
    let keys = super::keys(settings)?;
    decide(
        conn,
        by,
        id,
        decision,
        PermitAction::Approve,
        |permit, now| {
            keys.sign(
                permit.id,
                permit.zone_id,
                permit.valid_from,
                permit.valid_until,
                now,
            )
            .map(Some)
            .map_err(AppError::internal)
        },
    )
}

pub fn reject(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    decision: &Decision,
) -> Result<PermitView, AppError> {
    decide(conn, by, id, decision, PermitAction::Reject, |_, _| {
        Ok(None)
    })
}

fn decide(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    decision: &Decision,
    action: PermitAction,
    code: impl FnOnce(&Permit, NaiveDateTime) -> Result<Option<(String, String)>, AppError>,
) -> Result<PermitView, AppError> {
    let note =
        clean_optional(decision.note.as_deref(), 500).map_err(|e| AppError::invalid("note", e))?;
    db::write_tx(conn, |conn| {
        let permit = model::find_permit(conn, id)?;
        check_decider(conn, by, &permit)?;
        let now = db::now();
        let stored = PermitState::parse(&permit.state).unwrap_or(PermitState::Requested);
        let Some(next) = rules::transition(stored, action) else {
            return Err(state_conflict(&permit, action, now));
        };
        if action == PermitAction::Approve && now > permit.valid_until {
            return Err(AppError::conflict(
                "invalid_state",
                "許可期間が既に終了しているため承認できません。",
            ));
        }
        let code = code(&permit, now)?;
        let changed = model::decide_permit(
            conn,
            id,
            next.as_str(),
            by.id,
            now,
            note.as_deref(),
            code.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
        )?;
        if changed != 1 {
            return Err(state_conflict(&permit, action, now));
        }
        audit::record(
            conn,
            &by.actor(),
            &format!("permit.{}", action.as_str()),
            "permit",
            &id.to_string(),
            json!({ "from": permit.state, "to": next.as_str(), "note": note,
                    "code_kid": code.as_ref().map(|c| &c.1) }),
        )?;
        let permit = model::find_permit(conn, id)?;
        view(conn, permit)
    })
}

/// Revoke an approved permit: a manager of the zone, or an admin.
pub fn revoke(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    decision: &Decision,
) -> Result<PermitView, AppError> {
    let reason =
        clean_optional(decision.note.as_deref(), 500).map_err(|e| AppError::invalid("note", e))?;
    db::write_tx(conn, |conn| {
        let permit = model::find_permit(conn, id)?;
        if !by.has(Role::Admin) && !register::is_zone_manager(conn, permit.zone_id, by.id)? {
            return Err(AppError::forbidden(
                "not_zone_manager",
                "入室許可を取り消せるのは、区域の管理者とシステム管理者です。",
            ));
        }
        let now = db::now();
        let stored = PermitState::parse(&permit.state).unwrap_or(PermitState::Requested);
        let shown = rules::effective_state(stored, permit.valid_until, now);
        if rules::transition(shown, PermitAction::Revoke).is_none()
            || model::revoke_permit(conn, id, by.id, now, reason.as_deref())? != 1
        {
            return Err(state_conflict(&permit, PermitAction::Revoke, now));
        }
        audit::record(
            conn,
            &by.actor(),
            "permit.revoke",
            "permit",
            &id.to_string(),
            json!({ "from": permit.state, "to": "revoked", "reason": reason }),
        )?;
        let permit = model::find_permit(conn, id)?;
        view(conn, permit)
    })
}

/// Who may see a permit: admins, auditors and guards all; others the permits
/// they asked for, hold, or whose zone they manage.
fn can_see(conn: &mut DbConn, by: &Principal, permit: &Permit) -> Result<bool, AppError> {
    Ok(by.has_any(&[Role::Admin, Role::Auditor, Role::Guard])
        || permit.requested_by == by.id
        || permit.holder_user_id == Some(by.id)
        || register::is_zone_manager(conn, permit.zone_id, by.id)?)
}

pub fn get_permit(conn: &mut DbConn, by: &Principal, id: i64) -> Result<PermitView, AppError> {
    let permit = model::find_permit(conn, id)?;
    if !can_see(conn, by, &permit)? {
        return Err(AppError::not_found("指定された入室許可が見つかりません。"));
    }
    view(conn, permit)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PermitQuery {
    pub zone_id: Option<i64>,
    /// `requested`, `approved`, `rejected`, `revoked` or `expired`.
    pub state: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub fn list_permits(
    conn: &mut DbConn,
    by: &Principal,
    query: &PermitQuery,
    offset: i64,
    limit: i64,
) -> Result<(Vec<PermitView>, i64), AppError> {
    let now = db::now();
    let mut filter = PermitFilter {
        zone_id: query.zone_id,
        ..Default::default()
    };
    match query.state.as_deref().map(PermitState::parse) {
        None => {}
        Some(None) => {
            return Err(AppError::invalid(
                "state",
                "requested, approved, rejected, revoked, expired のいずれかです。",
            ));
        }
        Some(Some(PermitState::Expired)) => {
            filter.state = Some("approved".into());
            filter.expired_at = Some((now, true));
        }
        Some(Some(PermitState::Approved)) => {
            filter.state = Some("approved".into());
            filter.expired_at = Some((now, false));
        }
        Some(Some(state)) => filter.state = Some(state.as_str().into()),
    }
    if !by.has_any(&[Role::Admin, Role::Auditor, Role::Guard]) {
        filter.visible_to = Some((by.id, register::zones_managed_by(conn, by.id)?));
    }
    let (rows, total) = model::list_permits(conn, &filter, offset, limit)?;
    Ok((views(conn, rows, now)?, total))
}

/// Retires the current permit key and starts a new one (admins). Codes signed
/// with the old key keep verifying until they expire.
pub fn rotate_keys(
    conn: &mut DbConn,
    settings: &Settings,
    by: &Principal,
) -> Result<super::super::codes::JwkSet, AppError> {
    by.require_any(&[Role::Admin])?;
    let old = super::keys(settings)?.current_kid().to_owned();
    db::write_tx(conn, |conn| {
        let keys = super::super::codes::PermitKeys::rotate(&settings.data_dir)
            .map_err(AppError::internal)?;
        audit::record(
            conn,
            &by.actor(),
            "permit.key_rotate",
            "permit_key",
            keys.current_kid(),
            json!({ "retired_kid": old, "kid": keys.current_kid() }),
        )?;
        Ok(keys.jwks())
    })
}
