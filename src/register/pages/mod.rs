//! Register pages: 機器台帳 (list, detail with history, create/edit, disposal)
//! and 管理区域 (list, create/edit for admins).

mod equipment;
mod movements;
mod zones;

use crate::identity::Principal;
use crate::web::layout::NavLink;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Literal paths (`/equipment/new`, `/equipment/export.csv`) before `/equipment/{tag}`.
    equipment::routes(cfg);
    zones::routes(cfg);
    movements::routes(cfg);
    super::stocktake::pages::routes(cfg);
}

/// This area's entries in the menu, for the principal's roles.
pub fn nav(_principal: &Principal, nav: &mut Vec<NavLink>) {
    nav.push(NavLink {
        href: "/equipment",
        label: "機器台帳",
    });
    nav.push(NavLink {
        href: "/zones",
        label: "管理区域",
    });
    nav.push(NavLink {
        href: "/movements",
        label: "持出・持込",
    });
}

/// A select option.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl ToString, current: &str) -> Choice {
        let value = value.to_string();
        Choice {
            selected: value == current,
            value,
            label: label.to_string(),
        }
    }
}
