//! The 入退室記録 (第5条, 第16条): every entry, exit and refusal, per zone and
//! period, on screen and as CSV (Excel-ready UTF-8 with BOM).

use super::super::model::{self, AccessEvent, EventFilter};
use super::super::rules::{DenyReason, EventKind};
use super::permits::permit_number;
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::excel::CsvWriter;
use crate::kit::time::{parse_instant, rfc3339, to_tokyo};
use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CarriedOutView {
    pub asset_tag: String,
    pub authorised: bool,
    pub movement_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessEventView {
    pub id: i64,
    pub zone_id: i64,
    pub zone_name: String,
    /// `entry`, `exit` or `denied`.
    pub kind: String,
    /// What was attempted: `entry` or `exit`.
    pub attempt: String,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    pub occurred_at: NaiveDateTime,
    pub permit_id: Option<i64>,
    pub permit_number: Option<String>,
    pub holder_name: Option<String>,
    pub holder_organization: Option<String>,
    pub id_checked: bool,
    pub id_document: Option<String>,
    /// 確認者: the guard who recorded it.
    pub guard_id: i64,
    pub guard_name: String,
    /// For an exit: the entry it closes.
    pub entry_event_id: Option<i64>,
    pub note: Option<String>,
    pub carried_out: Vec<CarriedOutView>,
}

pub(crate) fn event_views(
    conn: &mut DbConn,
    events: Vec<AccessEvent>,
) -> Result<Vec<AccessEventView>, AppError> {
    let mut guards: Vec<i64> = events.iter().map(|e| e.guard_id).collect();
    guards.sort_unstable();
    guards.dedup();
    let names = crate::identity::service::user_names(conn, &guards)?;
    let mut zone_ids: Vec<i64> = events.iter().map(|e| e.zone_id).collect();
    zone_ids.sort_unstable();
    zone_ids.dedup();
    let zones = model::zone_names(conn, &zone_ids)?;
    let exits: Vec<i64> = events
        .iter()
        .filter(|e| e.kind == EventKind::Exit.as_str())
        .map(|e| e.id)
        .collect();
    let mut carried = std::collections::HashMap::<i64, Vec<CarriedOutView>>::new();
    if !exits.is_empty() {
        for c in model::carry_outs_of(conn, &exits)? {
            carried.entry(c.event_id).or_default().push(CarriedOutView {
                asset_tag: c.asset_tag,
                authorised: c.authorised,
                movement_id: c.movement_id,
            });
        }
    }
    Ok(events
        .into_iter()
        .map(|e| AccessEventView {
            zone_name: zones
                .get(&e.zone_id)
                .map(|z| z.1.clone())
                .unwrap_or_default(),
            reason: e
                .reason_code
                .as_deref()
                .and_then(DenyReason::parse)
                .map(|r| r.message().to_owned()),
            guard_name: names.get(&e.guard_id).cloned().unwrap_or_default(),
            permit_number: e.permit_id.map(permit_number),
            carried_out: carried.remove(&e.id).unwrap_or_default(),
            id: e.id,
            zone_id: e.zone_id,
            kind: e.kind,
            attempt: e.attempt,
            reason_code: e.reason_code,
            occurred_at: e.occurred_at,
            permit_id: e.permit_id,
            holder_name: e.holder_name,
            holder_organization: e.holder_organization,
            id_checked: e.id_checked,
            id_document: e.id_document,
            guard_id: e.guard_id,
            entry_event_id: e.entry_event_id,
            note: e.note,
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct EventQuery {
    pub zone_id: Option<i64>,
    /// From this time or date (a date means from midnight in Tokyo).
    pub from: Option<String>,
    /// Up to this time, or through this whole date.
    pub to: Option<String>,
}

impl EventQuery {
    fn filter(&self, conn: &mut DbConn, by: &Principal) -> Result<EventFilter, AppError> {
        let readable = super::readable_zones(conn, by)?;
        let zone_ids = match (self.zone_id, readable) {
            (Some(z), Some(zones)) if !zones.contains(&z) => {
                return Err(AppError::forbidden(
                    "forbidden",
                    "この区域の入退室記録を閲覧する権限がありません。",
                ));
            }
            (Some(z), _) => Some(vec![z]),
            (None, zones) => zones,
        };
        let instant = |field: &str, text: &Option<String>, end: bool| match text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => Ok(None),
            Some(t) => match parse_instant(t) {
                // A bare date as the end means through that whole day.
                Some(at) if end && t.len() == 10 => Ok(Some(at + TimeDelta::days(1))),
                Some(at) => Ok(Some(at)),
                None => Err(AppError::invalid(
                    field,
                    crate::kit::time::instant_format_message(crate::db::now()),
                )),
            },
        };
        Ok(EventFilter {
            zone_ids,
            from: instant("from", &self.from, false)?,
            to: instant("to", &self.to, true)?,
        })
    }
}

pub fn list_events(
    conn: &mut DbConn,
    by: &Principal,
    query: &EventQuery,
    offset: i64,
    limit: i64,
) -> Result<(Vec<AccessEventView>, i64), AppError> {
    let filter = query.filter(conn, by)?;
    let (rows, total) = db::write_tx(conn, |conn| {
        let page = model::list_events(conn, &filter, offset, limit)?;
        record_read(conn, by, &filter, "list")?;
        Ok::<_, AppError>(page)
    })?;
    Ok((event_views(conn, rows)?, total))
}

/// Reading the 入退室記録 is itself recorded (第30条: who read the access
/// log, and when, is evidence the report answers from).
fn record_read(
    conn: &mut DbConn,
    by: &Principal,
    filter: &EventFilter,
    how: &str,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &by.actor(),
        LOG_READ,
        "access_log",
        "-",
        serde_json::json!({
            "how": how,
            "zone_ids": filter.zone_ids,
            "from": filter.from.map(|t| t.to_string()),
            "to": filter.to.map(|t| t.to_string()),
        }),
    )?;
    Ok(())
}

/// The audit action of a read of the 入退室記録 (a page, a list, or a CSV export).
pub const LOG_READ: &str = "access.log_read";

/// The most rows one export carries.
pub const CSV_MAX_ROWS: i64 = 100_000;

fn tokyo_time(at: NaiveDateTime) -> String {
    to_tokyo(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The 入退室記録 as CSV: UTF-8 with BOM and CRLF, for Excel.
pub fn csv_export(
    conn: &mut DbConn,
    by: &Principal,
    query: &EventQuery,
) -> Result<String, AppError> {
    let filter = query.filter(conn, by)?;
    let (rows, _) = db::write_tx(conn, |conn| {
        let rows = model::list_events(conn, &filter, 0, CSV_MAX_ROWS)?;
        record_read(conn, by, &filter, "csv")?;
        Ok::<_, AppError>(rows)
    })?;
    let entries: std::collections::HashMap<i64, NaiveDateTime> = rows
        .iter()
        .filter(|e| e.kind == EventKind::Entry.as_str())
        .map(|e| (e.id, e.occurred_at))
        .collect();
    let views = event_views(conn, rows)?;
    let mut out = CsvWriter::new(&[
        "日時",
        "区分",
        "区域",
        "氏名",
        "所属・会社名",
        "許可番号",
        "身分証確認",
        "身分証の種類",
        "確認者",
        "入室時刻",
        "持出物品",
        "拒否理由",
        "備考",
        "記録ID",
        "日時(RFC3339)",
    ]);
    for e in views {
        let kind = match e.kind.as_str() {
            "entry" => "入室".to_owned(),
            "exit" => "退室".to_owned(),
            _ => format!(
                "{}拒否",
                if e.attempt == "exit" {
                    "退室"
                } else {
                    "入室"
                }
            ),
        };
        let entered = e
            .entry_event_id
            .and_then(|id| entries.get(&id).copied())
            .map(tokyo_time)
            .unwrap_or_default();
        let carried = e
            .carried_out
            .iter()
            .map(|c| {
                if c.authorised {
                    c.asset_tag.clone()
                } else {
                    format!("{}（未承認）", c.asset_tag)
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        let fields = [
            tokyo_time(e.occurred_at),
            kind,
            e.zone_name,
            e.holder_name.unwrap_or_default(),
            e.holder_organization.unwrap_or_default(),
            e.permit_number.unwrap_or_default(),
            if e.id_checked { "済" } else { "" }.to_owned(),
            e.id_document.unwrap_or_default(),
            e.guard_name,
            entered,
            carried,
            e.reason.unwrap_or_default(),
            e.note.unwrap_or_default(),
            e.id.to_string(),
            rfc3339(e.occurred_at),
        ];
        out.row(fields.iter().map(String::as_str));
    }
    Ok(out.finish())
}

/// An item carried out at an exit that the register does not hold: it stays
/// on the exit record, and 第4条 lists it (issue 14 §1).
#[derive(Debug, Clone)]
pub struct UnregisteredCarryOut {
    pub event_id: i64,
    pub asset_tag: String,
    pub zone_name: String,
    pub occurred_at: NaiveDateTime,
}

/// Every exit's unregistered carry-outs, newest first (at most 1,000).
pub fn unregistered_carry_outs(conn: &mut DbConn) -> Result<Vec<UnregisteredCarryOut>, AppError> {
    Ok(model::unregistered_carry_outs(conn, 1000)?
        .into_iter()
        .map(
            |(event_id, asset_tag, zone_name, occurred_at)| UnregisteredCarryOut {
                event_id,
                asset_tag,
                zone_name,
                occurred_at,
            },
        )
        .collect())
}
