//! The published permit keys (`permit_keys`): public halves only.

use crate::db::DbConn;
use crate::db::schema::permit_keys;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = permit_keys)]
pub struct PublishedKey {
    pub kid: String,
    /// The Ed25519 public key, hex.
    pub public_key: String,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

/// Every published key, the signing one (never retired) first, then the
/// retired ones, newest first.
pub fn published_keys(conn: &mut DbConn) -> QueryResult<Vec<PublishedKey>> {
    let mut keys: Vec<PublishedKey> = permit_keys::table
        .select(PublishedKey::as_select())
        .load(conn)?;
    keys.sort_by(|a, b| {
        (a.retired_at.is_some(), b.created_at, &a.kid).cmp(&(
            b.retired_at.is_some(),
            a.created_at,
            &b.kid,
        ))
    });
    Ok(keys)
}

pub fn publish_key(conn: &mut DbConn, key: &PublishedKey) -> QueryResult<usize> {
    diesel::insert_into(permit_keys::table)
        .values(key)
        .execute(conn)
}

/// Retires every key still signing; returns how many.
pub fn retire_signing_keys(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(permit_keys::table.filter(permit_keys::retired_at.is_null()))
        .set(permit_keys::retired_at.eq(Some(at)))
        .execute(conn)
}
