//! Checkpoint rows and the public keys that verify them.

use crate::db::DbConn;
use crate::db::schema::{audit_checkpoint_keys, audit_checkpoints, audit_events};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_checkpoints)]
pub struct CheckpointRow {
    pub id: i64,
    pub seq: i64,
    pub hash: String,
    pub at: NaiveDateTime,
    pub kid: String,
    pub jws: String,
    pub cause: String,
    pub slot: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_checkpoints)]
pub struct NewCheckpoint<'a> {
    pub seq: i64,
    pub hash: &'a str,
    pub at: NaiveDateTime,
    pub kid: &'a str,
    pub jws: &'a str,
    pub cause: &'a str,
    pub slot: Option<i64>,
}

pub fn insert(conn: &mut DbConn, row: &NewCheckpoint<'_>) -> QueryResult<CheckpointRow> {
    diesel::insert_into(audit_checkpoints::table)
        .values(row)
        .returning(audit_checkpoints::all_columns)
        .get_result(conn)
}

pub fn slot_taken(conn: &mut DbConn, slot: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        audit_checkpoints::table.filter(audit_checkpoints::slot.eq(slot)),
    ))
    .get_result(conn)
}

pub fn latest(conn: &mut DbConn) -> QueryResult<Option<CheckpointRow>> {
    audit_checkpoints::table
        .order(audit_checkpoints::id.desc())
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()
}

/// Every checkpoint, oldest first: a year of hourly ones is some 9,000 short rows.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<CheckpointRow>> {
    audit_checkpoints::table
        .order(audit_checkpoints::id.asc())
        .select(CheckpointRow::as_select())
        .load(conn)
}

/// The checkpoints of events after `seq`, oldest first.
pub fn after(conn: &mut DbConn, seq: i64) -> QueryResult<Vec<CheckpointRow>> {
    audit_checkpoints::table
        .filter(audit_checkpoints::seq.gt(seq))
        .order(audit_checkpoints::id.asc())
        .select(CheckpointRow::as_select())
        .load(conn)
}

/// One page, newest first, and how many there are.
pub fn page(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<CheckpointRow>, i64)> {
    let total = audit_checkpoints::table.count().get_result(conn)?;
    let items = audit_checkpoints::table
        .order(audit_checkpoints::id.desc())
        .offset(offset)
        .limit(limit)
        .select(CheckpointRow::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// The stored hash of the event at `seq`, if there is one.
pub fn hash_at(conn: &mut DbConn, seq: i64) -> QueryResult<Option<(i64, String)>> {
    audit_events::table
        .filter(audit_events::seq.eq(seq))
        .select((audit_events::id, audit_events::hash))
        .first(conn)
        .optional()
}

/// `(kid, public key as hex)`, oldest first.
pub fn keys(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    audit_checkpoint_keys::table
        .order(audit_checkpoint_keys::created_at.asc())
        .select((
            audit_checkpoint_keys::kid,
            audit_checkpoint_keys::public_key,
        ))
        .load(conn)
}

pub fn key_known(conn: &mut DbConn, kid: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        audit_checkpoint_keys::table.filter(audit_checkpoint_keys::kid.eq(kid)),
    ))
    .get_result(conn)
}

pub fn publish_key(
    conn: &mut DbConn,
    kid: &str,
    public_hex: &str,
    created_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(audit_checkpoint_keys::table)
        .values((
            audit_checkpoint_keys::kid.eq(kid),
            audit_checkpoint_keys::public_key.eq(public_hex),
            audit_checkpoint_keys::created_at.eq(created_at),
        ))
        .execute(conn)
        .map(|_| ())
}
