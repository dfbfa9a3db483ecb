//! License pages: ライセンス管理 (compliance, ライセンス台帳, CSV for the audit) and
//! ソフトウェア導入 (install requests and the 導入ソフトウェア台帳).

mod catalog;
mod installs;

use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::web::PageError;
use crate::web::layout::NavLink;
use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDate;
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    catalog::routes(cfg);
    installs::routes(cfg);
}

/// This area's entries in the menu, for the principal's roles.
pub fn nav(p: &Principal, nav: &mut Vec<NavLink>) {
    if p.has_any(super::service::READERS) {
        nav.push(NavLink {
            href: "/licenses",
            label: "ライセンス管理",
        });
    }
    if p.has_any(&[
        Role::Admin,
        Role::SecurityManager,
        Role::Operator,
        Role::Auditor,
        Role::Staff,
    ]) {
        nav.push(NavLink {
            href: "/licenses/installs",
            label: "ソフトウェア導入",
        });
    }
}

pub(crate) type Errors = BTreeMap<String, String>;

/// Splits a service error into what a form shows: field messages beside the fields, or one message on top.
pub(crate) fn form_errors(err: AppError) -> Result<(Errors, Option<String>), PageError> {
    match err.status() {
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT | StatusCode::FORBIDDEN => {
            Ok(match err.fields {
                Some(fields) => (fields, None),
                None => (Errors::new(), Some(err.message)),
            })
        }
        _ => Err(err.into()),
    }
}

/// A date typed into a form: blank is absent, otherwise `YYYY-MM-DD`.
pub(crate) fn form_date(errors: &mut Errors, field: &str, value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.insert(
                field.into(),
                crate::kit::time::date_format_message(crate::db::now()),
            );
            None
        }
    }
}

pub(crate) use crate::web::input::form_number;

pub(crate) fn opt(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}
