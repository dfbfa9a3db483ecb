//! Stocktaking use cases: open a campaign, record scans, close with the manager's sign-off,
//! and the report (kept as signed off: stored at close with its SHA-256 in the audit chain).

use super::model::{self, NewScan, NewStocktake, Stocktake};
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::model as identity_model;
use crate::identity::{Principal, Role};
use crate::register::model::{self as register_model, Equipment};
use crate::register::rules::{Status, normalize_tag, vocabulary};
use crate::register::service::{EquipmentView, views_of};
use crate::web::time::rfc3339;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

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

/// The longest input a scan accepts (a label URL with a long host name fits easily).
pub const MAX_CODE_LEN: usize = 500;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StocktakeView {
    pub id: i64,
    pub zone_id: i64,
    pub zone_code: String,
    pub zone_name: String,
    pub state: StocktakeState,
    pub opened_by: i64,
    pub opened_by_name: String,
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: NaiveDateTime,
    pub closed_by: Option<i64>,
    pub closed_by_name: Option<String>,
    #[serde(serialize_with = "crate::web::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<NaiveDateTime>,
    /// SHA-256 (hex) of the stored report, once closed; also in the `stocktake.close` audit event.
    pub report_hash: Option<String>,
    /// Devices expected (registered in the zone, not disposed): live while open, as at closing after.
    pub expected: i64,
    pub scanned: i64,
    pub confirmed: i64,
}

/// A device in a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ReportItem {
    pub asset_tag: String,
    pub name: String,
    pub status: Status,
    /// The zone it is registered in (for misplaced devices: the other zone).
    pub zone_id: Option<i64>,
    pub zone_name: Option<String>,
    pub location: String,
    /// When it was scanned (RFC 3339), for confirmed and misplaced devices.
    pub scanned_at: Option<String>,
    pub scanned_by: Option<String>,
}

/// A scanned tag that is not registered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct UnknownItem {
    pub asset_tag: String,
    /// What the scanner typed.
    pub code: String,
    pub scanned_at: String,
    pub scanned_by: String,
}

/// The stocktake report: what was expected, found, missing, found elsewhere and not registered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Report {
    pub stocktake_id: i64,
    pub zone_id: i64,
    pub zone_code: String,
    pub zone_name: String,
    pub state: StocktakeState,
    pub opened_at: String,
    pub opened_by: String,
    /// The manager's sign-off: who closed the campaign, and when.
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub closed_by_id: Option<i64>,
    /// How many devices the zone's register expects.
    pub expected: i64,
    pub scans: i64,
    pub confirmed: Vec<ReportItem>,
    pub missing: Vec<ReportItem>,
    pub misplaced: Vec<ReportItem>,
    pub unknown: Vec<UnknownItem>,
}

/// The answer to one scan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanOutcome {
    pub result: ScanResult,
    /// The tag the input normalised to.
    pub asset_tag: String,
    /// A sentence for the screen.
    pub message: String,
    pub equipment: Option<EquipmentView>,
    pub expected: i64,
    pub confirmed: i64,
    pub scanned: i64,
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
        state: StocktakeState::parse(&s.state).unwrap_or(StocktakeState::Closed),
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

