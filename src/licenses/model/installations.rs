//! Installations on devices: rows, recording, releasing, listing and counting them.

use crate::db::schema::{equipment, install_requests, installations};
use crate::db::{DbConn, MultiBackend};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

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
