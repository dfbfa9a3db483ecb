//! 入室許可: request (here), approve / reject / revoke (`decide`), and
//! reading them back (`read`).

mod decide;
mod read;

pub use decide::{PermitChoices, act, permit_choices, rotate_keys};
use read::view;
pub(crate) use read::{CodeReaders, holder_identity, user_info, views};
pub use read::{PermitQuery, PermitView, get_permit, list_permits, permit_code, permit_number};

use crate::access::model::{self, NewPermit};
use crate::access::rules::{self, HolderKind, PermitState};
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::kit::text::{clean_name, clean_text};
use crate::kit::time::parse_instant;
use crate::register::model as register;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

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
            let name = clean_name(&v.name, 100)
                .map_err(|e| put("visitor.name", e))
                .ok();
            let org = clean_name(&v.organization, 100)
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
        put("valid_from", crate::kit::time::instant_format_message(now));
    }
    if until.is_none() {
        put("valid_until", crate::kit::time::instant_format_message(now));
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
                "valid_from": crate::kit::time::rfc3339(permit.valid_from),
                "valid_until": crate::kit::time::rfc3339(permit.valid_until),
                "escort_required": permit.escort_required, "escort_user_id": permit.escort_user_id,
            }),
        )?;
        view(conn, permit, by)
    })
}
