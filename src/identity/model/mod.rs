//! User and department rows and their queries.

use super::rules::{PASSWORD_HISTORY, Role};
use crate::db::DbConn;
use crate::db::schema::{departments, password_history, user_roles, users, zone_managers};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub department_id: Option<i64>,
    pub staff_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub active: bool,
    pub must_change_password: bool,
    pub password_changed_at: NaiveDateTime,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub session_version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub department_id: Option<i64>,
    pub staff_number: Option<&'a str>,
    pub birth_date: Option<NaiveDate>,
    pub active: bool,
    pub must_change_password: bool,
    pub password_changed_at: NaiveDateTime,
    pub failed_logins: i32,
    pub session_version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

pub fn find_user(conn: &mut DbConn, id: i64) -> QueryResult<User> {
    crate::native!(conn, |c| users::table
        .find(id)
        .select(User::as_select())
        .get_result(c))
}

pub fn find_user_by_name(conn: &mut DbConn, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .get_result(conn)
        .optional()
}

pub fn roles_of(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<Role>> {
    let names: Vec<String> = crate::native!(conn, |c| user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .load(c))?;
    sorted_roles(names.iter().map(String::as_str))
}

/// A user and their roles in one query: every authenticated request asks.
pub fn find_user_with_roles(conn: &mut DbConn, id: i64) -> QueryResult<Option<(User, Vec<Role>)>> {
    let rows: Vec<(User, Option<String>)> = crate::native!(conn, |c| users::table
        .left_join(user_roles::table)
        .filter(users::id.eq(id))
        .select((User::as_select(), user_roles::role.nullable()))
        .load(c))?;
    let mut rows = rows.into_iter();
    let Some((user, first)) = rows.next() else {
        return Ok(None);
    };
    let names: Vec<String> = first
        .into_iter()
        .chain(rows.filter_map(|(_, role)| role))
        .collect();
    Ok(Some((
        user,
        sorted_roles(names.iter().map(String::as_str))?,
    )))
}

/// Roles of many users in one query.
pub fn roles_of_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<Role>>> {
    let rows: Vec<(i64, String)> = user_roles::table
        .filter(user_roles::user_id.eq_any(ids))
        .select((user_roles::user_id, user_roles::role))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<Role>> = HashMap::new();
    for (id, role) in rows {
        map.entry(id).or_default().push(stored_role(&role)?);
    }
    map.values_mut().for_each(|roles| roles.sort());
    Ok(map)
}

/// A role this build does not know is a corrupted row, never a silently smaller set of rights.
fn stored_role(name: &str) -> QueryResult<Role> {
    Role::stored(name).map_err(|e| diesel::result::Error::DeserializationError(e.into()))
}

fn sorted_roles<'a>(names: impl Iterator<Item = &'a str>) -> QueryResult<Vec<Role>> {
    let mut roles = names.map(stored_role).collect::<QueryResult<Vec<Role>>>()?;
    roles.sort();
    Ok(roles)
}

/// Inserts a user; their first password goes into the history at once.
pub fn insert_user(conn: &mut DbConn, user: &NewUser<'_>) -> QueryResult<User> {
    let inserted: User = diesel::insert_into(users::table)
        .values(user)
        .returning(users::all_columns)
        .get_result(conn)?;
    remember_password(
        conn,
        inserted.id,
        user.password_hash,
        user.password_changed_at,
    )?;
    Ok(inserted)
}

/// Replaces a user's roles, row by row (batch inserts do not compile through the enum).
pub fn set_roles(conn: &mut DbConn, user_id: i64, roles: &[Role]) -> QueryResult<()> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id))).execute(conn)?;
    for role in roles {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user_id),
                user_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn count_users(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn list_users(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<User>, i64)> {
    let total = users::table.count().get_result(conn)?;
    let items = users::table
        .order(users::username.asc())
        .offset(offset)
        .limit(limit)
        .select(User::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn record_failure(
    conn: &mut DbConn,
    id: i64,
    failed: i32,
    locked_until: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(failed),
            users::locked_until.eq(locked_until),
        ))
        .execute(conn)
        .map(drop)
}

pub fn record_success(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(drop)
}

/// Stores a new password hash (and keeps it in the history); a new session
/// version signs every other session out.
pub fn set_password(
    conn: &mut DbConn,
    id: i64,
    hash: &str,
    must_change: bool,
    now: NaiveDateTime,
) -> QueryResult<User> {
    remember_password(conn, id, hash, now)?;
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(must_change),
            users::password_changed_at.eq(now),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::session_version.eq(users::session_version + 1),
            users::updated_at.eq(now),
        ))
        .returning(users::all_columns)
        .get_result(conn)
}

