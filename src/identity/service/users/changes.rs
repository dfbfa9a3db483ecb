//! Changing users: registering, editing (roles, department, deactivation),
//! the admin's password reset, and the first admin at start-up.

use super::UserView;
use crate::audit::{self, Actor};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::identity::model::{self, NewUser, UserChanges};
use crate::identity::password;
use crate::identity::rules::{self, PasswordContext, Role};
use crate::identity::service::passwords::{check_new_password, check_policy_in};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
    pub department_id: Option<i64>,
    pub staff_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub roles: Option<Vec<Role>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<i64>)]
    pub department_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub staff_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birth_date: Option<Option<NaiveDate>>,
    pub active: Option<bool>,
}

fn clean_staff_number(input: Option<&str>) -> Result<Option<String>, String> {
    let number = crate::kit::text::clean_optional(input, 32)?;
    if let Some(n) = &number
        && !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err("職員番号は半角英数字で入力してください。".into());
    }
    Ok(number)
}

fn check_birth_date(date: Option<NaiveDate>) -> Result<(), String> {
    match date {
        Some(d)
            if d >= db::now().date() || d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) =>
        {
            Err("生年月日が正しくありません。".into())
        }
        _ => Ok(()),
    }
}

/// Validates a new user's fields, gathering every fault, and hashes the password.
fn prepare(input: &NewUserInput) -> Result<(String, String, Option<String>, String), AppError> {
    let mut errors = BTreeMap::new();
    let username = rules::normalize_username(&input.username)
        .map_err(|e| errors.insert("username".into(), e.to_string()))
        .ok();
    let display_name = crate::kit::text::clean_name(&input.display_name, 100)
        .map_err(|e| errors.insert("display_name".into(), e))
        .ok();
    let staff_number = clean_staff_number(input.staff_number.as_deref())
        .map_err(|e| errors.insert("staff_number".into(), e))
        .ok();
    if let Err(e) = check_birth_date(input.birth_date) {
        errors.insert("birth_date".into(), e);
    }
    if input.roles.is_empty() {
        errors.insert("roles".into(), "役割を1つ以上選んでください。".into());
    }
    if let Some(err) = AppError::invalid_fields(errors) {
        return Err(err);
    }
    let (username, display_name, staff_number) = (
        username.unwrap_or_default(),
        display_name.unwrap_or_default(),
        staff_number.unwrap_or_default(),
    );
    let ctx = PasswordContext {
        username: &username,
        display_name: &display_name,
        staff_number: staff_number.as_deref(),
        birth_date: input.birth_date,
    };
    check_policy_in(&ctx, &input.password, "password")?;
    let hash = password::hash(&input.password).map_err(AppError::internal)?;
    Ok((username, display_name, staff_number, hash))
}

/// An admin registers a user. The password is the admin's choice, so the user must change it at first login.
pub fn create_user(
    conn: &mut DbConn,
    by: &Principal,
    input: &NewUserInput,
) -> Result<UserView, AppError> {
    by.require_any(&[Role::Admin])?;
    insert_user(conn, &by.actor(), input, true)
}

/// `daicho user add` and first start: no signed-in admin, the system acts.
pub fn create_user_as_system(
    conn: &mut DbConn,
    input: &NewUserInput,
    must_change: bool,
) -> Result<UserView, AppError> {
    insert_user(conn, &Actor::system("cli"), input, must_change)
}

fn insert_user(
    conn: &mut DbConn,
    actor: &Actor,
    input: &NewUserInput,
    must_change: bool,
) -> Result<UserView, AppError> {
    let (username, display_name, staff_number, hash) = prepare(input)?;
    let mut roles = input.roles.clone();
    roles.sort();
    roles.dedup();
    db::write_tx(conn, |conn| {
        if model::find_user_by_name(conn, &username)?.is_some() {
            return Err(AppError::conflict(
                "duplicate_username",
                format!("利用者ID {username} は既に使われています。"),
            ));
        }
        if let Some(dept) = input.department_id {
            ensure_department(conn, dept)?;
        }
        let now = db::now();
        let user = model::insert_user(
            conn,
            &NewUser {
                username: &username,
                display_name: &display_name,
                password_hash: &hash,
                department_id: input.department_id,
                staff_number: staff_number.as_deref(),
                birth_date: input.birth_date,
                active: true,
                must_change_password: must_change,
                password_changed_at: now,
                failed_logins: 0,
                session_version: 1,
                created_at: now,
                updated_at: now,
            },
        )?;
        model::set_roles(conn, user.id, &roles)?;
        audit::record(
            conn,
            actor,
            "user.create",
            "user",
            &user.id.to_string(),
            json!({
                "username": user.username,
                "display_name": user.display_name,
                "roles": roles,
                "department_id": user.department_id,
                "staff_number": user.staff_number,
                "must_change_password": must_change,
            }),
        )?;
        Ok(UserView::of(user, roles.clone()))
    })
}

