//! The password policy as the services apply it (第11条): the rules of
//! [`rules::check_password`], and no return of one of the last
//! [`rules::PASSWORD_HISTORY`] passwords (the admin-set initial one included).

use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::model::{self, User};
use crate::identity::password;
use crate::identity::rules::{self, PasswordContext};

/// A new password for an existing user (their own change, or an admin's reset).
pub(crate) fn check_new_password(
    conn: &mut DbConn,
    user: &User,
    password_text: &str,
    field: &str,
) -> Result<(), AppError> {
    let ctx = PasswordContext {
        username: &user.username,
        display_name: &user.display_name,
        staff_number: user.staff_number.as_deref(),
        birth_date: user.birth_date,
    };
    check_policy_in(&ctx, password_text, field)?;
    // Every stored hash is checked, even after a match, so that the answer
    // takes as long whichever of them matched.
    let reused = model::recent_password_hashes(conn, user.id)?
        .iter()
        .fold(false, |found, hash| {
            password::verify(password_text, hash) | found
        });
    if reused {
        return Err(weak_password(
            field,
            "最近使ったパスワード（直近5回分、管理者が設定した初期パスワードを含む）は使えません。",
        ));
    }
    Ok(())
}

/// The rules alone, for a user who has no history yet (being created).
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
