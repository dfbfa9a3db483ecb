//! Display lookups for lists: asset tags by id.

use crate::db::DbConn;
use crate::db::schema::equipment;
use diesel::prelude::*;

/// Asset tags of devices, for lists (one query).
pub fn asset_tags(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    Ok(equipment::table
        .filter(equipment::id.eq_any(ids))
        .select((equipment::id, equipment::asset_tag))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}
