//! Opening a campaign and closing it with the zone manager's sign-off.

use super::{
    StocktakeState, StocktakeView, closed_conflict, compute_report, find, forbidden, may_close,
    may_scan, sha256_hex, view,
};
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::register::model::{self as register_model};
use crate::register::stocktake::model::{self, NewStocktake};
use serde_json::json;

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
