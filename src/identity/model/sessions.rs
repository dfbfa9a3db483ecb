//! Sessions as rows (for the idle limit) and failed sign-ins under unknown
//! names (so that they lock like real accounts).

use crate::db::DbConn;
use crate::db::schema::{login_failures, sessions};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert_session(
    conn: &mut DbConn,
    jti: &str,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::jti.eq(jti),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// When a session was last used; `None` when it has no row (ended, or never begun here).
pub fn session_last_seen(conn: &mut DbConn, jti: &str) -> QueryResult<Option<NaiveDateTime>> {
    crate::native!(conn, |c| sessions::table
        .find(jti)
        .select(sessions::last_seen_at)
        .get_result(c)
        .optional())
}

/// Moves a session's last use forward (never back: instances race).
pub fn touch_session(conn: &mut DbConn, jti: &str, now: NaiveDateTime) -> QueryResult<()> {
    crate::native!(conn, |c| diesel::update(
        sessions::table
            .find(jti)
            .filter(sessions::last_seen_at.lt(now))
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(c))
    .map(drop)
}

pub fn delete_session(conn: &mut DbConn, jti: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(jti))
        .execute(conn)
        .map(drop)
}

/// Forgets sessions begun before `cutoff` (their tokens have expired).
pub fn forget_sessions_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(sessions::table.filter(sessions::created_at.lt(cutoff)))
        .execute(conn)
        .map(drop)
}

/// Forgets unknown names' failures untouched since `cutoff`.
pub fn forget_unknown_names_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::updated_at.lt(cutoff)))
        .execute(conn)
        .map(drop)
}

/// The failure count and lock of a name that belongs to no account.
pub fn unknown_name_failures(
    conn: &mut DbConn,
    name: &str,
) -> QueryResult<(i32, Option<NaiveDateTime>)> {
    Ok(login_failures::table
        .find(name)
        .select((login_failures::failed_logins, login_failures::locked_until))
        .get_result(conn)
        .optional()?
        .unwrap_or((0, None)))
}

/// Stores the failure count and lock of an unknown name (update, else insert:
/// upserts do not pass through the connection enum; writers are serialised).
pub fn record_unknown_name_failure(
    conn: &mut DbConn,
    name: &str,
    failed: i32,
    locked_until: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let updated = diesel::update(login_failures::table.find(name))
        .set((
            login_failures::failed_logins.eq(failed),
            login_failures::locked_until.eq(locked_until),
            login_failures::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::name.eq(name),
                login_failures::failed_logins.eq(failed),
                login_failures::locked_until.eq(locked_until),
                login_failures::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
