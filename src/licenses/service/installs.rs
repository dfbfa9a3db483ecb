//! Installations: facts found on devices (導入ソフトウェア台帳). Reality is always
//! recorded — beyond the seats or without permission it is recorded and reported,
//! never refused.

use super::device_by_tag;
use crate::audit::{self, Actor};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::licenses::model::{self, Installation, InstallationFilter, NewInstallation};
use crate::licenses::rules::{self, ReleaseReason};
use crate::register::model::Equipment;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallationInput {
    pub asset_tag: String,
    pub software_id: i64,
    pub version: String,
    /// The install permission this installation rests on, if any.
    pub install_request_id: Option<i64>,
    pub installed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InstallationView {
    pub id: i64,
    pub asset_tag: String,
    pub software_id: i64,
    pub version: String,
    pub install_request_id: Option<i64>,
    /// True when it rests on an approved install request (第14条).
    pub approved: bool,
    pub installed_on: Option<NaiveDate>,
    pub recorded_by: i64,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: NaiveDateTime,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub released_at: Option<NaiveDateTime>,
    /// `uninstalled`, `superseded` or `disposed`.
    pub release_reason: Option<String>,
}

impl InstallationView {
    fn of(i: Installation, asset_tag: String, approved: bool) -> InstallationView {
        InstallationView {
            id: i.id,
            asset_tag,
            software_id: i.software_id,
            version: i.version,
            install_request_id: i.install_request_id,
            approved,
            installed_on: i.installed_on,
            recorded_by: i.recorded_by,
            recorded_at: i.recorded_at,
            released_at: i.released_at,
            release_reason: i.release_reason,
        }
    }
}

/// What a recorded installation tells the manager.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub installation: InstallationView,
    /// `no_permission` (no approved request), `over_seats` (more installs than seats in force).
    pub findings: Vec<String>,
    /// The earlier installation of the same software on the device that this one replaces.
    pub superseded_id: Option<i64>,
}

/// Who may record what is found on devices at all; [`require_recorder_of`]
/// then narrows a security manager to their own department's and zones' devices.
const RECORDERS: &[Role] = &[Role::Operator, Role::SecurityManager];

/// Installs on a device are recorded by operators, or by the security managers
/// of the device's department or of the zone it stands in (as its record is kept).
fn require_recorder_of(
    conn: &mut DbConn,
    by: &Principal,
    device: &Equipment,
) -> Result<(), AppError> {
    if crate::register::service::may_change(conn, by, device.department_id, device.zone_id)? {
        return Ok(());
    }
    Err(AppError::forbidden(
        "forbidden",
        format!(
            "{} の導入記録を付けられるのは、運用管理者と、所管課・設置区域のセキュリティ管理者です。",
            device.asset_tag
        ),
    ))
}

/// Records software found on a device. A newer version of the same software on the
/// same device supersedes the earlier record (one device counts once).
pub fn record_installation(
    conn: &mut DbConn,
    by: &Principal,
    input: &InstallationInput,
) -> Result<Recorded, AppError> {
    by.require_any(RECORDERS)?;
    let device = device_by_tag(conn, "asset_tag", &input.asset_tag)?;
    require_recorder_of(conn, by, &device)?;
    let version =
        rules::clean_version(&input.version).map_err(|e| AppError::invalid("version", e))?;
    let Some(product) = model::find_software(conn, input.software_id)? else {
        return Err(AppError::invalid(
            "software_id",
            "登録されていないソフトウェアです。",
        ));
    };
    if device.status == "disposed" {
        return Err(AppError::conflict(
            "equipment_disposed",
            format!("{} は廃棄済の機器です。", device.asset_tag),
        ));
    }
    let mut approved = false;
    if let Some(request_id) = input.install_request_id {
        let request = model::find_request(conn, request_id)?.ok_or_else(|| {
            AppError::invalid("install_request_id", "指定された申請は存在しません。")
        })?;
        if request.equipment_id != device.id || request.software_id != input.software_id {
            return Err(AppError::invalid(
                "install_request_id",
                "申請の機器またはソフトウェアが一致しません。",
            ));
        }
        approved = request.state == "approved";
    }
    let recorded = db::write_tx(conn, |conn| {
        let now = db::now();
        let mut superseded_id = None;
        for earlier in model::active_installations(conn, device.id, Some(input.software_id))? {
            model::release_installation(
                conn,
                earlier.id,
                Some(by.id),
                now,
                ReleaseReason::Superseded.as_str(),
            )?;
            superseded_id = Some(earlier.id);
        }
        let row = model::insert_installation(
            conn,
            &NewInstallation {
                equipment_id: device.id,
                software_id: input.software_id,
                version: version.clone(),
                install_request_id: input.install_request_id,
                installed_on: input.installed_on,
                recorded_by: by.id,
                recorded_at: now,
            },
        )?;
        let mut findings = vec![];
        if !approved {
            findings.push("no_permission".to_owned());
        }
        if super::compliance_of(conn, product.clone(), super::today())?.over_by > 0 {
            findings.push("over_seats".to_owned());
        }
        let detail = json!({
            "asset_tag": device.asset_tag, "software_id": row.software_id, "version": row.version,
            "install_request_id": row.install_request_id, "superseded_id": superseded_id,
            "findings": findings,
        });
        audit::record(
            conn,
            &by.actor(),
            "installation.record",
            "installation",
            &row.id.to_string(),
            detail.clone(),
        )?;
        audit::record(
            conn,
            &by.actor(),
            "installation.record",
            "equipment",
            &device.asset_tag,
            detail,
        )?;
        Ok::<_, AppError>(Recorded {
            installation: InstallationView::of(row, device.asset_tag.clone(), approved),
            findings,
            superseded_id,
        })
    })?;
    Ok(recorded)
}

