//! Signing in (with lockout, 第11条), password changes and expiry (第17条),
//! and turning a session token back into a principal.

use crate::audit::{self, Actor};
use crate::config::Settings;
use crate::db::changes::Memo;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::model::{self, User};
use crate::identity::password;
use crate::identity::rules;
use crate::identity::service::passwords::{check_new_password, weak_password};
use crate::identity::session::{Claims, SessionKeys};
use crate::identity::{Principal, Role};
use actix_web::http::StatusCode;
use serde_json::json;
use std::sync::Arc;

pub struct LoginOutcome {
    pub token: String,
    pub claims: Claims,
    pub password_change_required: bool,
    pub principal: Principal,
}

fn invalid_credentials() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "利用者IDまたはパスワードが正しくありません。",
    )
}

fn account_locked() -> AppError {
    AppError::new(
        StatusCode::LOCKED,
        "account_locked",
        format!(
            "ログインに続けて失敗したため、アカウントを{}分間ロックしています。",
            rules::LOCKOUT_MINUTES
        ),
    )
}

/// Checks a name and password. The slow hash check runs before the write
/// transaction so that it never holds the database's write lock.
pub fn login(
    conn: &mut DbConn,
    keys: &SessionKeys,
    settings: &Settings,
    username: &str,
    password_text: &str,
) -> Result<LoginOutcome, AppError> {
    let now = db::now();
    let name = rules::normalize_username(username).ok();
    let user = match &name {
        Some(name) => model::find_user_by_name(conn, name)?,
        None => None,
    };
    let Some(user) = user else {
        password::verify(password_text, password::decoy_hash());
        let attempted: String = username
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        db::write_tx(conn, |conn| {
            audit::record(
                conn,
                &Actor::system("login"),
                "auth.login_failed",
                "user",
                &attempted,
                json!({ "reason": "unknown_user" }),
            )
        })?;
        return Err(invalid_credentials());
    };
    let actor = Actor {
        id: Some(user.id),
        name: user.username.clone(),
    };
    if rules::is_locked(user.locked_until, now) {
        db::write_tx(conn, |conn| {
            audit::record(
                conn,
                &actor,
                "auth.login_refused",
                "user",
                &user.id.to_string(),
                json!({ "reason": "locked" }),
            )
        })?;
        return Err(account_locked());
    }
    let matches = password::verify(password_text, &user.password_hash);
    if !matches || !user.active {
        let reason = if matches {
            "inactive"
        } else {
            "wrong_password"
        };
        let locked = db::write_tx(conn, |conn| -> Result<bool, AppError> {
            // Re-read inside the transaction: concurrent failures must all count.
            let fresh = model::find_user(conn, user.id)?;
            let (failed, lock) = rules::after_failure(fresh.failed_logins, now);
            model::record_failure(conn, user.id, failed, lock.or(fresh.locked_until))?;
            audit::record(
                conn,
                &actor,
                "auth.login_failed",
                "user",
                &user.id.to_string(),
                json!({ "reason": reason, "failed_logins": fresh.failed_logins + 1, "locked": lock.is_some() }),
            )?;
            Ok(lock.is_some())
        })?;
        return Err(if locked {
            account_locked()
        } else {
            invalid_credentials()
        });
    }
    let expired = rules::password_expired(
        user.password_changed_at,
        now,
        settings.password_max_age_days,
    );
    let change_required = user.must_change_password || expired;
    let (token, claims) = keys
        .issue(user.id, user.session_version, change_required)
        .map_err(AppError::internal)?;
    let principal = db::write_tx(conn, |conn| -> Result<Principal, AppError> {
        model::record_success(conn, user.id)?;
        audit::record(
            conn,
            &actor,
            "auth.login",
            "user",
            &user.id.to_string(),
            json!({ "password_change_required": change_required, "password_expired": expired, "session": claims.jti }),
        )?;
        principal_of(conn, &user)
    })?;
    Ok(LoginOutcome {
        token,
        claims,
        password_change_required: change_required,
        principal,
    })
}

pub(crate) fn principal_of(conn: &mut DbConn, user: &User) -> Result<Principal, AppError> {
    Ok(principal_with(user, model::roles_of(conn, user.id)?))
}

