//! Zone and equipment rows, and the look-ups other areas share (zone managers, tags).

use crate::db::DbConn;
use crate::db::schema::{equipment, zone_managers, zones};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = zones)]
pub struct Zone {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub location: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = equipment)]
pub struct Equipment {
    pub id: i64,
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
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find_zone(conn: &mut DbConn, id: i64) -> QueryResult<Zone> {
    crate::native!(conn, |c| zones::table
        .find(id)
        .select(Zone::as_select())
        .get_result(c))
}

/// Zone-manager links that confer authority now: the linked user is active
/// and still holds the `security_manager` role. A link left behind by a role
/// removal (or made before links were dropped with it) confers nothing.
///
/// A macro rather than a function: the joined query's type is long to name.
macro_rules! current_manager_links {
    () => {
        $crate::db::schema::zone_managers::table
            .inner_join(
                $crate::db::schema::users::table.inner_join($crate::db::schema::user_roles::table),
            )
            .filter($crate::db::schema::users::active.eq(true))
            .filter($crate::db::schema::user_roles::role.eq($crate::register::model::MANAGER_ROLE))
    };
}

/// The role a zone manager must hold (`identity::Role::SecurityManager`).
pub(crate) const MANAGER_ROLE: &str = "security_manager";

/// The users who manage a zone now (第5条: they, and only they, approve its permits).
pub fn zone_manager_ids(conn: &mut DbConn, zone_id: i64) -> QueryResult<Vec<i64>> {
    current_manager_links!()
        .filter(zone_managers::zone_id.eq(zone_id))
        .order(zone_managers::user_id.asc())
        .select(zone_managers::user_id)
        .load(conn)
}

/// Whether a user manages a zone at this moment: linked to it, active, and
/// still a security manager. Every zone-bound decision asks this.
pub fn is_zone_manager(conn: &mut DbConn, zone_id: i64, user_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        current_manager_links!()
            .filter(zone_managers::zone_id.eq(zone_id))
            .filter(zone_managers::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

/// The zones a user manages now.
pub fn zones_managed_by(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<i64>> {
    current_manager_links!()
        .filter(zone_managers::user_id.eq(user_id))
        .select(zone_managers::zone_id)
        .load(conn)
}

pub fn find_equipment(conn: &mut DbConn, id: i64) -> QueryResult<Equipment> {
    equipment::table
        .find(id)
        .select(Equipment::as_select())
        .get_result(conn)
}

diesel::alias!(equipment as ups: UpsEquipment);

/// A device and the asset tag of the UPS that feeds it, if any.
pub type WithUpsTag = (Equipment, Option<String>);

/// A device by its (already normalised) asset tag, with its UPS's tag: one round trip, a
/// statement cached by its type (the lookup a scanned label makes).
pub fn find_equipment_with_ups_tag(
    conn: &mut DbConn,
    tag: &str,
) -> QueryResult<Option<WithUpsTag>> {
    crate::native!(conn, |c| equipment::table
        .left_join(ups.on(equipment::ups_equipment_id.eq(ups.field(equipment::id).nullable())))
        .filter(equipment::asset_tag.eq(tag))
        .select((
            Equipment::as_select(),
            ups.field(equipment::asset_tag).nullable(),
        ))
        .get_result(c)
        .optional())
}

/// These devices in tag order, each with its UPS's tag (at most a page at a time).
pub fn find_equipment_by_tag(conn: &mut DbConn, tag: &str) -> QueryResult<Option<Equipment>> {
    equipment::table
        .filter(equipment::asset_tag.eq(tag))
        .select(Equipment::as_select())
        .get_result(conn)
        .optional()
}

pub mod search;
mod search_sql;
pub use search::*;
pub mod writes;
pub use writes::*;
pub mod bulk;
pub use bulk::*;
pub mod movements;
pub use movements::*;
pub mod disposals;
pub use disposals::*;

/// The devices of a zone still in the register (not disposed), by tag, at most `limit`.
pub fn equipment_in_zone(
    conn: &mut DbConn,
    zone_id: i64,
    limit: i64,
) -> QueryResult<Vec<Equipment>> {
    equipment::table
        .filter(equipment::zone_id.eq(zone_id))
        .filter(equipment::status.ne(crate::register::rules::Status::Disposed.as_str()))
        .order(equipment::asset_tag.asc())
        .limit(limit)
        .select(Equipment::as_select())
        .load(conn)
}

/// Key devices still in the register (not disposed): `(in a zone, outside one)`.
pub fn key_equipment_counts(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let in_use = || {
        equipment::table
            .filter(equipment::key_equipment.eq(true))
            .filter(equipment::status.ne(crate::register::rules::Status::Disposed.as_str()))
    };
    let inside = in_use()
        .filter(equipment::zone_id.is_not_null())
        .count()
        .get_result(conn)?;
    let outside = in_use()
        .filter(equipment::zone_id.is_null())
        .count()
        .get_result(conn)?;
    Ok((inside, outside))
}

/// The tags of key devices in the register that stand in no zone (第4条), at most `limit`.
pub fn key_equipment_outside_zone(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<String>> {
    equipment::table
        .filter(equipment::key_equipment.eq(true))
        .filter(equipment::zone_id.is_null())
        .filter(equipment::status.ne(crate::register::rules::Status::Disposed.as_str()))
        .order(equipment::asset_tag.asc())
        .limit(limit)
        .select(equipment::asset_tag)
        .load(conn)
}

/// Active zones no one manages now (第5条): no link to an active security manager.
pub fn unmanaged_zones(conn: &mut DbConn) -> QueryResult<Vec<Zone>> {
    let managed: Vec<i64> = current_manager_links!()
        .select(zone_managers::zone_id)
        .distinct()
        .load(conn)?;
    zones::table
        .filter(zones::active.eq(true))
        .filter(zones::id.ne_all(managed))
        .order(zones::code.asc())
        .select(Zone::as_select())
        .load(conn)
}
