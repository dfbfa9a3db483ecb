//! Inspection rows and their queries.

use crate::db::DbConn;
use crate::db::schema::{inspection_findings, inspections};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inspections)]
pub struct Inspection {
    pub id: i64,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub note: String,
    pub state: String,
    pub opened_by: i64,
    pub opened_at: NaiveDateTime,
    pub report_json: String,
    pub signed_by: Option<i64>,
    pub signed_at: Option<NaiveDateTime>,
    pub signed_report: Option<String>,
    pub report_sha256: Option<String>,
    pub chain_seq: Option<i64>,
    pub chain_hash: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = inspections)]
pub struct NewInspection<'a> {
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub note: &'a str,
    pub state: &'a str,
    pub opened_by: i64,
    pub opened_at: NaiveDateTime,
    pub report_json: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inspection_findings)]
pub struct FindingRow {
    pub id: i64,
    pub inspection_id: i64,
    pub n: i32,
    pub article: String,
    pub code: String,
    pub message: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub disposition: Option<String>,
    pub comment: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = inspection_findings)]
pub struct NewFinding<'a> {
    pub inspection_id: i64,
    pub n: i32,
    pub article: &'a str,
    pub code: &'a str,
    pub message: &'a str,
    pub entity_type: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    pub comment: &'a str,
}

pub fn insert(conn: &mut DbConn, row: &NewInspection<'_>) -> QueryResult<i64> {
    diesel::insert_into(inspections::table)
        .values(row)
        .returning(inspections::id)
        .get_result(conn)
}

pub fn insert_findings(conn: &mut DbConn, rows: &[NewFinding<'_>]) -> QueryResult<()> {
    // One statement per row keeps SQLite's bound-parameter limit out of reach
    // for a report of any size; a report has tens of findings, not thousands.
    for row in rows {
        diesel::insert_into(inspection_findings::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Inspection>> {
    inspections::table
        .find(id)
        .select(Inspection::as_select())
        .first(conn)
        .optional()
}

pub fn findings(conn: &mut DbConn, inspection_id: i64) -> QueryResult<Vec<FindingRow>> {
    inspection_findings::table
        .filter(inspection_findings::inspection_id.eq(inspection_id))
        .order(inspection_findings::n.asc())
        .select(FindingRow::as_select())
        .load(conn)
}

/// How many findings each of `ids` has, and how many are decided.
pub fn finding_counts(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i32, bool)>> {
    inspection_findings::table
        .filter(inspection_findings::inspection_id.eq_any(ids))
        .select((
            inspection_findings::inspection_id,
            inspection_findings::n,
            inspection_findings::disposition.is_not_null(),
        ))
        .load(conn)
}

/// One page, newest first, and how many there are.
pub fn page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<Inspection>, i64)> {
    let total = inspections::table.count().get_result(conn)?;
    let items = inspections::table
        .order(inspections::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Inspection::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn decide(
    conn: &mut DbConn,
    finding_id: i64,
    disposition: &str,
    comment: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(inspection_findings::table.find(finding_id))
        .set((
            inspection_findings::disposition.eq(disposition),
            inspection_findings::comment.eq(comment),
            inspection_findings::decided_by.eq(by),
            inspection_findings::decided_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub struct Signature<'a> {
    pub signed_by: i64,
    pub signed_at: NaiveDateTime,
    pub signed_report: &'a str,
    pub report_sha256: &'a str,
    pub chain_seq: i64,
    pub chain_hash: &'a str,
}

/// Signs an open inspection; `false` when it was no longer open.
pub fn sign(conn: &mut DbConn, id: i64, s: &Signature<'_>) -> QueryResult<bool> {
    diesel::update(
        inspections::table
            .find(id)
            .filter(inspections::state.eq("open")),
    )
    .set((
        inspections::state.eq("signed"),
        inspections::signed_by.eq(s.signed_by),
        inspections::signed_at.eq(s.signed_at),
        inspections::signed_report.eq(s.signed_report),
        inspections::report_sha256.eq(s.report_sha256),
        inspections::chain_seq.eq(s.chain_seq),
        inspections::chain_hash.eq(s.chain_hash),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// When the newest signed inspection was signed.
pub fn last_signed_at(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    inspections::table
        .filter(inspections::state.eq("signed"))
        .select(diesel::dsl::max(inspections::signed_at))
        .first(conn)
}
