//! The lookups other areas show beside their records: who someone is, which
//! department. One function each, so every list names people and departments
//! the same way.

use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::model::{self, Department};
use crate::identity::rules::Role;
use std::collections::HashMap;

/// Display names by user id, in one query (unknown ids are simply absent).
pub fn user_names(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, String>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(model::names_of(conn, &ids)?)
}

/// Every department, by code.
pub fn list_departments(conn: &mut DbConn) -> Result<Vec<Department>, AppError> {
    Ok(model::list_departments(conn)?)
}

/// One department, or 404.
pub fn find_department(conn: &mut DbConn, id: i64) -> Result<Department, AppError> {
    Ok(model::find_department(conn, id)?)
}

/// Department names by id, for lists and exports.
pub fn department_names(conn: &mut DbConn) -> Result<HashMap<i64, String>, AppError> {
    Ok(list_departments(conn)?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect())
}

/// The active holders of a role, as `(id, display name, login)` by name: the
/// people a form offers for a task only that role performs.
pub fn active_with_role(
    conn: &mut DbConn,
    role: Role,
) -> Result<Vec<(i64, String, String)>, AppError> {
    Ok(model::active_with_role(conn, role)?)
}

/// Active users among the first `limit` of the user list, `(id, display name,
/// login)`: the people a form offers to choose from.
pub fn active_users(conn: &mut DbConn, limit: i64) -> Result<Vec<(i64, String, String)>, AppError> {
    let (users, _) = model::list_users(conn, 0, limit)?;
    Ok(users
        .into_iter()
        .filter(|u| u.active)
        .map(|u| (u.id, u.display_name, u.username))
        .collect())
}
