//! Recording one scan and its verdict.

use super::{ScanResult, StocktakeState, closed_conflict, find, forbidden, may_scan};
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::register::model::{self as register_model, Equipment};
use crate::register::rules::{Status, normalize_tag};
use crate::register::service::{EquipmentView, views_of};
use crate::register::stocktake::model::{self, NewScan, Stocktake};
use serde::Serialize;
use serde_json::json;

/// The longest input a scan accepts (a label URL with a long host name fits easily).
pub const MAX_CODE_LEN: usize = 500;

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
