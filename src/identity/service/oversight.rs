//! What the compliance report (第11条・第17条, 第18条, 第30条) asks of the
//! accounts. Plain facts with no role of their own; the report checks who reads it.

use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::model;
use crate::identity::rules::Role;
use std::collections::HashMap;

pub use crate::identity::model::AccountFacts;

/// Every active account, by login name.
pub fn active_accounts(conn: &mut DbConn) -> Result<Vec<AccountFacts>, AppError> {
    Ok(model::active_accounts(conn)?)
}

/// The roles each of these users holds now.
pub fn roles_of(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Vec<Role>>, AppError> {
    let mut out = HashMap::new();
    for ids in ids.chunks(500) {
        out.extend(model::roles_of_many(conn, ids)?);
    }
    Ok(out)
}
