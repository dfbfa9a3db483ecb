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

/// The current managers of many zones in one query.
pub fn managers_of_zones(
    conn: &mut DbConn,
    zone_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = current_manager_links!()
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

/// Only the columns whose value changes (and `updated_at`). SQLite rewrites
/// the index entries of every column named in SET, whether or not its value
/// differs; this way a mass edit of notes touches no index at all.
#[derive(AsChangeset, Default)]
#[diesel(table_name = equipment)]
pub struct EquipmentChanges {
    pub asset_tag: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub key_equipment: Option<bool>,
    pub department_id: Option<i64>,
    pub zone_id: Option<Option<i64>>,
    pub building: Option<Option<String>>,
    pub floor: Option<Option<String>>,
    pub room: Option<Option<String>>,
    pub rack: Option<Option<String>>,
    pub rack_unit: Option<Option<String>>,
    pub manufacturer: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub serial_number: Option<Option<String>>,
    pub classification: Option<String>,
    pub status: Option<String>,
    pub installed_on: Option<Option<NaiveDate>>,
    pub ups_equipment_id: Option<Option<i64>>,
    pub surge_protection: Option<Option<String>>,
    pub required_shutdown_min: Option<Option<i32>>,
    pub notes: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

impl EquipmentChanges {
    /// What writing `next` over `current` changes.
    pub fn between(current: &Equipment, next: &EquipmentFields) -> EquipmentChanges {
        fn differs<T: PartialEq + Clone>(old: &T, new: &T) -> Option<T> {
            (old != new).then(|| new.clone())
        }
        EquipmentChanges {
            asset_tag: differs(&current.asset_tag, &next.asset_tag),
            name: differs(&current.name, &next.name),
            kind: differs(&current.kind, &next.kind),
            key_equipment: differs(&current.key_equipment, &next.key_equipment),
            department_id: differs(&current.department_id, &next.department_id),
            zone_id: differs(&current.zone_id, &next.zone_id),
            building: differs(&current.building, &next.building),
            floor: differs(&current.floor, &next.floor),
            room: differs(&current.room, &next.room),
            rack: differs(&current.rack, &next.rack),
            rack_unit: differs(&current.rack_unit, &next.rack_unit),
            manufacturer: differs(&current.manufacturer, &next.manufacturer),
            model: differs(&current.model, &next.model),
            serial_number: differs(&current.serial_number, &next.serial_number),
            classification: differs(&current.classification, &next.classification),
            status: differs(&current.status, &next.status),
            installed_on: differs(&current.installed_on, &next.installed_on),
            ups_equipment_id: differs(&current.ups_equipment_id, &next.ups_equipment_id),
            surge_protection: differs(&current.surge_protection, &next.surge_protection),
            required_shutdown_min: differs(
                &current.required_shutdown_min,
                &next.required_shutdown_min,
            ),
            notes: differs(&current.notes, &next.notes),
            // Always set: the row was written, and SET is never empty.
            updated_at: Some(next.updated_at),
        }
    }
}

/// Writes `next` over the stored `current`, setting only what changes.
pub fn update_equipment(
    conn: &mut DbConn,
    current: &Equipment,
    next: &EquipmentFields,
) -> QueryResult<Equipment> {
    diesel::update(equipment::table.find(current.id))
        .set(&EquipmentChanges::between(current, next))
        .returning(equipment::all_columns)
        .get_result(conn)
}

/// As [`update_equipment`], for a bulk write that needs nothing back.
pub fn write_equipment_changes(
    conn: &mut DbConn,
    current: &Equipment,
    next: &EquipmentFields,
) -> QueryResult<()> {
    diesel::update(equipment::table.find(current.id))
        .set(&EquipmentChanges::between(current, next))
        .execute(conn)
        .map(|_| ())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_differs_is_set() {
        let at = NaiveDate::from_ymd_opt(2026, 4, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let stored = Equipment {
            id: 7,
            asset_tag: "SRV-001".into(),
            name: "基幹系サーバ".into(),
            kind: "server".into(),
            key_equipment: true,
            department_id: 1,
            zone_id: Some(2),
            building: None,
            floor: None,
            room: None,
            rack: Some("R1".into()),
            rack_unit: None,
            manufacturer: None,
            model: None,
            serial_number: None,
            classification: "secret".into(),
            status: "in_service".into(),
            installed_on: None,
            ups_equipment_id: None,
            surge_protection: None,
            required_shutdown_min: None,
            notes: None,
            created_at: at,
            updated_at: at,
        };
        let mut next = EquipmentFields::of(&stored);
        next.notes = Some("移設予定".into());
        next.rack = None;
        next.updated_at = at + chrono::TimeDelta::hours(1);
        let changes = EquipmentChanges::between(&stored, &next);
        assert_eq!(changes.notes, Some(Some("移設予定".into())));
        assert_eq!(changes.rack, Some(None), "a cleared value is set to NULL");
        assert_eq!(changes.updated_at, Some(next.updated_at));
        assert!(changes.name.is_none() && changes.zone_id.is_none() && changes.status.is_none());
    }
}
