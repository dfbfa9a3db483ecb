//! Identity pages: ログイン, パスワード変更, 利用者一覧/登録/編集, 所属一覧/登録, and the home page.

mod departments;
mod session;
mod users;

use super::session::COOKIE_NAME;
use crate::error::{AppError, Failure};
use crate::identity::{Principal, Role};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{self, Errors};
use crate::web::layout::NavLink;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    session::routes(cfg);
    users::routes(cfg);
    departments::routes(cfg);
}

/// The menu's people entries: 利用者 and 所属.
pub fn nav(p: &Principal, nav: &mut Vec<NavLink>) {
    if p.has_any(&[Role::Admin, Role::Auditor, Role::SecurityManager]) {
        nav.push(NavLink {
            href: "/users",
            label: "利用者",
        });
    }
    if p.has_any(&[Role::Admin, Role::Auditor]) {
        nav.push(NavLink {
            href: "/departments",
            label: "所属",
        });
    }
}

pub(super) fn session_cookie(state: &WebState, token: &str) -> Cookie<'static> {
    Cookie::build(COOKIE_NAME, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.https)
        .max_age(Duration::minutes(state.keys.lifetime_minutes()))
        .finish()
}

/// Identity's forms show what the person can correct; a refusal (403) is the
/// error page, since nothing on these forms can change who may do what.
pub(super) fn form_errors(err: AppError) -> Result<(Errors, Option<String>), PageError> {
    forms::form_errors_for(err, &[Failure::Invalid, Failure::Conflict])
}
