//! Permit rows and their queries, and the names the access pages show; the
//! gate's own rows are in `events`.

mod events;
mod keys;

pub use events::*;

pub use keys::{PublishedKey, publish_key, published_keys, retire_signing_keys};

use crate::db::DbConn;
use crate::db::schema::permits;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = permits)]
pub struct Permit {
    pub id: i64,
    pub zone_id: i64,
    pub holder_user_id: Option<i64>,
    pub visitor_name: Option<String>,
    pub visitor_organization: Option<String>,
    pub holder_kind: String,
    pub purpose: String,
    pub valid_from: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub escort_required: bool,
    pub escort_user_id: Option<i64>,
    pub state: String,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub revoked_by: Option<i64>,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoke_reason: Option<String>,
    pub code: Option<String>,
    pub code_kid: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = permits)]
pub struct NewPermit<'a> {
    pub zone_id: i64,
    pub holder_user_id: Option<i64>,
    pub visitor_name: Option<&'a str>,
    pub visitor_organization: Option<&'a str>,
    pub holder_kind: &'a str,
    pub purpose: &'a str,
    pub valid_from: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub escort_required: bool,
    pub escort_user_id: Option<i64>,
    pub state: &'a str,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
}

pub fn find_permit(conn: &mut DbConn, id: i64) -> QueryResult<Permit> {
    crate::native!(conn, |c| permits::table
        .find(id)
        .select(Permit::as_select())
        .get_result(c))
}

pub fn insert_permit(conn: &mut DbConn, new: &NewPermit<'_>) -> QueryResult<Permit> {
    diesel::insert_into(permits::table)
        .values(new)
        .returning(permits::all_columns)
        .get_result(conn)
}

/// Records a decision (approve / reject), only while the permit is still requested.
pub fn decide_permit(
    conn: &mut DbConn,
    id: i64,
    state: &str,
    by: i64,
    at: NaiveDateTime,
    note: Option<&str>,
    code: Option<(&str, &str)>,
) -> QueryResult<usize> {
    diesel::update(
        permits::table
            .filter(permits::id.eq(id))
            .filter(permits::state.eq("requested")),
    )
    .set((
        permits::state.eq(state),
        permits::decided_by.eq(Some(by)),
        permits::decided_at.eq(Some(at)),
        permits::decision_note.eq(note),
        permits::code.eq(code.map(|c| c.0)),
        permits::code_kid.eq(code.map(|c| c.1)),
    ))
    .execute(conn)
}

pub fn revoke_permit(
    conn: &mut DbConn,
    id: i64,
    by: i64,
    at: NaiveDateTime,
    reason: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(
        permits::table
            .filter(permits::id.eq(id))
            .filter(permits::state.eq("approved")),
    )
    .set((
        permits::state.eq("revoked"),
        permits::revoked_by.eq(Some(by)),
        permits::revoked_at.eq(Some(at)),
        permits::revoke_reason.eq(reason),
    ))
    .execute(conn)
}

/// Which permits a list shows.
#[derive(Debug, Clone, Default)]
pub struct PermitFilter {
    pub zone_id: Option<i64>,
    /// A stored state (`expired` is resolved by the caller into approved + window).
    pub state: Option<String>,
    /// Only permits with `valid_until` before (Some(true)) / not before (Some(false)) this time.
    pub expired_at: Option<(NaiveDateTime, bool)>,
    /// Restrict to what this user may see: (user, zones they manage).
    pub visible_to: Option<(i64, Vec<i64>)>,
}

pub fn list_permits(
    conn: &mut DbConn,
    filter: &PermitFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Permit>, i64)> {
    let query = || {
        let mut q = permits::table.into_boxed();
        if let Some(zone) = filter.zone_id {
            q = q.filter(permits::zone_id.eq(zone));
        }
        if let Some(state) = &filter.state {
            q = q.filter(permits::state.eq(state.clone()));
        }
        if let Some((at, before)) = filter.expired_at {
            q = if before {
                q.filter(permits::valid_until.lt(at))
            } else {
                q.filter(permits::valid_until.ge(at))
            };
        }
        if let Some((user, zones)) = &filter.visible_to {
            q = q.filter(
                permits::requested_by
                    .eq(*user)
                    .or(permits::holder_user_id.eq(*user))
                    .or(permits::zone_id.eq_any(zones.clone())),
            );
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let items = query()
        .order(permits::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Permit::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// Zone names, in one query.
pub fn zone_names(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, (String, String)>> {
    use crate::db::schema::zones;
    let rows: Vec<(i64, String, String)> = zones::table
        .filter(zones::id.eq_any(ids.to_vec()))
        .select((zones::id, zones::code, zones::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect())
}

/// Active zones, for the guard's zone picker: (id, code, name).
pub fn active_zones(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, String)>> {
    use crate::db::schema::zones;
    zones::table
        .filter(zones::active.eq(true))
        .order(zones::code.asc())
        .select((zones::id, zones::code, zones::name))
        .load(conn)
}

/// Permit requests in these zones that `manager` may decide (not their own).
pub fn count_awaiting_decision(conn: &mut DbConn, zones: &[i64], manager: i64) -> QueryResult<i64> {
    permits::table
        .filter(permits::zone_id.eq_any(zones))
        .filter(permits::state.eq("requested"))
        .filter(permits::requested_by.ne(manager))
        .count()
        .get_result(conn)
}
