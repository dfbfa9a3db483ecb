//! Incident use cases (第10条, 第27条). Every change is one transaction that writes
//! the record, an `incident` audit event and, for reporting and closing, one
//! `equipment` event per device involved, so each device's history shows it.

use super::model::{self, Incident};
use super::rules::{self, IncidentState};
use crate::audit;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod read;
mod report;
mod respond;

pub use read::*;
pub use report::*;
pub use respond::*;

/// Who reads every record (operators run the rooms where faults happen); anyone
/// else reads the records they reported.
pub const READERS: &[Role] = &[
    Role::Admin,
    Role::Auditor,
    Role::SecurityManager,
    Role::Operator,
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    pub id: i64,
    /// `incident` (情報セキュリティ事故, 第10条) or `fault` (障害, 第27条).
    pub kind: String,
    pub title: String,
    pub description: String,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub found_at: NaiveDateTime,
    pub zone_id: Option<i64>,
    pub department_id: i64,
    /// Where the report came from, e.g. `ups_event:12` or `movement:5`.
    pub source: Option<String>,
    /// `open`, `responded` or `closed`.
    pub state: String,
    pub asset_tags: Vec<String>,
    pub reported_by: i64,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub reported_at: NaiveDateTime,
    /// 対応 (第10条4項, 第27条1項(3)).
    pub response: Option<String>,
    /// 原因 (第27条1項(4)).
    pub cause: Option<String>,
    /// 再発防止策 (第27条1項(5)).
    pub prevention: Option<String>,
    pub responded_by: Option<i64>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub responded_at: Option<NaiveDateTime>,
    pub closed_by: Option<i64>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<NaiveDateTime>,
}

impl IncidentView {
    fn of(i: Incident, asset_tags: Vec<String>) -> Result<IncidentView, AppError> {
        // Read strictly: a word this build does not know is a corrupted row.
        rules::IncidentKind::stored(&i.kind)?;
        IncidentState::stored(&i.state)?;
        Ok(IncidentView {
            id: i.id,
            kind: i.kind,
            title: i.title,
            description: i.description,
            found_at: i.found_at,
            zone_id: i.zone_id,
            department_id: i.department_id,
            source: i.source,
            state: i.state,
            asset_tags,
            reported_by: i.reported_by,
            reported_at: i.reported_at,
            response: i.response,
            cause: i.cause,
            prevention: i.prevention,
            responded_by: i.responded_by,
            responded_at: i.responded_at,
            closed_by: i.closed_by,
            closed_at: i.closed_at,
        })
    }

    pub fn state(&self) -> IncidentState {
        // Checked when the view was made.
        IncidentState::parse(&self.state).unwrap_or(IncidentState::Open)
    }
}

fn not_found() -> AppError {
    AppError::not_found("指定された事故・障害の記録はありません。")
}

/// The record, or 404 also when this person may not read it (its existence is not told).
fn load(conn: &mut DbConn, by: &Principal, id: i64) -> Result<IncidentView, AppError> {
    let row = model::find(conn, id)?.ok_or_else(not_found)?;
    if !by.has_any(READERS) && row.reported_by != by.id {
        return Err(not_found());
    }
    let tags = model::tags_of(conn, &[id])?.remove(&id).unwrap_or_default();
    IncidentView::of(row, tags)
}

/// Whether `by` answers for this record now (roles and zone managers as they are).
pub fn may_respond(conn: &mut DbConn, by: &Principal, v: &IncidentView) -> Result<bool, AppError> {
    let manages_zone = match v.zone_id {
        Some(zone) => crate::register::service::is_zone_manager(conn, zone, by.id)?,
        None => false,
    };
    Ok(rules::may_respond(
        by.has(Role::SecurityManager),
        manages_zone,
        by.department_id == Some(v.department_id),
        v.zone_id.is_some(),
    ))
}

/// Writes the step's audit events: one on the record and, when `devices` is true,
/// one on each device involved.
fn record_event(
    conn: &mut DbConn,
    by: &Principal,
    action: &str,
    v: &IncidentView,
    devices: bool,
    mut detail: Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &by.actor(),
        action,
        "incident",
        &v.id.to_string(),
        detail.clone(),
    )?;
    if devices {
        detail["incident_id"] = json!(v.id);
        for tag in &v.asset_tags {
            audit::record(conn, &by.actor(), action, "equipment", tag, detail.clone())?;
        }
    }
    Ok(())
}

/// What the record page needs: the record and what this person may do with it.
pub struct IncidentDetail {
    pub incident: IncidentView,
    pub may_respond: bool,
    pub may_close: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// 対応: what was done.
    pub response: String,
    /// 原因.
    pub cause: String,
    /// 再発防止策.
    pub prevention: String,
}
