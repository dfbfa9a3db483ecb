//! What every page shares: the title, who is signed in, the menu for their
//! roles, and the CSRF token the forms carry.

use crate::error::AppError;
use crate::identity::Principal;
use crate::identity::Role;
use crate::web::PageError;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

pub struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub role_labels: String,
    pub csrf: String,
    pub nav: Vec<NavLink>,
    /// Warnings raised now that concern this user, shown in red on every page.
    pub alarms: Vec<&'static str>,
}

/// A warning every page shows, while its flag is raised, to the roles it
/// concerns. The flag is raised and lowered by whoever watches the condition
/// (`app` hands the flag to it), so the layout knows no area.
struct Alarm {
    text: &'static str,
    roles: &'static [Role],
    raised: Arc<AtomicBool>,
}

#[derive(Default)]
pub struct Alarms(Vec<Alarm>);

impl Alarms {
    /// Adds a warning; returns the flag that raises it.
    pub fn add(&mut self, text: &'static str, roles: &'static [Role]) -> Arc<AtomicBool> {
        let raised = Arc::new(AtomicBool::new(false));
        self.0.push(Alarm {
            text,
            roles,
            raised: raised.clone(),
        });
        raised
    }

    /// The raised warnings that concern `p`.
    pub fn raised_for(&self, p: &Principal) -> Vec<&'static str> {
        self.0
            .iter()
            .filter(|a| a.raised.load(Ordering::Relaxed) && p.has_any(a.roles))
            .map(|a| a.text)
            .collect()
    }
}

/// One area's entries in the menu, for the principal's roles.
pub type MenuSection = fn(&Principal, &mut Vec<NavLink>);

/// The menu's sections in the order of the standard's articles, handed over
/// once by `app` at start, so the layout shows every area without knowing any.
static MENU: OnceLock<Vec<MenuSection>> = OnceLock::new();

/// Sets the menu; the first call wins (every server in a process builds the same).
pub fn set_menu(sections: Vec<MenuSection>) {
    let _ = MENU.set(sections);
}

/// The menu: home, each area the principal's roles reach, the password change.
fn nav_for(p: &Principal) -> Vec<NavLink> {
    let mut nav = vec![NavLink {
        href: "/",
        label: "ホーム",
    }];
    for section in MENU.get().map(Vec::as_slice).unwrap_or_default() {
        section(p, &mut nav);
    }
    nav.push(NavLink {
        href: "/password",
        label: "パスワード変更",
    });
    nav
}

impl Layout {
    pub fn anonymous(title: &str) -> Layout {
        Layout {
            title: title.to_owned(),
            user_name: None,
            role_labels: String::new(),
            csrf: String::new(),
            nav: vec![],
            alarms: vec![],
        }
    }

    pub fn signed_in(title: &str, p: &Principal, csrf: &str) -> Layout {
        Layout {
            title: title.to_owned(),
            user_name: Some(p.display_name.clone()),
            role_labels: p
                .roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("・"),
            csrf: csrf.to_owned(),
            nav: nav_for(p),
            alarms: vec![],
        }
    }
}

/// Renders a page with a status (422 when a form comes back with errors).
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
    let html = page
        .render()
        .map_err(|e| PageError::App(AppError::internal(format!("template: {e}"))))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, to))
        .finish()
}

/// The cookie that carries what was just done to the next page (issue 13 item 12).
pub const NOTICE_COOKIE: &str = "daicho_notice";

/// After a successful action: go to `to`, where the page says what was done
/// (`notice`, e.g. 「機器 SRV-001 を登録しました。」) in its status region.
/// The text rides in a short-lived cookie, so the address stays clean and a
/// reload does not repeat it; app.js shows it and clears the cookie.
pub fn done(to: &str, notice: &str) -> HttpResponse {
    let cookie = actix_web::cookie::Cookie::build(NOTICE_COOKIE, super::percent_encode(notice))
        .path("/")
        .max_age(actix_web::cookie::time::Duration::seconds(60))
        .same_site(actix_web::cookie::SameSite::Strict)
        .finish();
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, to))
        .cookie(cookie)
        .finish()
}
