//! Carry-in/out rows (持込・持出) and their queries.

use crate::db::schema::{equipment, movements};
use crate::db::{DbConn, MultiBackend};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = movements)]
pub struct Movement {
    pub id: i64,
    pub direction: String,
    pub equipment_id: Option<i64>,
    pub item_description: Option<String>,
    pub zone_id: i64,
    pub reason: String,
    pub destination: Option<String>,
    pub planned_at: NaiveDateTime,
    pub return_due: Option<NaiveDate>,
    pub state: String,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub completed_at: Option<NaiveDateTime>,
    pub returned_at: Option<NaiveDateTime>,
    /// The exit the gate recorded it at, for a 無許可持出.
    pub access_event_id: Option<i64>,
    /// The device's status before the gate flagged it, restored when it comes back.
    pub prior_status: Option<String>,
    pub settlement: Option<String>,
    pub settled_by: Option<i64>,
    pub settled_at: Option<NaiveDateTime>,
    pub settlement_note: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = movements)]
pub struct NewMovement<'a> {
    pub direction: &'a str,
    pub equipment_id: Option<i64>,
    pub item_description: Option<&'a str>,
    pub zone_id: i64,
    pub reason: &'a str,
    pub destination: Option<&'a str>,
    pub planned_at: NaiveDateTime,
    pub return_due: Option<NaiveDate>,
    pub state: &'a str,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
    pub access_event_id: Option<i64>,
    pub prior_status: Option<&'a str>,
    pub completed_at: Option<NaiveDateTime>,
}

pub fn insert_movement(conn: &mut DbConn, m: &NewMovement<'_>) -> QueryResult<Movement> {
    diesel::insert_into(movements::table)
        .values(m)
        .returning(movements::all_columns)
        .get_result(conn)
}

pub fn find_movement(conn: &mut DbConn, id: i64) -> QueryResult<Movement> {
    movements::table
        .find(id)
        .select(Movement::as_select())
        .get_result(conn)
}

/// Open requests (requested or approved) for a device in one direction.
pub fn open_for_device(conn: &mut DbConn, equipment_id: i64, direction: &str) -> QueryResult<i64> {
    movements::table
        .filter(movements::equipment_id.eq(equipment_id))
        .filter(movements::direction.eq(direction))
        .filter(movements::state.eq_any(["requested", "approved"]))
        .count()
        .get_result(conn)
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = movements)]
pub struct MovementChanges {
    pub state: Option<String>,
    pub decided_by: Option<Option<i64>>,
    pub decided_at: Option<Option<NaiveDateTime>>,
    pub decision_note: Option<Option<String>>,
    pub completed_at: Option<Option<NaiveDateTime>>,
    pub returned_at: Option<Option<NaiveDateTime>>,
    pub settlement: Option<Option<String>>,
    pub settled_by: Option<Option<i64>>,
    pub settled_at: Option<Option<NaiveDateTime>>,
    pub settlement_note: Option<Option<String>>,
}

/// Moves a request from `from` to its next state; `None` when it was no longer in `from`
/// (someone else acted first), so two approvals can never both succeed.
pub fn transition(
    conn: &mut DbConn,
    id: i64,
    from: &str,
    changes: &MovementChanges,
) -> QueryResult<Option<Movement>> {
    diesel::update(
        movements::table
            .filter(movements::id.eq(id))
            .filter(movements::state.eq(from)),
    )
    .set(changes)
    .returning(movements::all_columns)
    .get_result(conn)
    .optional()
}

#[derive(Debug, Clone, Default)]
pub struct MovementFilter {
    pub equipment_id: Option<i64>,
    pub zone_id: Option<i64>,
    /// Any of these zones (e.g. the zones a manager manages).
    pub zone_in: Option<Vec<i64>>,
    pub state: Option<String>,
    pub direction: Option<String>,
    pub requested_by: Option<i64>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Carried out, due back before this date, and not returned.
    pub overdue_before: Option<NaiveDate>,
}

fn filtered(f: &MovementFilter) -> movements::BoxedQuery<'static, MultiBackend> {
    let mut q = movements::table.into_boxed();
    if let Some(id) = f.equipment_id {
        q = q.filter(movements::equipment_id.eq(id));
    }
    if let Some(zone) = f.zone_id {
        q = q.filter(movements::zone_id.eq(zone));
    }
    if let Some(zones) = &f.zone_in {
        q = q.filter(movements::zone_id.eq_any(zones.clone()));
    }
    if let Some(state) = &f.state {
        q = q.filter(movements::state.eq(state.clone()));
    }
    if let Some(direction) = &f.direction {
        q = q.filter(movements::direction.eq(direction.clone()));
    }
    if let Some(user) = f.requested_by {
        q = q.filter(movements::requested_by.eq(user));
    }
    if let Some(from) = f.from {
        q = q.filter(movements::planned_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(movements::planned_at.lt(to));
    }
    if let Some(day) = f.overdue_before {
        q = q
            .filter(movements::direction.eq("out"))
            .filter(movements::state.eq("completed"))
            .filter(movements::return_due.lt(day));
    }
    q
}

/// A movement with its device's asset tag, if it names one.
pub type TaggedMovement = (Movement, Option<String>);

/// A page of movements, newest plan first, with each one's asset tag.
pub fn list_movements(
    conn: &mut DbConn,
    f: &MovementFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<TaggedMovement>, i64)> {
    let total = filtered(f).count().get_result(conn)?;
    let rows = filtered(f)
        .left_join(equipment::table)
        .order((movements::planned_at.desc(), movements::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((Movement::as_select(), equipment::asset_tag.nullable()))
        .load(conn)?;
    Ok((rows, total))
}

pub fn count_movements(conn: &mut DbConn, f: &MovementFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}
