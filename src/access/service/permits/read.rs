//! Permits as people see them: the view with names, one permit, the list.

use crate::access::model::{self, Permit, PermitFilter};
use crate::access::rules::{self, PermitState};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model as register;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    pub valid_from: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    pub valid_until: NaiveDateTime,
    pub escort_required: bool,
    pub escort_user_id: Option<i64>,
    pub escort_name: Option<String>,
    /// `requested`, `approved`, `rejected`, `revoked` or `expired`.
    pub state: String,
    pub requested_by: i64,
    pub requested_by_name: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub revoked_by: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
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

/// Who may read a permit's entry code (and print its badge). The code is the
/// holder's key to the door: the holder, the one who asked for it, the zone's
/// managers and admins hold it; auditors and guards see the permit without it.
pub(crate) struct CodeReaders {
    user_id: Option<i64>,
    admin: bool,
    managed_zones: Vec<i64>,
}

impl CodeReaders {
    pub(crate) fn of(conn: &mut DbConn, by: &Principal) -> Result<CodeReaders, AppError> {
        Ok(CodeReaders {
            user_id: Some(by.id),
            admin: by.has(Role::Admin),
            managed_zones: register::zones_managed_by(conn, by.id)?,
        })
    }

    /// Nobody: for views that never carry a code.
    pub(crate) fn nobody() -> CodeReaders {
        CodeReaders {
            user_id: None,
            admin: false,
            managed_zones: Vec::new(),
        }
    }

    fn may_read(&self, p: &Permit) -> bool {
        self.admin
            || self
                .user_id
                .is_some_and(|me| p.requested_by == me || p.holder_user_id == Some(me))
            || self.managed_zones.contains(&p.zone_id)
    }
}

/// Views of many permits, with names looked up in two queries; each carries
/// its code only where `readers` may read it.
pub(crate) fn views(
    conn: &mut DbConn,
    permits: Vec<Permit>,
    now: NaiveDateTime,
    readers: &CodeReaders,
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
    permits
        .into_iter()
        .map(|p| {
            let (zone_code, zone_name) = zones.get(&p.zone_id).cloned().unwrap_or_default();
            let (holder_name, organization) =
                holder_identity(&p, p.holder_user_id.and_then(|uid| users.get(&uid)));
            let stored = PermitState::stored(&p.state)?;
            let state = rules::effective_state(stored, p.valid_until, now);
            let (code, code_kid) = if readers.may_read(&p) {
                (p.code, p.code_kid)
            } else {
                (None, None)
            };
            Ok(PermitView {
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
                code,
                code_kid,
            })
        })
        .collect()
}

/// One permit as `by` may see it (its code only where `by` may read it).
pub(crate) fn view(
    conn: &mut DbConn,
    permit: Permit,
    by: &Principal,
) -> Result<PermitView, AppError> {
    let readers = CodeReaders::of(conn, by)?;
    Ok(views(conn, vec![permit], db::now(), &readers)?.remove(0))
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
    view(conn, permit, by)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PermitQuery {
    pub zone_id: Option<i64>,
    /// `requested`, `approved`, `rejected`, `revoked` or `expired`.
    pub state: Option<String>,
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
    let readers = CodeReaders::of(conn, by)?;
    Ok((views(conn, rows, now, &readers)?, total))
}

/// The entry code of an approved permit, for its QR and badge: 403 to anyone
/// who may see the permit but not hold its code.
pub fn permit_code(conn: &mut DbConn, by: &Principal, id: i64) -> Result<PermitView, AppError> {
    let permit = get_permit(conn, by, id)?;
    if permit.state != "approved" {
        return Err(AppError::conflict(
            "not_approved",
            "承認済みで有効な入室許可だけがQRコードと入室許可証を持ちます。",
        ));
    }
    if permit.code.is_none() {
        return Err(AppError::forbidden(
            "code_hidden",
            "入室コードを表示・印刷できるのは、入室する本人、申請者、区域の管理者、システム管理者です。",
        ));
    }
    Ok(permit)
}
