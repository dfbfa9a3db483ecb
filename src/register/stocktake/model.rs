//! Stocktake rows and queries.

use crate::db::DbConn;
use crate::db::schema::{equipment, stocktake_scans, stocktakes};
use crate::register::model::Equipment;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = stocktakes)]
pub struct Stocktake {
    pub id: i64,
    pub zone_id: i64,
    pub state: String,
    pub opened_by: i64,
    pub opened_at: NaiveDateTime,
    pub closed_by: Option<i64>,
    pub closed_at: Option<NaiveDateTime>,
    pub report_json: Option<String>,
    pub report_hash: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = stocktakes)]
pub struct NewStocktake<'a> {
    pub zone_id: i64,
    pub state: &'a str,
    pub opened_by: i64,
    pub opened_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = stocktake_scans)]
pub struct Scan {
    pub id: i64,
    pub stocktake_id: i64,
    pub code: String,
    pub asset_tag: String,
    pub equipment_id: Option<i64>,
    pub result: String,
    pub scanned_by: i64,
    pub scanned_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = stocktake_scans)]
pub struct NewScan<'a> {
    pub stocktake_id: i64,
    pub code: &'a str,
    pub asset_tag: &'a str,
    pub equipment_id: Option<i64>,
    pub result: &'a str,
    pub scanned_by: i64,
    pub scanned_at: NaiveDateTime,
}

pub fn insert_stocktake(conn: &mut DbConn, new: &NewStocktake<'_>) -> QueryResult<Stocktake> {
    diesel::insert_into(stocktakes::table)
        .values(new)
        .returning(stocktakes::all_columns)
        .get_result(conn)
}

pub fn find_stocktake(conn: &mut DbConn, id: i64) -> QueryResult<Stocktake> {
    stocktakes::table
        .find(id)
        .select(Stocktake::as_select())
        .get_result(conn)
}

/// The open campaign of a zone, if any.
pub fn open_in_zone(conn: &mut DbConn, zone_id: i64) -> QueryResult<Option<Stocktake>> {
    stocktakes::table
        .filter(stocktakes::zone_id.eq(zone_id))
        .filter(stocktakes::state.eq("open"))
        .select(Stocktake::as_select())
        .get_result(conn)
        .optional()
}

pub fn list_stocktakes(
    conn: &mut DbConn,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Stocktake>, i64)> {
    let total = stocktakes::table.count().get_result(conn)?;
    let rows = stocktakes::table
        .order(stocktakes::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Stocktake::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn close_stocktake(
    conn: &mut DbConn,
    id: i64,
    by: i64,
    at: NaiveDateTime,
    report: &str,
    hash: &str,
) -> QueryResult<Stocktake> {
    diesel::update(
        stocktakes::table
            .find(id)
            .filter(stocktakes::state.eq("open")),
    )
    .set((
        stocktakes::state.eq("closed"),
        stocktakes::closed_by.eq(Some(by)),
        stocktakes::closed_at.eq(Some(at)),
        stocktakes::report_json.eq(Some(report)),
        stocktakes::report_hash.eq(Some(hash)),
    ))
    .returning(stocktakes::all_columns)
    .get_result(conn)
}

pub fn insert_scan(conn: &mut DbConn, new: &NewScan<'_>) -> QueryResult<Scan> {
    diesel::insert_into(stocktake_scans::table)
        .values(new)
        .returning(stocktake_scans::all_columns)
        .get_result(conn)
}

pub fn already_scanned(conn: &mut DbConn, stocktake_id: i64, tag: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        stocktake_scans::table
            .filter(stocktake_scans::stocktake_id.eq(stocktake_id))
            .filter(stocktake_scans::asset_tag.eq(tag)),
    ))
    .get_result(conn)
}

/// Every scan of a campaign, in order.
pub fn scans_of(conn: &mut DbConn, stocktake_id: i64) -> QueryResult<Vec<Scan>> {
    stocktake_scans::table
        .filter(stocktake_scans::stocktake_id.eq(stocktake_id))
        .order(stocktake_scans::id.asc())
        .select(Scan::as_select())
        .load(conn)
}

/// (scans, confirmed) per campaign, for lists.
pub fn counts_of(conn: &mut DbConn, stocktake_id: i64) -> QueryResult<(i64, i64)> {
    let scans = stocktake_scans::table
        .filter(stocktake_scans::stocktake_id.eq(stocktake_id))
        .count()
        .get_result(conn)?;
    let confirmed = stocktake_scans::table
        .filter(stocktake_scans::stocktake_id.eq(stocktake_id))
        .filter(stocktake_scans::result.eq("confirmed"))
        .count()
        .get_result(conn)?;
    Ok((scans, confirmed))
}

/// The devices a zone's stocktake expects: registered there and not disposed.
pub fn expected_in_zone(conn: &mut DbConn, zone_id: i64) -> QueryResult<Vec<Equipment>> {
    equipment::table
        .filter(equipment::zone_id.eq(zone_id))
        .filter(equipment::status.ne("disposed"))
        .order(equipment::asset_tag.asc())
        .select(Equipment::as_select())
        .load(conn)
}

pub fn count_expected(conn: &mut DbConn, zone_id: i64) -> QueryResult<i64> {
    equipment::table
        .filter(equipment::zone_id.eq(zone_id))
        .filter(equipment::status.ne("disposed"))
        .count()
        .get_result(conn)
}

pub fn equipment_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Equipment>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    equipment::table
        .filter(equipment::id.eq_any(ids))
        .select(Equipment::as_select())
        .load(conn)
}