fn ensure_department(conn: &mut DbConn, id: i64) -> Result<(), AppError> {
    match model::find_department(conn, id) {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::NotFound) => Err(AppError::invalid(
            "department_id",
            "指定された所属がありません。",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Whether any active admin other than `except` remains.
fn another_admin_remains(conn: &mut DbConn, except: i64) -> Result<bool, AppError> {
    let (users, _) = model::list_users(conn, 0, i64::MAX)?;
    let ids: Vec<i64> = users
        .iter()
        .filter(|u| u.active && u.id != except)
        .map(|u| u.id)
        .collect();
    let roles = model::roles_of_many(conn, &ids)?;
    Ok(roles.values().any(|r| r.contains(&Role::Admin)))
}

pub fn update_user(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    patch: &UserPatch,
) -> Result<UserView, AppError> {
    by.require_any(&[Role::Admin])?;
    let mut errors = BTreeMap::new();
    let display_name = match &patch.display_name {
        Some(name) => crate::kit::text::clean_name(name, 100)
            .map_err(|e| errors.insert("display_name".into(), e))
            .ok(),
        None => None,
    };
    let staff_number = match &patch.staff_number {
        Some(number) => clean_staff_number(number.as_deref())
            .map_err(|e| errors.insert("staff_number".into(), e))
            .ok(),
        None => None,
    };
    if let Some(Some(date)) = patch.birth_date
        && let Err(e) = check_birth_date(Some(date))
    {
        errors.insert("birth_date".into(), e);
    }
    if patch.roles.as_ref().is_some_and(Vec::is_empty) {
        errors.insert("roles".into(), "役割を1つ以上選んでください。".into());
    }
    if let Some(err) = AppError::invalid_fields(errors) {
        return Err(err);
    }
    db::write_tx(conn, |conn| {
        let before = model::find_user(conn, id)?;
        let roles_before = model::roles_of(conn, id)?;
        if let Some(Some(dept)) = patch.department_id {
            ensure_department(conn, dept)?;
        }
        let mut roles_after = patch.roles.clone().unwrap_or_else(|| roles_before.clone());
        roles_after.sort();
        roles_after.dedup();
        let active_after = patch.active.unwrap_or(before.active);
        let loses_admin = roles_before.contains(&Role::Admin)
            && (!roles_after.contains(&Role::Admin) || !active_after);
        if loses_admin && before.active && !another_admin_remains(conn, id)? {
            return Err(AppError::conflict(
                "last_admin",
                "有効なシステム管理者が1人もいなくなるため変更できません。",
            ));
        }
        let changes = UserChanges {
            display_name: display_name.clone(),
            department_id: patch.department_id,
            staff_number: staff_number.clone(),
            birth_date: patch.birth_date,
            active: patch.active,
            updated_at: Some(db::now()),
        };
        let after = model::update_user(conn, id, &changes)?;
        let roles_changed = roles_after != roles_before;
        if roles_changed {
            model::set_roles(conn, id, &roles_after)?;
        }
        if roles_changed || (before.active && !after.active) {
            model::bump_session_version(conn, id)?;
        }
        let still_manager = after.active && roles_after.contains(&Role::SecurityManager);
        if !still_manager {
            let reason = if after.active {
                "role_removed"
            } else {
                "deactivated"
            };
            for zone in model::drop_zone_management(conn, id)? {
                audit::record(
                    conn,
                    &by.actor(),
                    "zone.manager_removed",
                    "zone",
                    &zone.to_string(),
                    json!({ "user_id": id, "reason": reason }),
                )?;
            }
        }
        audit::record(
            conn,
            &by.actor(),
            "user.update",
            "user",
            &id.to_string(),
            json!({
                "before": {
                    "display_name": before.display_name, "roles": roles_before, "department_id": before.department_id,
                    "staff_number": before.staff_number, "active": before.active,
                },
                "after": {
                    "display_name": after.display_name, "roles": roles_after, "department_id": after.department_id,
                    "staff_number": after.staff_number, "active": after.active,
                },
            }),
        )?;
        Ok(UserView::of(after, roles_after))
    })
}

/// An admin sets a new password; the user must change it at the next login.
pub fn reset_password(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    password_text: &str,
) -> Result<UserView, AppError> {
    by.require_any(&[Role::Admin])?;
    let user = model::find_user(conn, id)?;
    check_new_password(conn, &user, password_text, "password")?;
    let hash = password::hash(password_text).map_err(AppError::internal)?;
    db::write_tx(conn, |conn| {
        let updated = model::set_password(conn, id, &hash, true, db::now())?;
        audit::record(
            conn,
            &by.actor(),
            "user.password_reset",
            "user",
            &id.to_string(),
            json!({}),
        )?;
        let roles = model::roles_of(conn, id)?;
        Ok(UserView::of(updated, roles))
    })
}

/// On an empty database, creates `admin`. Returns the generated password when
/// none was configured; it is shown once. Either way it must be changed at
/// first login: `DAICHO_ADMIN_PASSWORD` sits in a unit file or a shell history.
pub fn bootstrap_admin(conn: &mut DbConn, settings: &Settings) -> Result<Option<String>, AppError> {
    // Counted inside the write transaction: of instances starting together
    // on an empty database, the first creates the admin and the others,
    // waiting on the chain head, then find it there.
    db::write_tx(conn, |conn| {
        if model::count_users(conn)? > 0 {
            return Ok(None);
        }
        create_first_admin(conn, settings)
    })
}

fn create_first_admin(conn: &mut DbConn, settings: &Settings) -> Result<Option<String>, AppError> {
    let (password_text, generated) = match &settings.admin_password {
        Some(p) => (p.clone(), false),
        None => (password::random_password(), true),
    };
    let input = NewUserInput {
        username: "admin".into(),
        display_name: "システム管理者".into(),
        password: password_text.clone(),
        roles: vec![Role::Admin],
        department_id: None,
        staff_number: None,
        birth_date: None,
    };
    insert_user(conn, &Actor::system("bootstrap"), &input, true).map_err(|e| {
        AppError::bad_request(
            "bad_admin_password",
            format!("DAICHO_ADMIN_PASSWORD is not acceptable: {}", e.message),
        )
    })?;
    Ok(generated.then_some(password_text))
}
