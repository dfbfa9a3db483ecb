//! Install requests: rows, recording, deciding and listing them.

use crate::db::schema::{equipment, install_requests};
use crate::db::{DbConn, MultiBackend};
use chrono::NaiveDateTime;
use diesel::prelude::*;

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
