//! Software, license, install-request and installation rows and their queries.

use crate::db::schema::{equipment, install_requests, installations, licenses, software, users};
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
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
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
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
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

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = install_requests)]
pub struct InstallRequest {
    pub id: i64,
    pub equipment_id: i64,
    pub software_id: i64,
    pub version: String,
    pub change_kind: String,
    pub reason: String,
    pub state: String,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = install_requests)]
pub struct NewInstallRequest {
    pub equipment_id: i64,
    pub software_id: i64,
    pub version: String,
    pub change_kind: String,
    pub reason: String,
    pub state: String,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = installations)]
pub struct Installation {
    pub id: i64,
    pub equipment_id: i64,
    pub software_id: i64,
    pub version: String,
    pub install_request_id: Option<i64>,
    pub installed_on: Option<NaiveDate>,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
    pub released_at: Option<NaiveDateTime>,
    pub released_by: Option<i64>,
    pub release_reason: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = installations)]
pub struct NewInstallation {
    pub equipment_id: i64,
    pub software_id: i64,
    pub version: String,
    pub install_request_id: Option<i64>,
    pub installed_on: Option<NaiveDate>,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
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

pub fn insert_request(conn: &mut DbConn, row: &NewInstallRequest) -> QueryResult<InstallRequest> {
    diesel::insert_into(install_requests::table)
        .values(row)
        .returning(install_requests::all_columns)
        .get_result(conn)
}

pub fn find_request(conn: &mut DbConn, id: i64) -> QueryResult<Option<InstallRequest>> {
    install_requests::table
        .find(id)
        .select(InstallRequest::as_select())
        .get_result(conn)
        .optional()
}

/// Moves a request from `requested` to `state`; false when it was no longer `requested`
/// (so two managers deciding at once cannot both win).
pub fn decide_request(
    conn: &mut DbConn,
    id: i64,
    state: &str,
    by: i64,
    at: NaiveDateTime,
    note: Option<&str>,
) -> QueryResult<bool> {
    let n = diesel::update(
        install_requests::table
            .filter(install_requests::id.eq(id))
            .filter(install_requests::state.eq("requested")),
    )
    .set((
        install_requests::state.eq(state),
        install_requests::decided_by.eq(Some(by)),
        install_requests::decided_at.eq(Some(at)),
        install_requests::decision_note.eq(note),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub state: Option<String>,
    pub equipment_id: Option<i64>,
    pub requested_by: Option<i64>,
}

pub fn list_requests(
    conn: &mut DbConn,
    filter: &RequestFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<InstallRequest>, i64)> {
    let filtered = || {
        let mut q = install_requests::table.into_boxed::<MultiBackend>();
        if let Some(s) = &filter.state {
            q = q.filter(install_requests::state.eq(s.clone()));
        }
        if let Some(e) = filter.equipment_id {
            q = q.filter(install_requests::equipment_id.eq(e));
        }
        if let Some(u) = filter.requested_by {
            q = q.filter(install_requests::requested_by.eq(u));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order(install_requests::id.desc())
        .offset(offset)
        .limit(limit)
        .select(InstallRequest::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn insert_installation(conn: &mut DbConn, row: &NewInstallation) -> QueryResult<Installation> {
    diesel::insert_into(installations::table)
        .values(row)
        .returning(installations::all_columns)
        .get_result(conn)
}

pub fn find_installation(conn: &mut DbConn, id: i64) -> QueryResult<Option<Installation>> {
    installations::table
        .find(id)
        .select(Installation::as_select())
        .get_result(conn)
        .optional()
}

/// The installations still counting on a device (not released), optionally of one product.
pub fn active_installations(
    conn: &mut DbConn,
    equipment_id: i64,
    software_id: Option<i64>,
) -> QueryResult<Vec<Installation>> {
    let mut q = installations::table
        .filter(installations::equipment_id.eq(equipment_id))
        .filter(installations::released_at.is_null())
        .into_boxed::<MultiBackend>();
    if let Some(s) = software_id {
        q = q.filter(installations::software_id.eq(s));
    }
    q.order(installations::id.asc())
        .select(Installation::as_select())
        .load(conn)
}

pub fn release_installation(
    conn: &mut DbConn,
    id: i64,
    by: Option<i64>,
    at: NaiveDateTime,
    reason: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        installations::table
            .filter(installations::id.eq(id))
            .filter(installations::released_at.is_null()),
    )
    .set((
        installations::released_at.eq(Some(at)),
        installations::released_by.eq(by),
        installations::release_reason.eq(Some(reason)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// An installation with what a ledger line shows beside it.
#[derive(Debug, Clone)]
pub struct InstallationLine {
    pub installation: Installation,
    pub asset_tag: String,
    pub equipment_status: String,
    pub request_state: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct InstallationFilter {
    pub software_id: Option<i64>,
    pub equipment_id: Option<i64>,
    /// Include released installations too.
    pub include_released: bool,
}

pub fn list_installations(
    conn: &mut DbConn,
    filter: &InstallationFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<InstallationLine>, i64)> {
    let filtered = || {
        let mut q = installations::table
            .inner_join(equipment::table)
            .left_join(install_requests::table)
            .into_boxed::<MultiBackend>();
        if let Some(s) = filter.software_id {
            q = q.filter(installations::software_id.eq(s));
        }
        if let Some(e) = filter.equipment_id {
            q = q.filter(installations::equipment_id.eq(e));
        }
        if !filter.include_released {
            q = q.filter(installations::released_at.is_null());
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows: Vec<(Installation, String, String, Option<String>)> = filtered()
        .order(installations::id.asc())
        .offset(offset)
        .limit(limit)
        .select((
            Installation::as_select(),
            equipment::asset_tag,
            equipment::status,
            install_requests::state.nullable(),
        ))
        .load(conn)?;
    Ok((
        rows.into_iter()
            .map(
                |(installation, asset_tag, equipment_status, request_state)| InstallationLine {
                    installation,
                    asset_tag,
                    equipment_status,
                    request_state,
                },
            )
            .collect(),
        total,
    ))
}

/// One counting installation for compliance: (software, device, approved?).
/// Released installations and devices that have been disposed do not count.
/// Optionally of one product only.
pub fn counting_installations(
    conn: &mut DbConn,
    only: Option<i64>,
) -> QueryResult<Vec<(i64, i64, bool)>> {
    let mut q = installations::table
        .inner_join(equipment::table)
        .left_join(install_requests::table)
        .filter(installations::released_at.is_null())
        .filter(equipment::status.ne("disposed"))
        .into_boxed::<MultiBackend>();
    if let Some(id) = only {
        q = q.filter(installations::software_id.eq(id));
    }
    let rows: Vec<(i64, i64, Option<String>)> = q
        .select((
            installations::software_id,
            installations::equipment_id,
            install_requests::state.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(s, e, state)| (s, e, state.as_deref() == Some("approved")))
        .collect())
}

/// Display names of users, for lists (one query).
pub fn user_names(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// Asset tags of devices, for lists (one query).
pub fn asset_tags(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    Ok(equipment::table
        .filter(equipment::id.eq_any(ids))
        .select((equipment::id, equipment::asset_tag))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// Install requests a security manager may decide: for devices of their
/// department or in zones they manage, not their own (see `may_permit_install`).
pub fn count_awaiting_decision(
    conn: &mut DbConn,
    manager: i64,
    department: Option<i64>,
    zones: &[i64],
) -> QueryResult<i64> {
    install_requests::table
        .inner_join(equipment::table)
        .filter(install_requests::state.eq("requested"))
        .filter(install_requests::requested_by.ne(manager))
        .filter(
            equipment::department_id
                .nullable()
                .eq(department)
                .or(equipment::zone_id.eq_any(zones)),
        )
        .count()
        .get_result(conn)
}