/// Adds a hash to the user's history and forgets all but the latest
/// [`PASSWORD_HISTORY`]. Called by every write of a password, so none is missed.
fn remember_password(
    conn: &mut DbConn,
    user_id: i64,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(password_history::table)
        .values((
            password_history::user_id.eq(user_id),
            password_history::password_hash.eq(hash),
            password_history::set_at.eq(now),
        ))
        .execute(conn)?;
    let older: Vec<i64> = password_history::table
        .filter(password_history::user_id.eq(user_id))
        .order((password_history::set_at.desc(), password_history::id.desc()))
        .offset(PASSWORD_HISTORY as i64)
        .limit(i64::MAX)
        .select(password_history::id)
        .load(conn)?;
    if !older.is_empty() {
        diesel::delete(password_history::table.filter(password_history::id.eq_any(&older)))
            .execute(conn)?;
    }
    Ok(())
}

/// The hashes of the user's latest passwords, newest first (the current one among them).
pub fn recent_password_hashes(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<String>> {
    password_history::table
        .filter(password_history::user_id.eq(user_id))
        .order((password_history::set_at.desc(), password_history::id.desc()))
        .limit(PASSWORD_HISTORY as i64)
        .select(password_history::password_hash)
        .load(conn)
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub department_id: Option<Option<i64>>,
    pub staff_number: Option<Option<String>>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub active: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_user(conn: &mut DbConn, id: i64, changes: &UserChanges) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(users::all_columns)
        .get_result(conn)
}

/// Signs every session of a user out (roles changed, deactivated).
pub fn bump_session_version(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::session_version.eq(users::session_version + 1))
        .execute(conn)
        .map(drop)
}

/// Ends a user's zone management (the links that made them a zone's
/// security manager) and names the zones it ended in. Authority follows the
/// role: a user who is no longer an active security manager manages nothing.
pub fn drop_zone_management(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<i64>> {
    let zones: Vec<i64> = zone_managers::table
        .filter(zone_managers::user_id.eq(user_id))
        .order(zone_managers::zone_id.asc())
        .select(zone_managers::zone_id)
        .load(conn)?;
    if !zones.is_empty() {
        diesel::delete(zone_managers::table.filter(zone_managers::user_id.eq(user_id)))
            .execute(conn)?;
    }
    Ok(zones)
}

pub fn insert_department(
    conn: &mut DbConn,
    code: &str,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<Department> {
    diesel::insert_into(departments::table)
        .values((
            departments::code.eq(code),
            departments::name.eq(name),
            departments::created_at.eq(now),
        ))
        .returning(departments::all_columns)
        .get_result(conn)
}

pub fn find_department(conn: &mut DbConn, id: i64) -> QueryResult<Department> {
    departments::table
        .find(id)
        .select(Department::as_select())
        .get_result(conn)
}

pub fn department_code_taken(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        departments::table.filter(departments::code.eq(code)),
    ))
    .get_result(conn)
}

pub fn list_departments(conn: &mut DbConn) -> QueryResult<Vec<Department>> {
    departments::table
        .order(departments::code.asc())
        .select(Department::as_select())
        .load(conn)
}

/// Display names of many users in one query (for lists that show who did what).
pub fn names_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

mod sessions;
pub use sessions::*;

/// Everyone who can appear as an actor, by display name: `(id, display_name, username)`,
/// for the lists people choose someone from.
pub fn people(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, String)>> {
    users::table
        .order((users::display_name.asc(), users::id.asc()))
        .select((users::id, users::display_name, users::username))
        .load(conn)
}

/// The active holders of a role, `(id, display_name, username)` by name.
pub fn active_with_role(conn: &mut DbConn, role: Role) -> QueryResult<Vec<(i64, String, String)>> {
    users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role.eq(role.as_str()))
        .filter(users::active.eq(true))
        .order(users::display_name.asc())
        .select((users::id, users::display_name, users::username))
        .load(conn)
}

/// An account as the compliance report reads it.
#[derive(Debug, Clone, Queryable)]
pub struct AccountFacts {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_changed_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Every active account, by login name.
pub fn active_accounts(conn: &mut DbConn) -> QueryResult<Vec<AccountFacts>> {
    users::table
        .filter(users::active.eq(true))
        .order(users::username.asc())
        .select((
            users::id,
            users::username,
            users::display_name,
            users::password_changed_at,
            users::locked_until,
            users::created_at,
        ))
        .load(conn)
}
