//! Inserting and changing zones and equipment; listing zones.

use super::{Equipment, Zone};
use crate::db::DbConn;
use crate::db::schema::{equipment, zone_managers, zones};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Insertable)]
#[diesel(table_name = zones)]
pub struct NewZone<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub department_id: i64,
    pub location: Option<&'a str>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_zone(conn: &mut DbConn, zone: &NewZone<'_>) -> QueryResult<Zone> {
    diesel::insert_into(zones::table)
        .values(zone)
        .returning(zones::all_columns)
        .get_result(conn)
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = zones)]
pub struct ZoneChanges {
    pub name: Option<String>,
    pub department_id: Option<i64>,
    pub location: Option<Option<String>>,
    pub active: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_zone(conn: &mut DbConn, id: i64, changes: &ZoneChanges) -> QueryResult<Zone> {
    diesel::update(zones::table.find(id))
        .set(changes)
        .returning(zones::all_columns)
        .get_result(conn)
}

pub fn zone_code_taken(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        zones::table.filter(zones::code.eq(code)),
    ))
    .get_result(conn)
}

/// Replaces a zone's managers, row by row.
pub fn set_zone_managers(conn: &mut DbConn, zone_id: i64, user_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(zone_managers::table.filter(zone_managers::zone_id.eq(zone_id)))
        .execute(conn)?;
    for user_id in user_ids {
        diesel::insert_into(zone_managers::table)
            .values((
                zone_managers::zone_id.eq(zone_id),
                zone_managers::user_id.eq(user_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn list_zones(conn: &mut DbConn) -> QueryResult<Vec<Zone>> {
    zones::table
        .order(zones::code.asc())
        .select(Zone::as_select())
        .load(conn)
}

/// Managers of many zones in one query.
pub fn managers_of_zones(
    conn: &mut DbConn,
    zone_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = zone_managers::table
        .filter(zone_managers::zone_id.eq_any(zone_ids))
        .order((zone_managers::zone_id.asc(), zone_managers::user_id.asc()))
        .select((zone_managers::zone_id, zone_managers::user_id))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (zone, user) in rows {
        map.entry(zone).or_default().push(user);
    }
    Ok(map)
}

#[derive(Insertable, AsChangeset, Clone, Debug, Default)]
#[diesel(table_name = equipment)]
#[diesel(treat_none_as_null = true)]
// Every column always bound (NULL for None, never DEFAULT): only then is a
// batch one multi-row INSERT on SQLite instead of one INSERT per row.
#[diesel(treat_none_as_default_value = false)]
pub struct EquipmentFields {
    pub asset_tag: String,
    pub name: String,
    pub kind: String,
    pub key_equipment: bool,
    pub department_id: i64,
    pub zone_id: Option<i64>,
    pub building: Option<String>,
    pub floor: Option<String>,
    pub room: Option<String>,
    pub rack: Option<String>,
    pub rack_unit: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub classification: String,
    pub status: String,
    pub installed_on: Option<NaiveDate>,
    pub ups_equipment_id: Option<i64>,
    pub surge_protection: Option<String>,
    pub required_shutdown_min: Option<i32>,
    pub notes: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl EquipmentFields {
    /// The editable fields of a stored row, to change and write back whole.
    pub fn of(e: &Equipment) -> EquipmentFields {
        EquipmentFields {
            asset_tag: e.asset_tag.clone(),
            name: e.name.clone(),
            kind: e.kind.clone(),
            key_equipment: e.key_equipment,
            department_id: e.department_id,
            zone_id: e.zone_id,
            building: e.building.clone(),
            floor: e.floor.clone(),
            room: e.room.clone(),
            rack: e.rack.clone(),
            rack_unit: e.rack_unit.clone(),
            manufacturer: e.manufacturer.clone(),
            model: e.model.clone(),
            serial_number: e.serial_number.clone(),
            classification: e.classification.clone(),
            status: e.status.clone(),
            installed_on: e.installed_on,
            ups_equipment_id: e.ups_equipment_id,
            surge_protection: e.surge_protection.clone(),
            required_shutdown_min: e.required_shutdown_min,
            notes: e.notes.clone(),
            updated_at: e.updated_at,
        }
    }
}

pub fn insert_equipment(
    conn: &mut DbConn,
    fields: &EquipmentFields,
    now: NaiveDateTime,
) -> QueryResult<Equipment> {
    diesel::insert_into(equipment::table)
        .values((fields, equipment::created_at.eq(now)))
        .returning(equipment::all_columns)
        .get_result(conn)
}

/// Rows per multi-row INSERT: 23 columns each stays under SQLite's 32,766 bound parameters.
const INSERT_ROWS: usize = 1000;

/// Many devices with multi-row INSERTs; returns each new row's id and tag.
pub fn insert_equipment_many(
    conn: &mut DbConn,
    rows: &[EquipmentFields],
    now: NaiveDateTime,
) -> QueryResult<Vec<(i64, String)>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(INSERT_ROWS) {
        let values: Vec<_> = chunk
            .iter()
            .map(|f| (f, equipment::created_at.eq(now)))
            .collect();
        let insert = diesel::insert_into(equipment::table)
            .values(values)
            .returning((equipment::id, equipment::asset_tag));
        // Multi-row INSERTs do not compile through the MultiConnection enum.
        ids.extend(match conn {
            DbConn::Sqlite(c) => insert.get_results::<(i64, String)>(c)?,
            DbConn::Pg(c) => insert.get_results::<(i64, String)>(c)?,
        });
    }
    Ok(ids)
}

/// A new device as one flat row: PostgreSQL's COPY takes no nested values.
#[derive(Insertable)]
#[diesel(table_name = equipment)]
#[diesel(treat_none_as_default_value = false)]
struct CopyRow<'a> {
    asset_tag: &'a str,
    name: &'a str,
    kind: &'a str,
    key_equipment: bool,
    department_id: i64,
    zone_id: Option<i64>,
    building: Option<&'a str>,
    floor: Option<&'a str>,
    room: Option<&'a str>,
    rack: Option<&'a str>,
    rack_unit: Option<&'a str>,
    manufacturer: Option<&'a str>,
    model: Option<&'a str>,
    serial_number: Option<&'a str>,
    classification: &'a str,
    status: &'a str,
    installed_on: Option<NaiveDate>,
    ups_equipment_id: Option<i64>,
    surge_protection: Option<&'a str>,
    required_shutdown_min: Option<i32>,
    notes: Option<&'a str>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl<'a> CopyRow<'a> {
    fn of(f: &'a EquipmentFields, now: NaiveDateTime) -> CopyRow<'a> {
        CopyRow {
            asset_tag: &f.asset_tag,
            name: &f.name,
            kind: &f.kind,
            key_equipment: f.key_equipment,
            department_id: f.department_id,
            zone_id: f.zone_id,
            building: f.building.as_deref(),
            floor: f.floor.as_deref(),
            room: f.room.as_deref(),
            rack: f.rack.as_deref(),
            rack_unit: f.rack_unit.as_deref(),
            manufacturer: f.manufacturer.as_deref(),
            model: f.model.as_deref(),
            serial_number: f.serial_number.as_deref(),
            classification: &f.classification,
            status: &f.status,
            installed_on: f.installed_on,
            ups_equipment_id: f.ups_equipment_id,
            surge_protection: f.surge_protection.as_deref(),
            required_shutdown_min: f.required_shutdown_min,
            notes: f.notes.as_deref(),
            created_at: now,
            updated_at: f.updated_at,
        }
    }
}

/// Many devices whose ids nobody needs: COPY on PostgreSQL (measured: about a
/// third faster than multi-row INSERTs for 100,000 rows), multi-row INSERTs on SQLite.
pub fn insert_equipment_bulk(
    conn: &mut DbConn,
    rows: &[EquipmentFields],
    now: NaiveDateTime,
) -> QueryResult<()> {
    match conn {
        DbConn::Pg(pg) => {
            if !rows.is_empty() {
                let rows: Vec<CopyRow<'_>> = rows.iter().map(|f| CopyRow::of(f, now)).collect();
                diesel::copy_from(equipment::table)
                    .from_insertable(rows)
                    .execute(pg)?;
            }
            Ok(())
        }
        DbConn::Sqlite(_) => insert_equipment_many(conn, rows, now).map(|_| ()),
    }
}

pub fn update_equipment(
    conn: &mut DbConn,
    id: i64,
    fields: &EquipmentFields,
) -> QueryResult<Equipment> {
    diesel::update(equipment::table.find(id))
        .set(fields)
        .returning(equipment::all_columns)
        .get_result(conn)
}

/// Asset tags of many devices by id, in one query (for UPS links).
pub fn tags_by_id(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = equipment::table
        .filter(equipment::id.eq_any(ids))
        .select((equipment::id, equipment::asset_tag))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The stored devices among these tags (at most ~1000 at a time).
pub fn equipment_by_tags(conn: &mut DbConn, tags: &[String]) -> QueryResult<Vec<Equipment>> {
    equipment::table
        .filter(equipment::asset_tag.eq_any(tags))
        .select(Equipment::as_select())
        .load(conn)
}
