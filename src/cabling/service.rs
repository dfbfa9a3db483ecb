//! Cabling-change use cases (第7条). Every step is one transaction that writes the
//! change, a `cabling_change` audit event and one `equipment` event per affected
//! device, so each device's history shows the work.

use super::model::{self, CablingChange, Filter, NewCablingChange};
use super::rules::{self, CablingState, Performer, Step, WorkKind};
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::rules::{clean_optional, clean_text};
use crate::identity::{Principal, Role};
use crate::register::model::{find_equipment_by_tag, find_zone, is_zone_manager};
use crate::register::rules::normalize_tag;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

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
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    #[serde(serialize_with = "crate::web::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub completed_by: Option<i64>,
    #[serde(serialize_with = "crate::web::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<NaiveDateTime>,
    pub completion_notes: Option<String>,
    pub diagram_updated: Option<bool>,
    pub verified_by: Option<i64>,
    #[serde(serialize_with = "crate::web::time::serialize_utc_opt")]
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

pub fn create(
    conn: &mut DbConn,
    by: &Principal,
    input: &CablingInput,
) -> Result<CablingView, AppError> {
    by.require_any(REQUESTERS)?;
    let mut faults = BTreeMap::<String, String>::new();
    let zone = find_zone(conn, input.zone_id).optional_404()?;
    if zone.is_none() {
        faults.insert("zone_id".into(), "登録されていない管理区域です。".into());
    }
    let work_kind = match input.work_kind.as_deref() {
        None | Some("") => Some(WorkKind::Change),
        Some(k) => WorkKind::parse(k),
    };
    if work_kind.is_none() {
        faults.insert(
            "work_kind".into(),
            "add, change, remove のいずれかです。".into(),
        );
    }
    let description = clean_text(&input.description, 2000)
        .map_err(|e| faults.insert("description".into(), e))
        .ok();
    let mut devices = vec![];
    let mut bad = vec![];
    for raw in &input.asset_tags {
        match normalize_tag(raw) {
            Err(e) => bad.push(format!("{raw}: {}", e.message())),
            Ok(tag) => match find_equipment_by_tag(conn, &tag)? {
                None => bad.push(format!("{tag}: 登録されていません。")),
                Some(d) if d.status == "disposed" => bad.push(format!("{tag}: 廃棄済です。")),
                Some(d) if d.zone_id != Some(input.zone_id) => {
                    bad.push(format!("{tag}: この管理区域の機器ではありません。"))
                }
                Some(d) => {
                    if !devices
                        .iter()
                        .any(|x: &crate::register::model::Equipment| x.id == d.id)
                    {
                        devices.push(d);
                    }
                }
            },
        }
    }
    if input.asset_tags.is_empty() {
        faults.insert(
            "asset_tags".into(),
            "対象機器を1台以上指定してください。".into(),
        );
    } else if !bad.is_empty() {
        faults.insert("asset_tags".into(), bad.join(" / "));
    }
    let mut contractor = None;
    match (input.performer_user_id, &input.contractor) {
        (Some(_), Some(_)) | (None, None) => {
            faults.insert(
                "performer_user_id".into(),
                "作業者は運用管理者か委託事業者のどちらか一方を指定してください。".into(),
            );
        }
        (Some(uid), None) => {
            let ok = crate::identity::model::find_user(conn, uid)
                .optional()?
                .filter(|u| u.active)
                .is_some()
                && crate::identity::model::roles_of(conn, uid)?.contains(&Role::Operator);
            if !ok {
                faults.insert(
                    "performer_user_id".into(),
                    "作業者には有効な運用管理者を指定してください。".into(),
                );
            }
        }
        (None, Some(c)) => {
            let mut field = |name: &str, value: &str, max| {
                clean_text(value, max)
                    .map_err(|e| faults.insert(format!("contractor.{name}"), e))
                    .ok()
            };
            let company = field("company", &c.company, 200);
            let contract_number = field("contract_number", &c.contract_number, 100);
            let worker_name = field("worker_name", &c.worker_name, 100);
            if let (Some(company), Some(contract_number), Some(worker_name)) =
                (company, contract_number, worker_name)
            {
                contractor = Some(Contractor {
                    company,
                    contract_number,
                    worker_name,
                });
            }
        }
    }
    if let Some(err) = AppError::invalid_fields(faults) {
        return Err(err);
    }
    let (Some(work_kind), Some(description)) = (work_kind, description) else {
        return Err(AppError::internal("validated input is missing"));
    };
    let ids: Vec<i64> = devices.iter().map(|d| d.id).collect();
    let mut tags: Vec<String> = devices.iter().map(|d| d.asset_tag.clone()).collect();
    tags.sort();
    db::write_tx(conn, |conn| {
        let row = model::insert(
            conn,
            &NewCablingChange {
                zone_id: input.zone_id,
                work_kind: work_kind.as_str().to_owned(),
                description,
                performer_user_id: input.performer_user_id,
                contractor_company: contractor.as_ref().map(|c| c.company.clone()),
                contractor_contract_number: contractor.as_ref().map(|c| c.contract_number.clone()),
                contractor_worker_name: contractor.as_ref().map(|c| c.worker_name.clone()),
                planned_on: input.planned_on,
                state: CablingState::Requested.as_str().to_owned(),
                requested_by: by.id,
                requested_at: db::now(),
            },
            &ids,
        )?;
        record_step(
            conn,
            by,
            "cabling.request",
            row.id,
            &tags,
            json!({
                "zone_id": row.zone_id, "work_kind": row.work_kind, "description": row.description,
                "asset_tags": tags, "performer_user_id": row.performer_user_id,
                "contractor": contractor, "planned_on": row.planned_on,
            }),
        )?;
        Ok(CablingView::of(row, tags.clone()))
    })
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

use diesel::OptionalExtension;

fn load(conn: &mut DbConn, id: i64) -> Result<CablingView, AppError> {
    let row = model::find(conn, id)?
        .ok_or_else(|| AppError::not_found("指定された配線変更作業は存在しません。"))?;
    let tags = model::tags_of(conn, &[id])?.remove(&id).unwrap_or_default();
    Ok(CablingView::of(row, tags))
}

pub fn get(conn: &mut DbConn, by: &Principal, id: i64) -> Result<CablingView, AppError> {
    let view = load(conn, id)?;
    if view.requested_by != by.id && view.performer_user_id != Some(by.id) {
        by.require_any(READERS)?;
    }
    Ok(view)
}

/// Moves a change one step on. Authorise, reject and verify: a manager of the
/// change's zone (never the requester for authorise/reject, never the worker for
/// verify). Complete: the named operator, or for a contractor an operator recording
/// the contractor's work — and only once authorised.
pub fn step(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    step: Step,
    note: Option<&str>,
    diagram_updated: Option<bool>,
) -> Result<CablingView, AppError> {
    let note = clean_optional(note, 2000).map_err(|e| AppError::invalid("notes", e))?;
    db::write_tx(conn, |conn| {
        let view = load(conn, id)?;
        match step {
            Step::Authorize | Step::Reject | Step::Verify => {
                if !is_zone_manager(conn, view.zone_id, by.id)? {
                    return Err(AppError::forbidden(
                        "not_zone_manager",
                        "この管理区域の管理者のみが行えます。",
                    ));
                }
                if step != Step::Verify && view.requested_by == by.id {
                    return Err(AppError::forbidden(
                        "self_approval",
                        "自分の申請に作業指示・却下をすることはできません。",
                    ));
                }
                if step == Step::Verify
                    && !rules::may_verify(&view.performer(), view.completed_by, by.id)
                {
                    return Err(AppError::forbidden(
                        "self_verification",
                        "自分が行った作業の完了確認はできません。",
                    ));
                }
            }
            Step::Complete => {
                if !rules::may_complete(&view.performer(), by.id, by.has(Role::Operator)) {
                    return Err(AppError::forbidden(
                        "not_authorized_performer",
                        match view.performer() {
                            Performer::Operator(_) => {
                                "作業指示で指名された運用管理者のみが完了を記録できます。"
                            }
                            Performer::Contractor => "委託事業者の作業は運用管理者が記録します。",
                        },
                    ));
                }
            }
        }
        let from = step.from_state();
        let current = CablingState::parse(&view.state).unwrap_or(CablingState::Rejected);
        if current != from
            || !model::advance(
                conn,
                id,
                from.as_str(),
                step.to_state().as_str(),
                by.id,
                db::now(),
                note.as_deref(),
                if step == Step::Complete {
                    diagram_updated
                } else {
                    None
                },
            )?
        {
            return Err(AppError::conflict(
                "wrong_state",
                format!(
                    "この作業は「{}」のため、この操作はできません。",
                    current.label()
                ),
            ));
        }
        let mut detail =
            json!({ "from": from.as_str(), "to": step.to_state().as_str(), "note": note });
        if step == Step::Complete {
            detail["diagram_updated"] = json!(diagram_updated);
            if let Some(c) = &view.contractor {
                detail["contractor"] = json!(c);
            }
        }
        record_step(conn, by, step.action(), id, &view.asset_tags, detail)?;
        load(conn, id)
    })
}

#[allow(clippy::too_many_arguments)]
pub fn list(
    conn: &mut DbConn,
    by: &Principal,
    zone_id: Option<i64>,
    state: Option<&str>,
    asset_tag: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<CablingView>, i64), AppError> {
    by.require_any(READERS)?;
    let mut filter = Filter {
        zone_id,
        ..Filter::default()
    };
    if let Some(s) = state.filter(|s| !s.is_empty()) {
        let s = CablingState::parse(s).ok_or_else(|| {
            AppError::invalid(
                "state",
                "requested, authorized, rejected, completed, verified のいずれかです。",
            )
        })?;
        filter.state = Some(s.as_str().to_owned());
    }
    if let Some(tag) = asset_tag.filter(|t| !t.is_empty()) {
        let tag = normalize_tag(tag).map_err(|e| AppError::invalid("asset_tag", e.message()))?;
        match find_equipment_by_tag(conn, &tag)? {
            Some(d) => filter.equipment_id = Some(d.id),
            None => return Ok((vec![], 0)),
        }
    }
    let (rows, total) = model::list(conn, &filter, offset, limit)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags = model::tags_of(conn, &ids)?;
    Ok((
        rows.into_iter()
            .map(|r| {
                let t = tags.remove(&r.id).unwrap_or_default();
                CablingView::of(r, t)
            })
            .collect(),
        total,
    ))
}
