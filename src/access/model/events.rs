//! The gate's rows: access events (entries, exits, refusals), the carry-outs
//! checked at an exit, and who is inside now (presence), with their queries.

use super::Permit;
use crate::db::DbConn;
use crate::db::schema::{access_carry_outs, access_events, movements, permits, zone_presence};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = access_events)]
pub struct AccessEvent {
    pub id: i64,
    pub zone_id: i64,
    pub permit_id: Option<i64>,
    pub kind: String,
    pub attempt: String,
    pub reason_code: Option<String>,
    pub occurred_at: NaiveDateTime,
    pub guard_id: i64,
    pub holder_name: Option<String>,
    pub holder_organization: Option<String>,
    pub id_checked: bool,
    pub id_document: Option<String>,
    pub entry_event_id: Option<i64>,
    pub note: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = access_events)]
pub struct NewAccessEvent<'a> {
    pub zone_id: i64,
    pub permit_id: Option<i64>,
    pub kind: &'a str,
    pub attempt: &'a str,
    pub reason_code: Option<&'a str>,
    pub occurred_at: NaiveDateTime,
    pub guard_id: i64,
    pub holder_name: Option<&'a str>,
    pub holder_organization: Option<&'a str>,
    pub id_checked: bool,
    pub id_document: Option<&'a str>,
    pub entry_event_id: Option<i64>,
    pub note: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_carry_outs)]
pub struct CarryOut {
    pub id: i64,
    pub event_id: i64,
    pub asset_tag: String,
    pub equipment_id: Option<i64>,
    pub movement_id: Option<i64>,
    pub authorised: bool,
}

#[derive(Insertable)]
#[diesel(table_name = access_carry_outs)]
pub struct NewCarryOut<'a> {
    pub event_id: i64,
    pub asset_tag: &'a str,
    pub equipment_id: Option<i64>,
    pub movement_id: Option<i64>,
    pub authorised: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = zone_presence)]
pub struct Presence {
    pub id: i64,
    pub person_key: String,
    pub zone_id: i64,
    pub permit_id: i64,
    pub entry_event_id: i64,
    pub entered_at: NaiveDateTime,
}

pub fn insert_event(conn: &mut DbConn, new: &NewAccessEvent<'_>) -> QueryResult<AccessEvent> {
    diesel::insert_into(access_events::table)
        .values(new)
        .returning(access_events::all_columns)
        .get_result(conn)
}

pub fn insert_carry_out(conn: &mut DbConn, new: &NewCarryOut<'_>) -> QueryResult<CarryOut> {
    diesel::insert_into(access_carry_outs::table)
        .values(new)
        .returning(access_carry_outs::all_columns)
        .get_result(conn)
}

pub fn presence_of(conn: &mut DbConn, person_key: &str) -> QueryResult<Option<Presence>> {
    crate::native!(conn, |c| zone_presence::table
        .filter(zone_presence::person_key.eq(person_key))
        .select(Presence::as_select())
        .get_result(c)
        .optional())
}

pub fn insert_presence(
    conn: &mut DbConn,
    person_key: &str,
    zone_id: i64,
    permit_id: i64,
    entry_event_id: i64,
    entered_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(zone_presence::table)
        .values((
            zone_presence::person_key.eq(person_key),
            zone_presence::zone_id.eq(zone_id),
            zone_presence::permit_id.eq(permit_id),
            zone_presence::entry_event_id.eq(entry_event_id),
            zone_presence::entered_at.eq(entered_at),
        ))
        .execute(conn)
}

/// Removes a presence row; the count says whether this call was the one that did.
pub fn delete_presence(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(zone_presence::table.filter(zone_presence::id.eq(id))).execute(conn)
}

/// Everyone inside a zone now, with their permits, earliest entry first.
pub fn occupancy(conn: &mut DbConn, zone_id: i64) -> QueryResult<Vec<(Presence, Permit)>> {
    zone_presence::table
        .inner_join(permits::table)
        .filter(zone_presence::zone_id.eq(zone_id))
        .order(zone_presence::entered_at.asc())
        .select((Presence::as_select(), Permit::as_select()))
        .load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub zone_ids: Option<Vec<i64>>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

pub fn list_events(
    conn: &mut DbConn,
    filter: &EventFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AccessEvent>, i64)> {
    let query = || {
        let mut q = access_events::table.into_boxed();
        if let Some(zones) = &filter.zone_ids {
            q = q.filter(access_events::zone_id.eq_any(zones.clone()));
        }
        if let Some(from) = filter.from {
            q = q.filter(access_events::occurred_at.ge(from));
        }
        if let Some(to) = filter.to {
            q = q.filter(access_events::occurred_at.lt(to));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let items = query()
        .order((access_events::occurred_at.asc(), access_events::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(AccessEvent::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn carry_outs_of(conn: &mut DbConn, event_ids: &[i64]) -> QueryResult<Vec<CarryOut>> {
    access_carry_outs::table
        .filter(access_carry_outs::event_id.eq_any(event_ids.to_vec()))
        .order(access_carry_outs::id.asc())
        .select(CarryOut::as_select())
        .load(conn)
}

/// The approved carry-outs of a device from a zone, earliest planned first.
pub fn approved_carry_outs(
    conn: &mut DbConn,
    equipment_id: i64,
    zone_id: i64,
) -> QueryResult<Vec<(i64, NaiveDateTime)>> {
    movements::table
        .filter(movements::direction.eq("out"))
        .filter(movements::equipment_id.eq(equipment_id))
        .filter(movements::zone_id.eq(zone_id))
        .filter(movements::state.eq("approved"))
        .order(movements::planned_at.asc())
        .select((movements::id, movements::planned_at))
        .load(conn)
}

/// Carried out at an exit under a tag the register did not know, newest first:
/// `(event id, asset tag, zone name, when)`.
pub fn unregistered_carry_outs(
    conn: &mut DbConn,
    limit: i64,
) -> QueryResult<Vec<(i64, String, String, NaiveDateTime)>> {
    access_carry_outs::table
        .inner_join(access_events::table.inner_join(crate::db::schema::zones::table))
        .filter(access_carry_outs::equipment_id.is_null())
        .order((
            access_events::occurred_at.desc(),
            access_carry_outs::id.desc(),
        ))
        .limit(limit)
        .select((
            access_events::id,
            access_carry_outs::asset_tag,
            crate::db::schema::zones::name,
            access_events::occurred_at,
        ))
        .load(conn)
}

/// Everyone inside now whose permit has ended or been revoked, earliest entry first.
pub fn overstays(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<(Presence, Permit)>> {
    zone_presence::table
        .inner_join(permits::table)
        .filter(
            permits::valid_until
                .lt(now)
                .or(permits::state.eq(crate::access::rules::PermitState::Revoked.as_str())),
        )
        .order(zone_presence::entered_at.asc())
        .select((Presence::as_select(), Permit::as_select()))
        .load(conn)
}

/// How many people are inside any zone now.
pub fn count_inside(conn: &mut DbConn) -> QueryResult<i64> {
    zone_presence::table.count().get_result(conn)
}

/// Refusals at the gate in `[from, to)`, counted by reason code.
pub fn denied_by_reason(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(Option<String>, i64)>> {
    access_events::table
        .filter(access_events::kind.eq(crate::access::rules::EventKind::Denied.as_str()))
        .filter(access_events::occurred_at.ge(from))
        .filter(access_events::occurred_at.lt(to))
        .group_by(access_events::reason_code)
        .select((access_events::reason_code, diesel::dsl::count_star()))
        .order(access_events::reason_code.asc())
        .load(conn)
}
