//! Software products and the licenses bought for them: rows and queries.

use crate::db::schema::{licenses, software};
use crate::db::{DbConn, MultiBackend};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = software)]
pub struct Software {
    pub id: i64,
    pub name: String,
    pub vendor: String,
    pub edition: Option<String>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = software)]
pub struct NewSoftware<'a> {
    pub name: &'a str,
    pub vendor: &'a str,
    pub edition: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = licenses)]
pub struct License {
    pub id: i64,
    pub software_id: i64,
    /// `device`, `user`, `site` or `subscription`.
    pub kind: String,
    /// `null` only for a site license without a limit.
    pub seats: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub certificate_number: Option<String>,
    pub purchased_on: Option<NaiveDate>,
    pub purchased_from: Option<String>,
    pub purchase_price_yen: Option<i64>,
    pub department_id: i64,
    pub notes: Option<String>,
    pub created_by: i64,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = licenses)]
pub struct NewLicense {
    pub software_id: i64,
    pub kind: String,
    pub seats: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub certificate_number: Option<String>,
    pub purchased_on: Option<NaiveDate>,
    pub purchased_from: Option<String>,
    pub purchase_price_yen: Option<i64>,
    pub department_id: i64,
    pub notes: Option<String>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_software(conn: &mut DbConn, row: &NewSoftware<'_>) -> QueryResult<Software> {
    diesel::insert_into(software::table)
        .values(row)
        .returning(software::all_columns)
        .get_result(conn)
}

pub fn find_software(conn: &mut DbConn, id: i64) -> QueryResult<Option<Software>> {
    software::table
        .find(id)
        .select(Software::as_select())
        .get_result(conn)
        .optional()
}

pub fn software_taken(
    conn: &mut DbConn,
    name: &str,
    vendor: &str,
    edition: Option<&str>,
) -> QueryResult<bool> {
    let mut query = software::table
        .filter(software::name.eq(name))
        .filter(software::vendor.eq(vendor))
        .into_boxed::<MultiBackend>();
    query = match edition {
        Some(e) => query.filter(software::edition.eq(e)),
        None => query.filter(software::edition.is_null()),
    };
    Ok(query
        .select(software::id)
        .get_result::<i64>(conn)
        .optional()?
        .is_some())
}

pub fn list_software(conn: &mut DbConn) -> QueryResult<Vec<Software>> {
    software::table
        .order((
            software::name.asc(),
            software::vendor.asc(),
            software::id.asc(),
        ))
        .select(Software::as_select())
        .load(conn)
}

pub fn insert_license(conn: &mut DbConn, row: &NewLicense) -> QueryResult<License> {
    diesel::insert_into(licenses::table)
        .values(row)
        .returning(licenses::all_columns)
        .get_result(conn)
}

pub fn list_licenses(
    conn: &mut DbConn,
    software_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<License>, i64)> {
    let filtered = || {
        let mut q = licenses::table.into_boxed::<MultiBackend>();
        if let Some(id) = software_id {
            q = q.filter(licenses::software_id.eq(id));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order(licenses::id.asc())
        .offset(offset)
        .limit(limit)
        .select(License::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// Every license, or one product's.
pub fn all_licenses(conn: &mut DbConn, only: Option<i64>) -> QueryResult<Vec<License>> {
    let mut q = licenses::table.into_boxed::<MultiBackend>();
    if let Some(id) = only {
        q = q.filter(licenses::software_id.eq(id));
    }
    q.order(licenses::id.asc())
        .select(License::as_select())
        .load(conn)
}
