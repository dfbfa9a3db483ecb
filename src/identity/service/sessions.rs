//! Sessions: starting one (its row, for the idle limit), turning a session
//! token back into a principal, recording its use, and signing out.

use crate::audit;
use crate::db::changes::Memo;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::model::{self, User};
use crate::identity::session::{Claims, SessionKeys};
use crate::identity::{Principal, Role};
use serde_json::json;
use std::sync::Arc;

/// How long an unknown name's failures are remembered once it stops being tried.
const FORGET_UNKNOWN_NAMES_AFTER_DAYS: i64 = 1;

/// Records a new session (its idle clock starts now) and forgets sessions whose
/// tokens have expired.
pub(super) fn begin_session(
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
