//! Register pages.

mod movements;

use crate::identity::{Principal, Role};
use crate::web::layout::NavLink;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    movements::routes(cfg);
}

/// This area's entries in the menu, for the principal's roles.
pub fn nav(principal: &Principal, nav: &mut Vec<NavLink>) {
    if principal.has_any(&[
        Role::Staff,
        Role::Operator,
        Role::SecurityManager,
        Role::Admin,
        Role::Auditor,
        Role::Guard,
    ]) {
        nav.push(NavLink {
            href: "/movements",
            label: "持出・持込",
        });
    }
}
