//! Asking for a cabling change: validating and recording the request.

use super::model::{self, NewCablingChange};
use super::rules::{CablingState, WorkKind};
use super::*;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::text::{clean_name, clean_text};
use crate::register::model::{find_equipment_by_tag, find_zone};
use crate::register::rules::normalize_tag;
use diesel::OptionalExtension;
use serde_json::json;
use std::collections::BTreeMap;

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
            // Every one of them names a person or an organisation.
            let mut field = |name: &str, value: &str, max| {
                clean_name(value, max)
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
