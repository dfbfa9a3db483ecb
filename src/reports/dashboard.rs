//! The home page's to-do list: what waits for this person, from every area.

use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model::{MovementFilter, count_movements, zones_managed_by};
use crate::register::rules::MovementState;
use crate::register::service::movements::today;

/// One line of the to-do list: what, how many, where to go.
pub struct Todo {
    pub label: &'static str,
    pub count: i64,
    pub href: String,
    /// Something late, shown in red.
    pub urgent: bool,
}

pub fn todos(conn: &mut DbConn, p: &Principal) -> Result<Vec<Todo>, AppError> {
    let mut list = vec![];
    let managed = zones_managed_by(conn, p.id)?;
    if !managed.is_empty() {
        let filter = MovementFilter {
            zone_in: Some(managed.clone()),
            state: Some("requested".into()),
            ..MovementFilter::default()
        };
        list.push(Todo {
            label: "承認待ちの持出・持込申請",
            count: count_movements(conn, &filter)?,
            href: "/movements?state=requested".into(),
            urgent: false,
        });
        let unsettled = MovementFilter {
            zone_in: Some(managed.clone()),
            state: Some(MovementState::Unauthorised.as_str().into()),
            ..MovementFilter::default()
        };
        list.push(Todo {
            label: "未処理の無許可持出",
            count: count_movements(conn, &unsettled)?,
            href: "/movements?state=unauthorised".into(),
            urgent: true,
        });
        list.push(Todo {
            label: "承認待ちの入室許可申請",
            count: crate::access::model::count_awaiting_decision(conn, &managed, p.id)?,
            href: "/permits?state=requested".into(),
            urgent: false,
        });
        list.push(Todo {
            label: "作業指示待ちの配線変更申請",
            count: crate::cabling::model::count_awaiting_decision(conn, &managed, p.id)?,
            href: "/cabling".into(),
            urgent: false,
        });
    }
    if p.has(Role::SecurityManager) {
        list.push(Todo {
            label: "許可待ちのソフトウェア導入申請",
            count: crate::licenses::model::count_awaiting_decision(
                conn,
                p.id,
                p.department_id,
                &managed,
            )?,
            href: "/licenses/installs".into(),
            urgent: false,
        });
    }
    if p.has_any(&[Role::Operator, Role::Guard, Role::SecurityManager]) {
        let filter = MovementFilter {
            state: Some("approved".into()),
            ..MovementFilter::default()
        };
        list.push(Todo {
            label: "実施待ちの持出・持込（承認済）",
            count: count_movements(conn, &filter)?,
            href: "/movements?state=approved".into(),
            urgent: false,
        });
    }
    if p.has_any(&[
        Role::Admin,
        Role::Auditor,
        Role::SecurityManager,
        Role::Operator,
    ]) {
        let filter = MovementFilter {
            overdue_before: Some(today()),
            ..MovementFilter::default()
        };
        list.push(Todo {
            label: "返却予定日を過ぎた持出",
            count: count_movements(conn, &filter)?,
            href: "/movements?overdue=true".into(),
            urgent: true,
        });
    }
    if p.has(Role::Staff) {
        let filter = MovementFilter {
            requested_by: Some(p.id),
            state: Some("requested".into()),
            ..MovementFilter::default()
        };
        list.push(Todo {
            label: "自分の申請（審査中）",
            count: count_movements(conn, &filter)?,
            href: "/movements?state=requested".into(),
            urgent: false,
        });
    }
    Ok(list)
}
