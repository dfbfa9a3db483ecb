//! Power pages: 電源保護状況 (coverage at a glance), the UPS page with its charts, and the
//! UPS record form.
//!
//! This file: the routes, the menu entry, and the status and date labels the pages share.

use super::rules::status_flags;
use super::service::READERS;
use crate::identity::Principal;
use crate::kit::time::wareki_date;
use crate::web::layout::NavLink;
use actix_web::web;
use chrono::NaiveDate;

mod coverage;
mod detail;
mod form;

use coverage::power_page;
use detail::ups_detail_page;
use form::{ups_edit_form, ups_edit_submit};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(power_page)
        .service(ups_detail_page)
        .service(ups_edit_form)
        .service(ups_edit_submit);
}

/// This area's entries in the menu, for the principal's roles.
pub fn nav(principal: &Principal, nav: &mut Vec<NavLink>) {
    if principal.has_any(READERS) {
        nav.push(NavLink {
            href: "/power",
            label: "電源保護",
        });
    }
}

fn label_status(status: Option<&str>) -> String {
    match status {
        None => "—".to_owned(),
        Some("unreachable") => "応答なし".to_owned(),
        Some("stale") => "監視停止中（最新の読み取りが古い）".to_owned(),
        Some(s) => {
            let f = status_flags(s);
            let mut words = Vec::new();
            if f.on_line {
                words.push("商用電源");
            }
            if f.on_battery {
                words.push("バッテリー運転");
            }
            if f.low_battery {
                words.push("残量低下");
            }
            if f.replace_battery {
                words.push("要バッテリー交換");
            }
            if words.is_empty() {
                s.to_owned()
            } else {
                format!("{}（{s}）", words.join("・"))
            }
        }
    }
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(wareki_date).unwrap_or_else(|| "—".to_owned())
}
