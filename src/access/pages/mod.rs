//! Access pages: 入室許可 (request, decide, badge), the guard's gate screen,
//! 在室者 (who is inside now) and the 入退室記録.

mod gate;
mod permits;

use crate::identity::{Principal, Role};
use crate::web::layout::NavLink;
use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    permits::routes(cfg);
    gate::routes(cfg);
}

/// This area's entries in the menu, for the principal's roles.
pub fn nav(p: &Principal, nav: &mut Vec<NavLink>) {
    nav.push(NavLink {
        href: "/permits",
        label: "入室許可",
    });
    if p.has_any(&[Role::Guard, Role::SecurityManager]) {
        nav.push(NavLink {
            href: "/gate",
            label: "入退室ゲート",
        });
    }
    if p.has_any(&[
        Role::Guard,
        Role::SecurityManager,
        Role::Admin,
        Role::Auditor,
    ]) {
        nav.push(NavLink {
            href: "/access/occupancy",
            label: "在室者",
        });
    }
    if p.has_any(&[Role::SecurityManager, Role::Admin, Role::Auditor]) {
        nav.push(NavLink {
            href: "/access/log",
            label: "入退室記録",
        });
    }
}

/// A `datetime-local` value (Tokyo time, no offset) as RFC 3339; other text unchanged.
fn local_input(value: &str) -> String {
    let v = value.trim();
    match v.len() {
        16 if v.as_bytes().get(10) == Some(&b'T') => format!("{v}:00+09:00"),
        19 if v.as_bytes().get(10) == Some(&b'T') => format!("{v}+09:00"),
        _ => v.to_owned(),
    }
}

/// A UTC time as a `datetime-local` value in Tokyo.
fn local_value(utc: chrono::NaiveDateTime) -> String {
    crate::kit::time::to_tokyo(utc)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn datetime_local_values_are_tokyo_times() {
        assert_eq!(
            super::local_input("2026-11-25T09:30"),
            "2026-11-25T09:30:00+09:00"
        );
        assert_eq!(super::local_input("2026-11-25"), "2026-11-25");
    }
}