/// The software is no longer on the device.
pub fn uninstall(conn: &mut DbConn, by: &Principal, id: i64) -> Result<InstallationView, AppError> {
    by.require_any(RECORDERS)?;
    db::write_tx(conn, |conn| {
        let row = model::find_installation(conn, id)?
            .ok_or_else(|| AppError::not_found("指定された導入記録は存在しません。"))?;
        let device = crate::register::model::find_equipment(conn, row.equipment_id)?;
        require_recorder_of(conn, by, &device)?;
        if !model::release_installation(
            conn,
            id,
            Some(by.id),
            db::now(),
            ReleaseReason::Uninstalled.as_str(),
        )? {
            return Err(AppError::conflict(
                "wrong_state",
                "この導入記録は既に解除されています。",
            ));
        }
        let detail = json!({ "asset_tag": device.asset_tag, "software_id": row.software_id, "reason": "uninstalled" });
        audit::record(
            conn,
            &by.actor(),
            "installation.release",
            "installation",
            &id.to_string(),
            detail.clone(),
        )?;
        audit::record(
            conn,
            &by.actor(),
            "installation.release",
            "equipment",
            &device.asset_tag,
            detail,
        )?;
        let row = model::find_installation(conn, id)?
            .ok_or_else(|| AppError::internal("released installation vanished"))?;
        let approved = approved_request(conn, row.install_request_id)?;
        Ok(InstallationView::of(row, device.asset_tag, approved))
    })
}

fn approved_request(conn: &mut DbConn, id: Option<i64>) -> Result<bool, AppError> {
    Ok(match id {
        Some(id) => model::find_request(conn, id)?.is_some_and(|r| r.state == "approved"),
        None => false,
    })
}

/// Disposing a device releases its installations (第15条: release on disposal).
/// Call it inside the disposal's own `db::write_tx`; it writes one audit event
/// per released installation into that same transaction. Returns how many it released.
/// Compliance ignores installations on disposed devices anyway, so the count is
/// right even before this runs.
pub fn release_installations(
    conn: &mut DbConn,
    actor: &Actor,
    equipment_id: i64,
) -> diesel::QueryResult<usize> {
    let now = db::now();
    let device = crate::register::model::find_equipment(conn, equipment_id)?;
    let mut released = 0;
    for row in model::active_installations(conn, equipment_id, None)? {
        if model::release_installation(
            conn,
            row.id,
            actor.id,
            now,
            ReleaseReason::Disposed.as_str(),
        )? {
            released += 1;
            audit::record(
                conn,
                actor,
                "installation.release",
                "installation",
                &row.id.to_string(),
                json!({ "asset_tag": device.asset_tag, "software_id": row.software_id, "reason": "disposed" }),
            )?;
        }
    }
    Ok(released)
}

pub fn list_installations(
    conn: &mut DbConn,
    by: &Principal,
    software_id: Option<i64>,
    asset_tag: Option<&str>,
    include_released: bool,
    offset: i64,
    limit: i64,
) -> Result<(Vec<InstallationView>, i64), AppError> {
    by.require_any(super::READERS)?;
    let mut filter = InstallationFilter {
        software_id,
        equipment_id: None,
        include_released,
    };
    if let Some(tag) = asset_tag.filter(|t| !t.is_empty()) {
        match device_by_tag(conn, "asset_tag", tag) {
            Ok(d) => filter.equipment_id = Some(d.id),
            Err(_) => return Ok((vec![], 0)),
        }
    }
    let (lines, total) = model::list_installations(conn, &filter, offset, limit)?;
    Ok((
        lines
            .into_iter()
            .map(|l| {
                let approved = l.request_state.as_deref() == Some("approved");
                InstallationView::of(l.installation, l.asset_tag, approved)
            })
            .collect(),
        total,
    ))
}