fn principal_with(user: &User, roles: Vec<Role>) -> Principal {
    Principal {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        roles,
        department_id: user.department_id,
    }
}

/// A session as the extractors see it.
pub struct Authenticated {
    pub principal: Principal,
    pub claims: Claims,
    /// Until the password is changed, only the change itself is allowed.
    pub password_change_only: bool,
}

/// Users with their roles as a session check read them, for a hot path that
/// may answer from memory (the gate; see [`crate::db::changes`]).
pub type RememberedUsers = Memo<i64, Arc<(User, Vec<Role>)>>;

/// The principal behind a token, or `None` when the token is invalid, expired,
/// or outdated by a password change, a role change or deactivation.
pub fn authenticate(
    conn: &mut DbConn,
    keys: &SessionKeys,
    token: &str,
) -> Result<Option<Authenticated>, AppError> {
    authenticate_remembering(conn, keys, token, None)
}

/// As [`authenticate`]; the user read is remembered in `users` at
/// `generation` (taken before the read) for [`authenticate_remembered`].
pub fn authenticate_remembering(
    conn: &mut DbConn,
    keys: &SessionKeys,
    token: &str,
    users: Option<(&RememberedUsers, u64)>,
) -> Result<Option<Authenticated>, AppError> {
    let Some(claims) = keys.verify(token) else {
        return Ok(None);
    };
    let Some(found) = model::find_user_with_roles(conn, claims.sub)? else {
        return Ok(None);
    };
    let found = Arc::new(found);
    if let Some((users, generation)) = users {
        users.put(generation, claims.sub, found.clone());
    }
    Ok(session_of(claims, &found))
}

/// As [`authenticate`] from memory alone: `None` when the token's user is
/// not remembered at `generation` and the database must be asked.
pub fn authenticate_remembered(
    keys: &SessionKeys,
    token: &str,
    users: &RememberedUsers,
    generation: u64,
) -> Option<Option<Authenticated>> {
    let Some(claims) = keys.verify(token) else {
        return Some(None);
    };
    let found = users.get(generation, &claims.sub)?;
    Some(session_of(claims, &found))
}

fn session_of(claims: Claims, (user, roles): &(User, Vec<Role>)) -> Option<Authenticated> {
    if !user.active || user.session_version != claims.sv {
        return None;
    }
    let password_change_only = claims.pco || user.must_change_password;
    Some(Authenticated {
        principal: principal_with(user, roles.clone()),
        claims,
        password_change_only,
    })
}

/// The signed-in user changes their own password. Every other session ends.
pub fn change_password(
    conn: &mut DbConn,
    user_id: i64,
    current: &str,
    new_password: &str,
) -> Result<User, AppError> {
    let user = model::find_user(conn, user_id)?;
    if !password::verify(current, &user.password_hash) {
        return Err(
            AppError::invalid("current_password", "現在のパスワードが正しくありません。")
                .with_code("wrong_current_password"),
        );
    }
    if current == new_password {
        return Err(weak_password(
            "new_password",
            "新しいパスワードは現在のものと別にしてください。",
        ));
    }
    check_new_password(conn, &user, new_password, "new_password")?;
    let hash = password::hash(new_password).map_err(AppError::internal)?;
    db::write_tx(conn, |conn| {
        let updated = model::set_password(conn, user.id, &hash, false, db::now())?;
        audit::record(
            conn,
            &Actor {
                id: Some(user.id),
                name: user.username.clone(),
            },
            "user.password_change",
            "user",
            &user.id.to_string(),
            json!({}),
        )?;
        Ok(updated)
    })
}

/// Signs out: every session of the user ends (tokens cannot be recalled one by one).
pub fn logout(conn: &mut DbConn, principal: &Principal, session: &str) -> Result<(), AppError> {
    db::write_tx(conn, |conn| {
        model::bump_session_version(conn, principal.id)?;
        audit::record(
            conn,
            &principal.actor(),
            "auth.logout",
            "user",
            &principal.id.to_string(),
            json!({ "session": session }),
        )?;
        Ok(())
    })
}
