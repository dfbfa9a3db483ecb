//! Install and setting-change permissions (第14条): request, then a manager's decision.

use super::{Faults, device_by_tag, may_permit_install};
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::kit::text::{clean_optional, clean_text};
use crate::licenses::model::{self, InstallRequest, NewInstallRequest, RequestFilter};
use crate::licenses::rules::{self, InstallChange, RequestState};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallRequestInput {
    pub asset_tag: String,
    pub software_id: i64,
    pub version: String,
    /// `new`, `upgrade` (version-ups need permission too) or `setting`.
    pub change: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InstallRequestView {
    pub id: i64,
    pub asset_tag: String,
    pub software_id: i64,
    pub version: String,
    pub change: String,
    pub reason: String,
    /// `requested`, `approved` or `rejected`.
    pub state: String,
    pub requested_by: i64,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
}

impl InstallRequestView {
    pub fn of(r: InstallRequest, asset_tag: String) -> InstallRequestView {
        InstallRequestView {
            id: r.id,
            asset_tag,
            software_id: r.software_id,
            version: r.version,
            change: r.change_kind,
            reason: r.reason,
            state: r.state,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_note: r.decision_note,
        }
    }
}

/// Roles that may ask for an install (auditors and guards change nothing here).
const REQUESTERS: &[Role] = &[
    Role::Staff,
    Role::Operator,
    Role::SecurityManager,
    Role::Admin,
];

pub fn create_request(
    conn: &mut DbConn,
    by: &Principal,
    input: &InstallRequestInput,
) -> Result<InstallRequestView, AppError> {
    by.require_any(REQUESTERS)?;
    let mut faults = Faults::new();
    let device = match device_by_tag(conn, "asset_tag", &input.asset_tag) {
        Ok(d) => Some(d),
        Err(e) => {
            faults.extend(e.fields.unwrap_or_default());
            None
        }
    };
    if device.as_ref().is_some_and(|d| d.status == "disposed") {
        faults.insert("asset_tag".into(), "廃棄済の機器です。".into());
    }
    let version = rules::clean_version(&input.version)
        .map_err(|e| faults.insert("version".into(), e))
        .ok();
    let change = InstallChange::parse(&input.change);
    if change.is_none() {
        faults.insert(
            "change".into(),
            "new, upgrade, setting のいずれかを指定してください。".into(),
        );
    }
    let reason = clean_text(&input.reason, 2000)
        .map_err(|e| faults.insert("reason".into(), e))
        .ok();
    if model::find_software(conn, input.software_id)?.is_none() {
        faults.insert(
            "software_id".into(),
            "登録されていないソフトウェアです。".into(),
        );
    }
    if let Some(err) = AppError::invalid_fields(faults) {
        return Err(err);
    }
    let (Some(device), Some(version), Some(change), Some(reason)) =
        (device, version, change, reason)
    else {
        return Err(AppError::internal("validated input is missing"));
    };
    db::write_tx(conn, |conn| {
        let row = model::insert_request(
            conn,
            &NewInstallRequest {
                equipment_id: device.id,
                software_id: input.software_id,
                version,
                change_kind: change.as_str().to_owned(),
                reason,
                state: RequestState::Requested.as_str().to_owned(),
                requested_by: by.id,
                requested_at: db::now(),
            },
        )?;
        audit::record(
            conn,
            &by.actor(),
            "install_request.create",
            "install_request",
            &row.id.to_string(),
            json!({
                "asset_tag": device.asset_tag, "software_id": row.software_id,
                "version": row.version, "change": row.change_kind, "reason": row.reason,
            }),
        )?;
        Ok(InstallRequestView::of(row, device.asset_tag.clone()))
    })
}

/// Approves (`approve = true`) or rejects a request: a security manager of the
/// device's department or zone, never the requester, and only while `requested`.
pub fn decide_request(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    approve: bool,
    note: Option<&str>,
) -> Result<InstallRequestView, AppError> {
    let note = clean_optional(note, 2000).map_err(|e| AppError::invalid("note", e))?;
    db::write_tx(conn, |conn| {
        let request = model::find_request(conn, id)?
            .ok_or_else(|| AppError::not_found("指定された申請は存在しません。"))?;
        let device = crate::register::model::find_equipment(conn, request.equipment_id)?;
        if request.requested_by == by.id {
            return Err(AppError::forbidden(
                "self_approval",
                "自分の申請を許可・却下することはできません。",
            ));
        }
        if !may_permit_install(conn, by, &device)? {
            return Err(AppError::forbidden(
                "not_manager",
                "この機器の所属課またはその管理区域のセキュリティ管理者のみが判断できます。",
            ));
        }
        let state = RequestState::stored(&request.state)?;
        let target = if approve {
            RequestState::Approved
        } else {
            RequestState::Rejected
        };
        if !rules::can_decide(state)
            || !model::decide_request(conn, id, target.as_str(), by.id, db::now(), note.as_deref())?
        {
            return Err(AppError::conflict(
                "wrong_state",
                format!("この申請は既に「{}」です。", state.label()),
            ));
        }
        audit::record(
            conn,
            &by.actor(),
            if approve {
                "install_request.approve"
            } else {
                "install_request.reject"
            },
            "install_request",
            &id.to_string(),
            json!({ "asset_tag": device.asset_tag, "note": note }),
        )?;
        let updated = model::find_request(conn, id)?
            .ok_or_else(|| AppError::internal("decided request vanished"))?;
        Ok(InstallRequestView::of(updated, device.asset_tag.clone()))
    })
}

pub fn get_request(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
) -> Result<InstallRequestView, AppError> {
    let request = model::find_request(conn, id)?
        .ok_or_else(|| AppError::not_found("指定された申請は存在しません。"))?;
    if request.requested_by != by.id {
        by.require_any(super::READERS)?;
    }
    let device = crate::register::model::find_equipment(conn, request.equipment_id)?;
    Ok(InstallRequestView::of(request, device.asset_tag))
}

/// Requests, newest first. Readers see all; anyone else sees their own.
pub fn list_requests(
    conn: &mut DbConn,
    by: &Principal,
    state: Option<&str>,
    asset_tag: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<InstallRequestView>, i64), AppError> {
    let mut filter = RequestFilter::default();
    if let Some(s) = state.filter(|s| !s.is_empty()) {
        let s = RequestState::parse(s).ok_or_else(|| {
            AppError::invalid("state", "requested, approved, rejected のいずれかです。")
        })?;
        filter.state = Some(s.as_str().to_owned());
    }
    if let Some(tag) = asset_tag.filter(|t| !t.is_empty()) {
        match device_by_tag(conn, "asset_tag", tag) {
            Ok(d) => filter.equipment_id = Some(d.id),
            Err(_) => return Ok((vec![], 0)),
        }
    }
    if !by.has_any(super::READERS) {
        filter.requested_by = Some(by.id);
    }
    let (rows, total) = model::list_requests(conn, &filter, offset, limit)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.equipment_id).collect();
    let tags = model::asset_tags(conn, &ids)?;
    Ok((
        rows.into_iter()
            .map(|r| {
                let tag = tags.get(&r.equipment_id).cloned().unwrap_or_default();
                InstallRequestView::of(r, tag)
            })
            .collect(),
        total,
    ))
}
