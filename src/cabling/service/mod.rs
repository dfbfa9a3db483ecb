//! Cabling-change use cases (第7条). Every step is one transaction that writes the
//! change, a `cabling_change` audit event and one `equipment` event per affected
//! device, so each device's history shows the work.

use super::model::{self, CablingChange, Filter};
use super::rules::{self, Performer};
use crate::audit;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contractor {
    pub company: String,
    pub contract_number: String,
    pub worker_name: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CablingInput {
    pub zone_id: i64,
    /// `add`, `change` (default) or `remove`.
    pub work_kind: Option<String>,
    pub description: String,
    /// The affected devices (at least one), all in the zone.
    pub asset_tags: Vec<String>,
    /// A named operator…
    pub performer_user_id: Option<i64>,
    /// …or a contracted vendor's worker (exactly one of the two).
    pub contractor: Option<Contractor>,
    pub planned_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CablingView {
    pub id: i64,
    pub zone_id: i64,
    pub work_kind: String,
    pub description: String,
    pub asset_tags: Vec<String>,
    pub performer_user_id: Option<i64>,
    pub contractor: Option<Contractor>,
    pub planned_on: NaiveDate,
    /// `requested`, `authorized`, `rejected`, `completed`, `verified`.
    pub state: String,
    pub requested_by: i64,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub completed_by: Option<i64>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<NaiveDateTime>,
    pub completion_notes: Option<String>,
    pub diagram_updated: Option<bool>,
    pub verified_by: Option<i64>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub verified_at: Option<NaiveDateTime>,
    pub verification_note: Option<String>,
}

impl CablingView {
    pub fn of(c: CablingChange, asset_tags: Vec<String>) -> CablingView {
        let contractor = c.contractor_company.clone().map(|company| Contractor {
            company,
            contract_number: c.contractor_contract_number.clone().unwrap_or_default(),
            worker_name: c.contractor_worker_name.clone().unwrap_or_default(),
        });
        CablingView {
            id: c.id,
            zone_id: c.zone_id,
            work_kind: c.work_kind,
            description: c.description,
            asset_tags,
            performer_user_id: c.performer_user_id,
            contractor,
            planned_on: c.planned_on,
            state: c.state,
            requested_by: c.requested_by,
            requested_at: c.requested_at,
            decided_by: c.decided_by,
            decided_at: c.decided_at,
            decision_note: c.decision_note,
            completed_by: c.completed_by,
            completed_at: c.completed_at,
            completion_notes: c.completion_notes,
            diagram_updated: c.diagram_updated,
            verified_by: c.verified_by,
            verified_at: c.verified_at,
            verification_note: c.verification_note,
        }
    }

    pub fn performer(&self) -> Performer {
        match self.performer_user_id {
            Some(id) => Performer::Operator(id),
            None => Performer::Contractor,
        }
    }
}

/// Roles that may ask for a cabling change.
const REQUESTERS: &[Role] = &[
    Role::Staff,
    Role::Operator,
    Role::SecurityManager,
    Role::Admin,
];

/// Roles that may read cabling changes.
pub const READERS: &[Role] = &[
    Role::Admin,
    Role::SecurityManager,
    Role::Operator,
    Role::Auditor,
];

/// Writes the step's audit events: one on the change, one on each affected device.
fn record_step(
    conn: &mut DbConn,
    by: &Principal,
    action: &str,
    id: i64,
    tags: &[String],
    mut detail: Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &by.actor(),
        action,
        "cabling_change",
        &id.to_string(),
        detail.clone(),
    )?;
    detail["cabling_change_id"] = json!(id);
    for tag in tags {
        audit::record(conn, &by.actor(), action, "equipment", tag, detail.clone())?;
    }
    Ok(())
}

trait Optional404<T> {
    fn optional_404(self) -> Result<Option<T>, AppError>;
}

impl<T> Optional404<T> for diesel::QueryResult<T> {
    fn optional_404(self) -> Result<Option<T>, AppError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(diesel::result::Error::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

fn load(conn: &mut DbConn, id: i64) -> Result<CablingView, AppError> {
    let row = model::find(conn, id)?
        .ok_or_else(|| AppError::not_found("指定された配線変更作業は存在しません。"))?;
    let tags = model::tags_of(conn, &[id])?.remove(&id).unwrap_or_default();
    Ok(CablingView::of(row, tags))
}

mod board;
pub mod oversight;
mod read;
mod request;
mod step;

pub use board::{Board, BoardLine, board};
pub use read::*;
pub use request::*;
pub use step::*;
