//! License pages: ライセンス管理 (compliance, ライセンス台帳, CSV for the audit) and
//! ソフトウェア導入 (install requests and the 導入ソフトウェア台帳).

mod catalog;
mod installs;

use crate::identity::{Principal, Role};
use crate::web::layout::NavLink;
use actix_web::web;

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
