//! License use cases: each is one transaction of rule check, writes and audit event.

mod catalog;
mod installs;
mod requests;

pub use crate::licenses::model::{License, Software};
pub use catalog::*;
pub use installs::*;
pub use requests::*;

use crate::error::{AppError, Failure};
use crate::identity::{Principal, Role};
use crate::register::model::{Equipment, is_zone_manager};
use std::collections::BTreeMap;

pub(crate) type Faults = BTreeMap<String, String>;

/// A device named in a request body by its tag: 422 when the tag is malformed or unknown.
pub(crate) fn device_by_tag(
    conn: &mut crate::db::DbConn,
    field: &str,
    input: &str,
) -> Result<Equipment, AppError> {
    // A tag in a request body is a field of it: unknown is 422 on that field, not 404.
    crate::register::service::device_by_tag(conn, input).map_err(|e| match e.kind {
        Failure::NotFound => AppError::invalid(field, e.message),
        _ => e,
    })
}

/// 第14条: who may permit an install on a device. The decision rests with a
/// セキュリティ管理者 (role `security_manager`) who either belongs to the
/// device's department or manages the zone the device stands in. Admins are not
/// approvers by their role alone, and nobody decides their own request.
pub fn may_permit_install(
    conn: &mut crate::db::DbConn,
    who: &Principal,
    device: &Equipment,
) -> diesel::QueryResult<bool> {
    if !who.has(Role::SecurityManager) {
        return Ok(false);
    }
    if who.department_id == Some(device.department_id) {
        return Ok(true);
    }
    match device.zone_id {
        Some(zone) => is_zone_manager(conn, zone, who.id),
        None => Ok(false),
    }
}

/// Roles that may read the license ledgers and the compliance figures.
pub const READERS: &[Role] = &[
    Role::Admin,
    Role::SecurityManager,
    Role::Operator,
    Role::Auditor,
];
