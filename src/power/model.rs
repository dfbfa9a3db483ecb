//! UPS details, NUT readings and power events: rows and queries.

use crate::db::DbConn;
use crate::db::schema::{equipment, ups_events, ups_readings, ups_units};
use crate::register::model::Equipment;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = ups_units, primary_key(equipment_id))]
pub struct UpsUnit {
    pub equipment_id: i64,
    pub capacity_va: i32,
    pub capacity_w: Option<i32>,
    pub rated_runtime_min: i32,
    pub battery_installed_on: Option<NaiveDate>,
    pub battery_replace_due: Option<NaiveDate>,
    pub last_self_test_on: Option<NaiveDate>,
    pub last_self_test_result: Option<String>,
    pub outlets_battery: Option<i32>,
    pub outlets_surge_only: Option<i32>,
    pub auto_shutdown: Option<String>,
    pub maintenance_vendor: Option<String>,
    pub nut_host: Option<String>,
    pub nut_port: Option<i32>,
    pub nut_ups_name: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Every column but the timestamps; written whole by `PUT …/ups` (None clears).
#[derive(Debug, Clone, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = ups_units, treat_none_as_null = true)]
pub struct UpsFields {
    pub capacity_va: i32,
    pub capacity_w: Option<i32>,
    pub rated_runtime_min: i32,
    pub battery_installed_on: Option<NaiveDate>,
    pub battery_replace_due: Option<NaiveDate>,
    pub last_self_test_on: Option<NaiveDate>,
    pub last_self_test_result: Option<String>,
    pub outlets_battery: Option<i32>,
    pub outlets_surge_only: Option<i32>,
    pub auto_shutdown: Option<String>,
    pub maintenance_vendor: Option<String>,
    pub nut_host: Option<String>,
    pub nut_port: Option<i32>,
    pub nut_ups_name: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ups_readings)]
pub struct Reading {
    pub id: i64,
    pub ups_equipment_id: i64,
    pub polled_at: NaiveDateTime,
    pub reachable: bool,
    pub status: Option<String>,
    pub battery_charge: Option<f64>,
    pub runtime_s: Option<i64>,
    pub load: Option<f64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ups_readings)]
pub struct NewReading {
    pub ups_equipment_id: i64,
    pub polled_at: NaiveDateTime,
    pub reachable: bool,
    pub status: Option<String>,
    pub battery_charge: Option<f64>,
    pub runtime_s: Option<i64>,
    pub load: Option<f64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ups_events)]
pub struct PowerEvent {
    pub id: i64,
    pub ups_equipment_id: i64,
    pub occurred_at: NaiveDateTime,
    pub kind: String,
    pub status: Option<String>,
    pub battery_charge: Option<f64>,
    pub runtime_s: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ups_events)]
pub struct NewPowerEvent<'a> {
    pub ups_equipment_id: i64,
    pub occurred_at: NaiveDateTime,
    pub kind: &'a str,
    pub status: Option<&'a str>,
    pub battery_charge: Option<f64>,
    pub runtime_s: Option<i64>,
}

pub fn find_unit(conn: &mut DbConn, equipment_id: i64) -> QueryResult<Option<UpsUnit>> {
    ups_units::table
        .find(equipment_id)
        .select(UpsUnit::as_select())
        .get_result(conn)
        .optional()
}

pub fn insert_unit(
    conn: &mut DbConn,
    equipment_id: i64,
    fields: &UpsFields,
    at: NaiveDateTime,
) -> QueryResult<UpsUnit> {
    diesel::insert_into(ups_units::table)
        .values((
            ups_units::equipment_id.eq(equipment_id),
            fields,
            ups_units::created_at.eq(at),
            ups_units::updated_at.eq(at),
        ))
        .returning(ups_units::all_columns)
        .get_result(conn)
}

pub fn update_unit(
    conn: &mut DbConn,
    equipment_id: i64,
    fields: &UpsFields,
    at: NaiveDateTime,
) -> QueryResult<UpsUnit> {
    diesel::update(ups_units::table.find(equipment_id))
        .set((fields, ups_units::updated_at.eq(at)))
        .returning(ups_units::all_columns)
        .get_result(conn)
}