/// Opens a campaign for a zone: one open campaign per zone.
pub fn open_stocktake(
    conn: &mut DbConn,
    by: &Principal,
    zone_id: i64,
) -> Result<StocktakeView, AppError> {
    db::write_tx(conn, |conn| {
        let zone = match register_model::find_zone(conn, zone_id) {
            Ok(z) => z,
            Err(diesel::result::Error::NotFound) => {
                return Err(AppError::invalid(
                    "zone_id",
                    "指定された管理区域がありません。",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        if !may_scan(conn, by, zone.id)? {
            return Err(forbidden("棚卸の開始"));
        }
        if !zone.active {
            return Err(AppError::invalid(
                "zone_id",
                "この管理区域は廃止されています。",
            ));
        }
        if let Some(open) = model::open_in_zone(conn, zone.id)? {
            return Err(AppError::conflict(
                "stocktake_open",
                format!(
                    "{}では棚卸（No.{}）が実施中です。締め切ってから新しく開始してください。",
                    zone.name, open.id
                ),
            ));
        }
        let created = model::insert_stocktake(
            conn,
            &NewStocktake {
                zone_id: zone.id,
                state: StocktakeState::Open.as_str(),
                opened_by: by.id,
                opened_at: db::now(),
            },
        )?;
        let expected = model::count_expected(conn, zone.id)?;
        audit::record(
            conn,
            &by.actor(),
            "stocktake.open",
            "stocktake",
            &created.id.to_string(),
            json!({ "zone_id": zone.id, "zone_code": zone.code, "expected": expected }),
        )?;
        view(conn, created)
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

fn verdict(
    stocktake: &Stocktake,
    tag: &str,
    duplicate: bool,
    device: Option<&Equipment>,
) -> (ScanResult, String) {
    match device {
        _ if duplicate => (
            ScanResult::Duplicate,
            format!("{tag} はこの棚卸で読取済です。"),
        ),
        None => (
            ScanResult::Unknown,
            format!("{tag} は台帳に登録されていません。"),
        ),
        Some(e) if e.status == Status::Disposed.as_str() => (
            ScanResult::Misplaced,
            format!("{tag}（{}）は廃棄済として登録されています。", e.name),
        ),
        Some(e) if e.zone_id == Some(stocktake.zone_id) => (
            ScanResult::Confirmed,
            format!("{tag}（{}）を確認しました。", e.name),
        ),
        Some(e) => (
            ScanResult::Misplaced,
            format!("{tag}（{}）は別の管理区域に登録されています。", e.name),
        ),
    }
}

/// Records one scan: what the scanner typed (a label URL or a tag), normalised.
pub fn scan(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    code: &str,
) -> Result<ScanOutcome, AppError> {
    if code.chars().count() > MAX_CODE_LEN {
        return Err(AppError::invalid(
            "code",
            format!("読み取った内容が長すぎます（{MAX_CODE_LEN}文字まで）。"),
        ));
    }
    let tag = normalize_tag(code).map_err(|e| AppError::invalid("code", e.message()))?;
    db::write_tx(conn, |conn| {
        let stocktake = find(conn, id)?;
        if !may_scan(conn, by, stocktake.zone_id)? {
            return Err(forbidden("棚卸の読み取り"));
        }
        if stocktake.state != StocktakeState::Open.as_str() {
            return Err(closed_conflict());
        }
        let duplicate = model::already_scanned(conn, id, &tag)?;
        let device = register_model::find_equipment_by_tag(conn, &tag)?;
        let (result, message) = verdict(&stocktake, &tag, duplicate, device.as_ref());
        model::insert_scan(
            conn,
            &NewScan {
                stocktake_id: id,
                code: code.trim(),
                asset_tag: &tag,
                equipment_id: device.as_ref().map(|e| e.id),
                result: result.as_str(),
                scanned_by: by.id,
                scanned_at: db::now(),
            },
        )?;
        audit::record(
            conn,
            &by.actor(),
            "stocktake.scan",
            "stocktake",
            &id.to_string(),
            json!({ "asset_tag": tag, "result": result.as_str(), "code": code.trim() }),
        )?;
        let (scanned, confirmed) = model::counts_of(conn, id)?;
        let expected = model::count_expected(conn, stocktake.zone_id)?;
        let equipment = match device {
            Some(e) => Some(views_of(conn, vec![e])?.remove(0)),
            None => None,
        };
        Ok(ScanOutcome {
            result,
            asset_tag: tag,
            message,
            equipment,
            expected,
            confirmed,
            scanned,
        })
    })
}

fn location_of(e: &Equipment) -> String {
    [&e.building, &e.floor, &e.room, &e.rack, &e.rack_unit]
        .iter()
        .filter_map(|p| p.as_deref())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The report as it stands now, from the register and the scans.
fn compute_report(
    conn: &mut DbConn,
    s: &Stocktake,
    closed: Option<(i64, NaiveDateTime)>,
) -> Result<Report, AppError> {
    let zone = register_model::find_zone(conn, s.zone_id)?;
    let scans = model::scans_of(conn, s.id)?;
    let expected = model::expected_in_zone(conn, s.zone_id)?;
    let scanned_ids: Vec<i64> = scans.iter().filter_map(|x| x.equipment_id).collect();
    let devices: HashMap<i64, Equipment> = model::equipment_by_ids(conn, &scanned_ids)?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut zone_ids: Vec<i64> = devices.values().filter_map(|e| e.zone_id).collect();
    zone_ids.sort_unstable();
    zone_ids.dedup();
    let mut zone_names = HashMap::new();
    for z in zone_ids {
        zone_names.insert(z, register_model::find_zone(conn, z)?.name);
    }
    let mut names: HashMap<i64, String> = HashMap::new();
    for uid in scans.iter().map(|x| x.scanned_by).chain([s.opened_by]) {
        if let std::collections::hash_map::Entry::Vacant(v) = names.entry(uid) {
            v.insert(user_name(conn, uid)?);
        }
    }
    let item = |e: &Equipment, scanned: Option<(&NaiveDateTime, &str)>| ReportItem {
        asset_tag: e.asset_tag.clone(),
        name: e.name.clone(),
        status: Status::parse(&e.status).unwrap_or(Status::InService),
        zone_id: e.zone_id,
        zone_name: e.zone_id.and_then(|z| {
            if z == s.zone_id {
                Some(zone.name.clone())
            } else {
                zone_names.get(&z).cloned()
            }
        }),
        location: location_of(e),
        scanned_at: scanned.map(|(t, _)| rfc3339(*t)),
        scanned_by: scanned.map(|(_, who)| who.to_owned()),
    };
    let (mut confirmed, mut misplaced, mut unknown) = (vec![], vec![], vec![]);
    let mut found: HashSet<i64> = HashSet::new();
    for x in &scans {
        let who = names.get(&x.scanned_by).map_or("", String::as_str);
        match (ScanResult::parse(&x.result), x.equipment_id) {
            (Some(ScanResult::Confirmed), Some(eid)) => {
                if let Some(e) = devices.get(&eid) {
                    found.insert(eid);
                    confirmed.push(item(e, Some((&x.scanned_at, who))));
                }
            }
            (Some(ScanResult::Misplaced), Some(eid)) => {
                if let Some(e) = devices.get(&eid) {
                    misplaced.push(item(e, Some((&x.scanned_at, who))));
                }
            }
            (Some(ScanResult::Unknown), _) => unknown.push(UnknownItem {
                asset_tag: x.asset_tag.clone(),
                code: x.code.clone(),
                scanned_at: rfc3339(x.scanned_at),
                scanned_by: who.to_owned(),
            }),
            _ => {}
        }
    }
    let missing = expected
        .iter()
        .filter(|e| !found.contains(&e.id))
        .map(|e| item(e, None))
        .collect();
    let (closed_at, closed_by, closed_by_id) = match closed {
        Some((uid, at)) => (Some(rfc3339(at)), Some(user_name(conn, uid)?), Some(uid)),
        None => (None, None, None),
    };
    Ok(Report {
        stocktake_id: s.id,
        zone_id: zone.id,
        zone_code: zone.code.clone(),
        zone_name: zone.name.clone(),
        state: if closed.is_some() {
            StocktakeState::Closed
        } else {
            StocktakeState::Open
        },
        opened_at: rfc3339(s.opened_at),
        opened_by: names.get(&s.opened_by).cloned().unwrap_or_default(),
        closed_at,
        closed_by,
        closed_by_id,
        expected: expected.len() as i64,
        scans: scans.len() as i64,
        confirmed,
        missing,
        misplaced,
        unknown,
    })
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Closes a campaign with the zone manager's sign-off; the report is stored as it is now.
pub fn close_stocktake(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
) -> Result<StocktakeView, AppError> {
    db::write_tx(conn, |conn| {
        let s = find(conn, id)?;
        if !may_close(conn, by, s.zone_id)? {
            return Err(AppError::forbidden(
                "forbidden",
                "棚卸を締め切る（確認する）のは、この管理区域のセキュリティ管理者です。",
            ));
        }
        if s.state != StocktakeState::Open.as_str() {
            return Err(closed_conflict());
        }
        let at = db::now();
        let report = compute_report(conn, &s, Some((by.id, at)))?;
        let text = serde_json::to_string(&report).map_err(AppError::internal)?;
        let hash = sha256_hex(&text);
        let closed = model::close_stocktake(conn, id, by.id, at, &text, &hash)?;
        audit::record(
            conn,
            &by.actor(),
            "stocktake.close",
            "stocktake",
            &id.to_string(),
            json!({
                "zone_id": s.zone_id,
                "report_sha256": hash,
                "expected": report.expected,
                "confirmed": report.confirmed.len(),
                "missing": report.missing.len(),
                "misplaced": report.misplaced.len(),
                "unknown": report.unknown.len(),
            }),
        )?;
        view(conn, closed)
    })
}

/// The report as JSON text: for a closed campaign exactly the text stored at closing.
pub fn report_text(conn: &mut DbConn, by: &Principal, id: i64) -> Result<String, AppError> {
    require_reader(by)?;
    let s = find(conn, id)?;
    match s.report_json {
        Some(text) => Ok(text),
        None => serde_json::to_string(&compute_report(conn, &s, None)?).map_err(AppError::internal),
    }
}

pub fn report(conn: &mut DbConn, by: &Principal, id: i64) -> Result<Report, AppError> {
    let text = report_text(conn, by, id)?;
    serde_json::from_str(&text).map_err(AppError::internal)
}
