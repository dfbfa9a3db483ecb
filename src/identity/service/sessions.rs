//! Signing in (with lockout, 第11条), password changes and expiry (第17条),
//! and turning a session token back into a principal.

use crate::audit::{self, Actor};
use crate::config::Settings;
use crate::db::changes::Memo;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::model::{self, User};
use crate::identity::password;
use crate::identity::rules::{self, PasswordContext};
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

/// How long an unknown name's failures are remembered once it stops being tried.
const FORGET_UNKNOWN_NAMES_AFTER_DAYS: i64 = 1;

/// Records a new session (its idle clock starts now) and forgets sessions whose
/// tokens have expired.
fn begin_session(
    conn: &mut DbConn,
    keys: &SessionKeys,
    claims: &Claims,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    model::forget_sessions_before(
        conn,
        now - chrono::TimeDelta::minutes(keys.lifetime_minutes()),
    )?;
    model::forget_unknown_names_before(
        conn,
        now - chrono::TimeDelta::days(FORGET_UNKNOWN_NAMES_AFTER_DAYS),
    )?;
    model::insert_session(conn, &claims.jti, claims.sub, now)?;
    keys.saw_use(&claims.jti, now);
    Ok(())
}

/// A fresh session for a user who just proved who they are (after a password
/// change ended the others): the token, with its session recorded.
pub fn start_session(
    conn: &mut DbConn,
    keys: &SessionKeys,
    user: &User,
) -> Result<String, AppError> {
    let (token, claims) = keys
        .issue(user.id, user.session_version, false)
        .map_err(AppError::internal)?;
    db::write_tx(conn, |conn| begin_session(conn, keys, &claims, db::now()))?;
    Ok(token)
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
    /// This use of the session is yet to be written down ([`record_use`]).
    pub use_to_record: bool,
}

/// Users with their roles as a session check read them, for a hot path that
/// may answer from memory (the gate; see [`crate::db::changes`]).
pub type RememberedUsers = Memo<i64, Arc<(User, Vec<Role>)>>;

/// The principal behind a token, or `None` when the token is invalid, expired,
/// idle past the limit, or outdated by a password change, a role change or
/// deactivation. Records the use when it is due.
pub fn authenticate(
    conn: &mut DbConn,
    keys: &SessionKeys,
    token: &str,
) -> Result<Option<Authenticated>, AppError> {
    let session = authenticate_remembering(conn, keys, token, None)?;
    if let Some(auth) = &session {
        record_use(conn, keys, auth)?;
    }
    Ok(session)
}

/// As [`authenticate`] without writing anything (it may run inside a read
/// transaction): the caller calls [`record_use`] afterwards. The user read is
/// remembered in `users` at `generation` (taken before the read) for
/// [`authenticate_remembered`].
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
    let Some(mut auth) = session_of(claims, &found) else {
        return Ok(None);
    };
    let now = db::now();
    let Some(last_used) = model::session_last_seen(conn, &auth.claims.jti)? else {
        return Ok(None);
    };
    if now - last_used > keys.idle() {
        return Ok(None);
    }
    auth.use_to_record = now - last_used >= keys.touch_every();
    if !auth.use_to_record {
        keys.saw_use(&auth.claims.jti, last_used);
    }
    Ok(Some(auth))
}

/// Writes down that the session is in use, when [`authenticate_remembering`]
/// said it is due. Not audited: a use changes no record, and the session's
/// start and end are.
pub fn record_use(
    conn: &mut DbConn,
    keys: &SessionKeys,
    auth: &Authenticated,
) -> Result<(), AppError> {
    if auth.use_to_record {
        let now = db::now();
        model::touch_session(conn, &auth.claims.jti, now)?;
        keys.saw_use(&auth.claims.jti, now);
    }
    Ok(())
}

/// As [`authenticate`] from memory alone: `None` when the token's user is
/// not remembered at `generation`, or this instance has not seen the session
/// in use lately, and the database must be asked.
pub fn authenticate_remembered(
    keys: &SessionKeys,
    token: &str,
    users: &RememberedUsers,
    generation: u64,
) -> Option<Option<Authenticated>> {
    let Some(claims) = keys.verify(token) else {
        return Some(None);
    };
    if !keys.recently_used(&claims.jti, db::now()) {
        return None;
    }
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
        use_to_record: false,
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
    check_policy(&user, new_password, "new_password")?;
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

pub(crate) fn check_policy(user: &User, password_text: &str, field: &str) -> Result<(), AppError> {
    let ctx = PasswordContext {
        username: &user.username,
        staff_number: user.staff_number.as_deref(),
        birth_date: user.birth_date,
    };
    check_policy_in(&ctx, password_text, field)
}

pub(crate) fn check_policy_in(
    ctx: &PasswordContext<'_>,
    password_text: &str,
    field: &str,
) -> Result<(), AppError> {
    rules::check_password(password_text, ctx).map_err(|weak| weak_password(field, weak.message))
}

/// 422 `weak_password`: the message says why, beside the field it concerns.
pub(crate) fn weak_password(field: &str, message: &'static str) -> AppError {
    let mut err = AppError::invalid(field, message).with_code("weak_password");
    err.message = message.to_owned();
    err
}

/// Signs out: every session of the user ends (tokens cannot be recalled one by one).
pub fn logout(conn: &mut DbConn, principal: &Principal, session: &str) -> Result<(), AppError> {
    db::write_tx(conn, |conn| {
        model::bump_session_version(conn, principal.id)?;
        model::delete_session(conn, session)?;
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
