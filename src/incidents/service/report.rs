//! Reporting an incident or fault: anyone signed in may, with the facts they have.

use super::super::model::{self, NewIncident};
use super::super::rules::{self, IncidentKind, IncidentState};
use super::{IncidentView, record_event};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::text::clean_text;
use chrono::TimeDelta;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    /// `incident` (情報セキュリティ事故) or `fault` (障害).
    pub kind: String,
    pub title: String,
    pub description: String,
    /// When it was found: RFC 3339, or a Tokyo date and time (`2026-12-01 09:30`).
    pub found_at: String,
    /// The controlled zone where it happened, if any; its department answers for it.
    /// Without a zone, the reporter's department does.
    pub zone_id: Option<i64>,
    /// The devices involved (registered asset tags).
    #[serde(default)]
    pub asset_tags: Vec<String>,
    /// Where the report came from, e.g. `ups_event:12` or `movement:5`.
    pub source: Option<String>,
}

/// A clock a few minutes fast on the reporter's phone is not a report from the future.
const CLOCK_SLACK_MINUTES: i64 = 10;

pub fn report_incident(
    conn: &mut DbConn,
    by: &Principal,
    input: &IncidentInput,
) -> Result<IncidentView, AppError> {
    let mut faults = BTreeMap::<String, String>::new();
    let mut fault = |field: &str, message: String| {
        faults.insert(field.to_owned(), message);
    };
    let kind = IncidentKind::parse(input.kind.trim());
    if kind.is_none() {
        fault(
            "kind",
            "情報セキュリティ事故（incident）か障害（fault）を選んでください。".into(),
        );
    }
    let title = clean_text(&input.title, rules::TITLE_MAX)
        .map_err(|e| fault("title", e))
        .ok();
    let description = clean_text(&input.description, rules::TEXT_MAX)
        .map_err(|e| fault("description", e))
        .ok();
    let now = db::now();
    let found_at = match crate::kit::time::parse_instant(&input.found_at) {
        None => {
            fault("found_at", crate::kit::time::instant_format_message(now));
            None
        }
        Some(t) if t > now + TimeDelta::minutes(CLOCK_SLACK_MINUTES) => {
            fault(
                "found_at",
                "発見日時が未来になっています。発見した日時を入力してください。".into(),
            );
            None
        }
        Some(t) => Some(t),
    };
    let source = match input.source.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => clean_text(s, rules::SOURCE_MAX)
            .map_err(|e| fault("source", e))
            .ok(),
    };
    let department_id = match input.zone_id {
        Some(zone) => match crate::register::service::find_zone_row(conn, zone) {
            Ok(z) => Some(z.department_id),
            Err(e) if e.kind == crate::error::Failure::NotFound => {
                fault("zone_id", "登録されていない管理区域です。".into());
                None
            }
            Err(e) => return Err(e),
        },
        None if by.department_id.is_some() => by.department_id,
        None => {
            fault(
                "zone_id",
                "所属のない利用者の報告には、管理区域を選んでください。".into(),
            );
            None
        }
    };
    let mut devices: Vec<(i64, String)> = vec![];
    let mut bad = vec![];
    if input.asset_tags.len() > rules::DEVICES_MAX {
        fault(
            "asset_tags",
            format!("機器は{}台までです。", rules::DEVICES_MAX),
        );
    } else {
        for raw in input.asset_tags.iter().filter(|t| !t.trim().is_empty()) {
            match crate::register::service::device_by_tag(conn, raw) {
                Ok(d) if !devices.iter().any(|(id, _)| *id == d.id) => {
                    devices.push((d.id, d.asset_tag))
                }
                Ok(_) => {}
                Err(e) if e.kind == crate::error::Failure::NotFound => bad.push(e.message),
                Err(e) => return Err(e),
            }
        }
    }
    if !bad.is_empty() {
        fault("asset_tags", bad.join(" / "));
    }
    if let Some(err) = AppError::invalid_fields(faults) {
        return Err(err);
    }
    let (Some(kind), Some(title), Some(description), Some(found_at), Some(department_id)) =
        (kind, title, description, found_at, department_id)
    else {
        return Err(AppError::internal("validated input is missing"));
    };
    devices.sort_by(|a, b| a.1.cmp(&b.1));
    let ids: Vec<i64> = devices.iter().map(|(id, _)| *id).collect();
    let tags: Vec<String> = devices.into_iter().map(|(_, tag)| tag).collect();
    db::write_tx(conn, |conn| {
        let row = model::insert(
            conn,
            &NewIncident {
                kind: kind.as_str().to_owned(),
                title,
                description,
                found_at,
                zone_id: input.zone_id,
                department_id,
                source,
                state: IncidentState::Open.as_str().to_owned(),
                reported_by: by.id,
                reported_at: now,
            },
            &ids,
        )?;
        let view = IncidentView::of(row, tags.clone())?;
        record_event(
            conn,
            by,
            "incident.report",
            &view,
            true,
            json!({
                "kind": view.kind, "title": view.title, "description": view.description,
                "found_at": view.found_at, "zone_id": view.zone_id,
                "department_id": view.department_id, "source": view.source,
                "asset_tags": view.asset_tags,
            }),
        )?;
        Ok(view)
    })
}
