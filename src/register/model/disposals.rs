//! Disposal records: inserted once, never changed or deleted.

use crate::db::DbConn;
use crate::db::schema::disposals;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = disposals)]
pub struct Disposal {
    pub id: i64,
    pub equipment_id: i64,
    pub method: String,
    pub certificate_number: Option<String>,
    pub witnessed_by: Option<String>,
    pub notes: Option<String>,
    pub classification: String,
    pub disposed_by: i64,
    pub disposed_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = disposals)]
pub struct NewDisposal<'a> {
    pub equipment_id: i64,
    pub method: &'a str,
    pub certificate_number: Option<&'a str>,
    pub witnessed_by: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub classification: &'a str,
    pub disposed_by: i64,
    pub disposed_at: NaiveDateTime,
}

pub fn insert_disposal(conn: &mut DbConn, d: &NewDisposal<'_>) -> QueryResult<Disposal> {
    diesel::insert_into(disposals::table)
        .values(d)
        .returning(disposals::all_columns)
        .get_result(conn)
}

pub fn disposal_of(conn: &mut DbConn, equipment_id: i64) -> QueryResult<Option<Disposal>> {
    disposals::table
        .filter(disposals::equipment_id.eq(equipment_id))
        .select(Disposal::as_select())
        .get_result(conn)
        .optional()
}
