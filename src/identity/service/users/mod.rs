//! Managing users (第17条: individual IDs, registered and changed promptly; 第18条: few admins):
//! reading them here, changing them in `changes`.

mod changes;

pub use changes::{
    NewUserInput, UserPatch, bootstrap_admin, create_user, create_user_as_system, reset_password,
    update_user,
};

use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::identity::model::{self, User};
use crate::identity::rules::{self, Role};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// A user as the API and pages show it: never the password hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub department_id: Option<i64>,
    pub staff_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub active: bool,
    pub password_change_required: bool,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub password_changed_at: NaiveDateTime,
    pub locked: bool,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

impl UserView {
    fn of(user: User, roles: Vec<Role>) -> UserView {
        UserView {
            locked: rules::is_locked(user.locked_until, db::now()),
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            roles,
            department_id: user.department_id,
            staff_number: user.staff_number,
            birth_date: user.birth_date,
            active: user.active,
            password_change_required: user.must_change_password,
            password_changed_at: user.password_changed_at,
            created_at: user.created_at,
        }
    }
}

/// Who may see the list of users: those who manage them, audit them, or pick managers from them.
const USER_READERS: &[Role] = &[Role::Admin, Role::Auditor, Role::SecurityManager];

pub fn list_users(
    conn: &mut DbConn,
    by: &Principal,
    offset: i64,
    limit: i64,
) -> Result<(Vec<UserView>, i64), AppError> {
    by.require_any(USER_READERS)?;
    let (users, total) = model::list_users(conn, offset, limit)?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut roles = model::roles_of_many(conn, &ids)?;
    let views = users
        .into_iter()
        .map(|u| {
            let r = roles.remove(&u.id).unwrap_or_default();
            UserView::of(u, r)
        })
        .collect();
    Ok((views, total))
}

pub fn get_user(conn: &mut DbConn, by: &Principal, id: i64) -> Result<UserView, AppError> {
    if by.id != id {
        by.require_any(USER_READERS)?;
    }
    let user = model::find_user(conn, id)?;
    let roles = model::roles_of(conn, id)?;
    Ok(UserView::of(user, roles))
}
