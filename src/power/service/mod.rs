//! Power use cases: UPS details, the coverage check, the latest status, and recording
//! what the poller read (reading + events + audit in one transaction).
//!
//! This file: finding a UPS by tag, and who may read or keep UPS records.

use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model::Equipment;
use crate::register::rules::Kind;

mod coverage;
mod poll;
mod records;
mod status;

pub use crate::power::model::Reading;
pub use coverage::{CoverageRow, coverage, today};
pub use poll::{EventView, event_view, record_poll, ups_events};
pub use records::{UpsInput, UpsView, editable_ups, get_ups, set_ups, validate};
pub use status::{
    StatusView, UpsPageData, UpsSummary, fresh_since, live_word, status_view, ups_overview,
    ups_page, ups_status,
};

/// A device by a tag as typed or scanned; 404 when unknown.
pub fn equipment_by_tag(conn: &mut DbConn, tag: &str) -> Result<Equipment, AppError> {
    crate::register::service::device_by_tag(conn, tag)
}

/// A device that must be a UPS: 404 unknown, 409 `not_a_ups` otherwise.
pub fn ups_by_tag(conn: &mut DbConn, tag: &str) -> Result<Equipment, AppError> {
    let e = equipment_by_tag(conn, tag)?;
    if e.kind != Kind::Ups.as_str() {
        return Err(AppError::conflict(
            "not_a_ups",
            format!(
                "{} はUPSではありません（種別: {}）。",
                e.asset_tag,
                kind_label(&e.kind)
            ),
        ));
    }
    Ok(e)
}

fn kind_label(kind: &str) -> &'static str {
    Kind::parse(kind).map_or("不明", Kind::label)
}

/// Who may keep UPS records: an operator, or a security manager of the UPS's department.
pub fn may_edit(p: &Principal, e: &Equipment) -> bool {
    p.has(Role::Operator)
        || (p.has(Role::SecurityManager) && p.department_id == Some(e.department_id))
}

/// Who may read coverage and UPS status.
pub const READERS: &[Role] = &[
    Role::Admin,
    Role::SecurityManager,
    Role::Operator,
    Role::Auditor,
];