/// Units with a NUT address, with their UPS's tag; disposed UPSes are not polled.
pub fn polled_units(conn: &mut DbConn) -> QueryResult<Vec<(UpsUnit, String)>> {
    ups_units::table
        .inner_join(equipment::table)
        .filter(ups_units::nut_host.is_not_null())
        .filter(equipment::status.ne("disposed"))
        .order(ups_units::equipment_id.asc())
        .select((UpsUnit::as_select(), equipment::asset_tag))
        .load(conn)
}

pub fn latest_reading(conn: &mut DbConn, ups_id: i64) -> QueryResult<Option<Reading>> {
    ups_readings::table
        .filter(ups_readings::ups_equipment_id.eq(ups_id))
        .order(ups_readings::id.desc())
        .select(Reading::as_select())
        .first(conn)
        .optional()
}

pub fn latest_reachable_status(conn: &mut DbConn, ups_id: i64) -> QueryResult<Option<String>> {
    ups_readings::table
        .filter(ups_readings::ups_equipment_id.eq(ups_id))
        .filter(ups_readings::reachable.eq(true))
        .order(ups_readings::id.desc())
        .select(ups_readings::status)
        .first::<Option<String>>(conn)
        .optional()
        .map(Option::flatten)
}

pub fn insert_reading(conn: &mut DbConn, reading: &NewReading) -> QueryResult<Reading> {
    diesel::insert_into(ups_readings::table)
        .values(reading)
        .returning(ups_readings::all_columns)
        .get_result(conn)
}

pub fn insert_event(conn: &mut DbConn, event: &NewPowerEvent) -> QueryResult<PowerEvent> {
    diesel::insert_into(ups_events::table)
        .values(event)
        .returning(ups_events::all_columns)
        .get_result(conn)
}

/// Readings since `from`, oldest first (at most `limit`, the newest kept).
pub fn readings_since(
    conn: &mut DbConn,
    ups_id: i64,
    from: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Reading>> {
    let mut rows: Vec<Reading> = ups_readings::table
        .filter(ups_readings::ups_equipment_id.eq(ups_id))
        .filter(ups_readings::polled_at.ge(from))
        .order(ups_readings::id.desc())
        .limit(limit)
        .select(Reading::as_select())
        .load(conn)?;
    rows.reverse();
    Ok(rows)
}

/// The newest events of a UPS first.
pub fn events_of(conn: &mut DbConn, ups_id: i64, limit: i64) -> QueryResult<Vec<PowerEvent>> {
    ups_events::table
        .filter(ups_events::ups_equipment_id.eq(ups_id))
        .order(ups_events::id.desc())
        .limit(limit)
        .select(PowerEvent::as_select())
        .load(conn)
}

/// Drops readings older than `before` (the history is kept for a while, not forever).
pub fn prune_readings(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(ups_readings::table.filter(ups_readings::polled_at.lt(before))).execute(conn)
}

/// Key equipment still in use, by tag.
pub fn key_equipment(conn: &mut DbConn) -> QueryResult<Vec<Equipment>> {
    equipment::table
        .filter(equipment::key_equipment.eq(true))
        .filter(equipment::status.ne("disposed"))
        .order(equipment::asset_tag.asc())
        .select(Equipment::as_select())
        .load(conn)
}

pub fn equipment_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Equipment>> {
    equipment::table
        .filter(equipment::id.eq_any(ids))
        .select(Equipment::as_select())
        .load(conn)
}

pub fn units_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<UpsUnit>> {
    ups_units::table
        .filter(ups_units::equipment_id.eq_any(ids))
        .select(UpsUnit::as_select())
        .load(conn)
}

/// Devices fed by a UPS.
pub fn fed_by(conn: &mut DbConn, ups_id: i64) -> QueryResult<Vec<Equipment>> {
    equipment::table
        .filter(equipment::ups_equipment_id.eq(ups_id))
        .filter(equipment::status.ne("disposed"))
        .order(equipment::asset_tag.asc())
        .select(Equipment::as_select())
        .load(conn)
}

/// Every UPS in use, by tag.
pub fn all_upses(conn: &mut DbConn) -> QueryResult<Vec<Equipment>> {
    equipment::table
        .filter(equipment::kind.eq("ups"))
        .filter(equipment::status.ne("disposed"))
        .order(equipment::asset_tag.asc())
        .select(Equipment::as_select())
        .load(conn)
}
