//! Stocktaking use cases: the campaign's vocabulary and view, who may do what, and reading
//! campaigns. Opening and closing, recording scans, and the report each live in their own file.

mod campaign;
mod report;
mod scan;

pub use campaign::*;
pub use report::*;
pub use scan::*;

use super::model::{self, Stocktake};
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::model as identity_model;
use crate::identity::{Principal, Role};
use crate::kit::vocabulary::vocabulary;
use crate::register::model::{self as register_model};
use chrono::NaiveDateTime;
use serde::Serialize;

vocabulary!(
    /// What a scan was found to be.
    ScanResult {
        Confirmed = "confirmed" / "確認",
        Misplaced = "misplaced" / "区域違い",
        Unknown = "unknown" / "未登録",
        Duplicate = "duplicate" / "読取済",
    }
);

vocabulary!(
    /// A campaign's state.
    StocktakeState {
        Open = "open" / "実施中",
        Closed = "closed" / "締切済",
    }
);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StocktakeView {
    pub id: i64,
    pub zone_id: i64,
    pub zone_code: String,
    pub zone_name: String,
    pub state: StocktakeState,
    pub opened_by: i64,
    pub opened_by_name: String,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: NaiveDateTime,
    pub closed_by: Option<i64>,
    pub closed_by_name: Option<String>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<NaiveDateTime>,
    /// SHA-256 (hex) of the stored report, once closed; also in the `stocktake.close` audit event.
    pub report_hash: Option<String>,
    /// Devices expected (registered in the zone, not disposed): live while open, as at closing after.
    pub expected: i64,
    pub scanned: i64,
    pub confirmed: i64,
}

fn forbidden(what: &str) -> AppError {
    AppError::forbidden(
        "forbidden",
        format!("{what}は、運用管理者とこの管理区域のセキュリティ管理者が行えます。"),
    )
}

fn closed_conflict() -> AppError {
    AppError::conflict(
        "stocktake_closed",
        "この棚卸は締め切られています。締切後は変更できません。",
    )
}

/// Operators, and the security managers of the zone.
pub fn may_scan(conn: &mut DbConn, by: &Principal, zone_id: i64) -> Result<bool, AppError> {
    if by.has(Role::Operator) {
        return Ok(true);
    }
    Ok(by.has(Role::SecurityManager) && register_model::is_zone_manager(conn, zone_id, by.id)?)
}

/// The active zones the person may scan in (and so open a campaign for), `(id, "code name")`.
pub fn scannable_zones(conn: &mut DbConn, by: &Principal) -> Result<Vec<(i64, String)>, AppError> {
    let mut zones = vec![];
    for z in register_model::list_zones(conn)?
        .into_iter()
        .filter(|z| z.active)
    {
        if may_scan(conn, by, z.id)? {
            zones.push((z.id, format!("{} {}", z.code, z.name)));
        }
    }
    Ok(zones)
}

/// A security manager of the zone: the one who signs the campaign off.
pub fn may_close(conn: &mut DbConn, by: &Principal, zone_id: i64) -> Result<bool, AppError> {
    Ok(by.has(Role::SecurityManager) && register_model::is_zone_manager(conn, zone_id, by.id)?)
}

fn require_reader(by: &Principal) -> Result<(), AppError> {
    by.require_any(&[
        Role::Admin,
        Role::SecurityManager,
        Role::Operator,
        Role::Auditor,
    ])
}

fn user_name(conn: &mut DbConn, id: i64) -> Result<String, AppError> {
    Ok(identity_model::find_user(conn, id)?.display_name)
}

fn find(conn: &mut DbConn, id: i64) -> Result<Stocktake, AppError> {
    model::find_stocktake(conn, id).map_err(|e| match e {
        diesel::result::Error::NotFound => AppError::not_found("指定された棚卸はありません。"),
        other => other.into(),
    })
}

fn view(conn: &mut DbConn, s: Stocktake) -> Result<StocktakeView, AppError> {
    let zone = register_model::find_zone(conn, s.zone_id)?;
    let (scanned, confirmed) = model::counts_of(conn, s.id)?;
    let expected = match s.report_json.as_deref() {
        Some(text) => serde_json::from_str::<Report>(text)
            .map(|r| r.expected)
            .map_err(AppError::internal)?,
        None => model::count_expected(conn, s.zone_id)?,
    };
    let opened_by_name = user_name(conn, s.opened_by)?;
    let closed_by_name = match s.closed_by {
        Some(id) => Some(user_name(conn, id)?),
        None => None,
    };
    Ok(StocktakeView {
        id: s.id,
        zone_id: s.zone_id,
        zone_code: zone.code,
        zone_name: zone.name,
        state: StocktakeState::stored(&s.state)?,
        opened_by: s.opened_by,
        opened_by_name,
        opened_at: s.opened_at,
        closed_by: s.closed_by,
        closed_by_name,
        closed_at: s.closed_at,
        report_hash: s.report_hash,
        expected,
        scanned,
        confirmed,
    })
}

pub fn get_stocktake(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
) -> Result<StocktakeView, AppError> {
    require_reader(by)?;
    let s = find(conn, id)?;
    view(conn, s)
}

pub fn list_stocktakes(
    conn: &mut DbConn,
    by: &Principal,
    offset: i64,
    limit: i64,
) -> Result<(Vec<StocktakeView>, i64), AppError> {
    require_reader(by)?;
    let (rows, total) = model::list_stocktakes(conn, offset, limit)?;
    let views = rows
        .into_iter()
        .map(|s| view(conn, s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((views, total))
}

/// The open campaign of a zone, if the principal may scan in it.
pub fn open_for_scanning(
    conn: &mut DbConn,
    by: &Principal,
    zone_id: i64,
) -> Result<Option<StocktakeView>, AppError> {
    match model::open_in_zone(conn, zone_id)? {
        Some(s) if may_scan(conn, by, zone_id)? => Ok(Some(view(conn, s)?)),
        _ => Ok(None),
    }
}

/// Whether `tag` has been scanned in campaign `id` already (the device card
/// then says so instead of offering the scan again).
pub fn already_scanned(conn: &mut DbConn, id: i64, tag: &str) -> Result<bool, AppError> {
    Ok(model::already_scanned(conn, id, tag)?)
}
