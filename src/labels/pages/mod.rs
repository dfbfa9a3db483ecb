//! Pages: `/e/{tag}` (what a scanned label opens, phone-sized) and `/labels` (A4 label sheets).

mod device_card;
mod sheet_print;

use crate::identity::{Principal, Role};
use crate::web::layout::NavLink;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(device_card::equipment_card)
        .service(device_card::equipment_card_scan)
        .service(sheet_print::label_sheet);
}

/// ラベル印刷 for those who print labels.
pub fn nav(principal: &Principal, nav: &mut Vec<NavLink>) {
    if principal.has_any(&[Role::Admin, Role::SecurityManager, Role::Operator]) {
        nav.push(NavLink {
            href: "/labels",
            label: "ラベル印刷",
        });
    }
}
