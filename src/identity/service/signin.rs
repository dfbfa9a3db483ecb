//! Signing in (with lockout, 第11条, and the same answers for names that
//! belong to nobody), and changing one's own password (第17条), where a wrong
//! current password counts toward the lock.

use super::sessions::{begin_session, principal_of};
use crate::audit::{self, Actor};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::error::Failure;
use crate::identity::Principal;
use crate::identity::model::{self, User};
use crate::identity::password;
use crate::identity::rules;
use crate::identity::service::passwords::{check_new_password, weak_password};
use crate::identity::session::{Claims, SessionKeys};
use serde_json::json;

pub struct LoginOutcome {
    pub token: String,
    pub claims: Claims,
    pub password_change_required: bool,
    pub principal: Principal,
}

fn invalid_credentials() -> AppError {
    AppError::new(
        Failure::Unauthorized,
        "invalid_credentials",
        "利用者IDまたはパスワードが正しくありません。",
    )
}

fn account_locked() -> AppError {
    AppError::new(
        Failure::Locked,
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
        return Err(unknown_name(
            conn,
            username,
            name.as_deref(),
            password_text,
            now,
        )?);
    };
    let actor = Actor {
        id: Some(user.id),
        name: user.username.clone(),
    };
    if rules::is_locked(user.locked_until, now) {
        // The hash runs here too: a locked account answers no faster than any other.
        password::verify(password_text, &user.password_hash);
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
        begin_session(conn, keys, &claims, now)?;
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

/// A sign-in under a name that belongs to no account: it costs the same hash,
/// is counted and locks exactly as a real account's would, and gets the same
/// answer, so that no sequence of answers tells which names exist.
fn unknown_name(
    conn: &mut DbConn,
    username: &str,
    normalized: Option<&str>,
    password_text: &str,
    now: chrono::NaiveDateTime,
) -> Result<AppError, AppError> {
    password::verify(password_text, password::decoy_hash());
    let attempted: String = username
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    let key = normalized.map_or_else(|| attempted.to_lowercase(), str::to_owned);
    db::write_tx(conn, |conn| {
        let (failed_before, locked_until) = model::unknown_name_failures(conn, &key)?;
        if rules::is_locked(locked_until, now) {
            audit::record(
                conn,
                &Actor::system("login"),
                "auth.login_refused",
                "user",
                &attempted,
                json!({ "reason": "unknown_user_locked" }),
            )?;
            return Ok(account_locked());
        }
        let (failed, lock) = rules::after_failure(failed_before, now);
        model::record_unknown_name_failure(conn, &key, failed, lock, now)?;
        audit::record(
            conn,
            &Actor::system("login"),
            "auth.login_failed",
            "user",
            &attempted,
            json!({ "reason": "unknown_user", "failed_logins": failed_before + 1, "locked": lock.is_some() }),
        )?;
        Ok(if lock.is_some() {
            account_locked()
        } else {
            invalid_credentials()
        })
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
    let now = db::now();
    if rules::is_locked(user.locked_until, now) {
        return Err(account_locked());
    }
    if !password::verify(current, &user.password_hash) {
        return Err(wrong_current_password(conn, &user, now)?);
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

/// A wrong current password counts toward the lock as a failed sign-in does
/// (a session left open must not become a way to guess the password); the
/// lock also ends the user's sessions.
fn wrong_current_password(
    conn: &mut DbConn,
    user: &User,
    now: chrono::NaiveDateTime,
) -> Result<AppError, AppError> {
    let locked = db::write_tx(conn, |conn| -> Result<bool, AppError> {
        let fresh = model::find_user(conn, user.id)?;
        let (failed, lock) = rules::after_failure(fresh.failed_logins, now);
        model::record_failure(conn, user.id, failed, lock.or(fresh.locked_until))?;
        if lock.is_some() {
            model::bump_session_version(conn, user.id)?;
        }
        audit::record(
            conn,
            &Actor {
                id: Some(user.id),
                name: user.username.clone(),
            },
            "user.password_change_failed",
            "user",
            &user.id.to_string(),
            json!({ "reason": "wrong_current_password", "failed_logins": fresh.failed_logins + 1, "locked": lock.is_some() }),
        )?;
        Ok(lock.is_some())
    })?;
    Ok(if locked {
        account_locked()
    } else {
        AppError::invalid("current_password", "現在のパスワードが正しくありません。")
            .with_code("wrong_current_password")
    })
}
