//! Reading incident records: one, a page of them, the CSV, and the open ones for
//! the compliance report.

use super::super::model::{self, Filter};
use super::super::rules::{IncidentKind, IncidentState};
use super::{IncidentDetail, IncidentView, READERS, load, may_respond};
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::excel::CsvWriter;
use serde::Deserialize;

/// The list's filters, as the API's query string and the page's form give them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct IncidentQuery {
    /// `open`, `responded` or `closed`.
    pub state: Option<String>,
    pub zone_id: Option<i64>,
}

impl IncidentQuery {
    fn filter(&self, by: &Principal) -> Result<Filter, AppError> {
        let state = match self.state.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                IncidentState::parse(s)
                    .ok_or_else(|| {
                        AppError::invalid("state", "open, responded, closed のいずれかです。")
                    })?
                    .as_str()
                    .to_owned(),
            ),
        };
        Ok(Filter {
            state,
            open_only: false,
            zone_id: self.zone_id,
            // Anyone may report; only those who audit or answer read everyone's reports.
            reported_by: (!by.has_any(READERS)).then_some(by.id),
        })
    }
}

fn views(conn: &mut DbConn, rows: Vec<model::Incident>) -> Result<Vec<IncidentView>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags = model::tags_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let t = tags.remove(&r.id).unwrap_or_default();
            IncidentView::of(r, t)
        })
        .collect()
}

pub fn get_incident(conn: &mut DbConn, by: &Principal, id: i64) -> Result<IncidentView, AppError> {
    load(conn, by, id)
}

/// The record and what `by` may do with it now.
pub fn incident_detail(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
) -> Result<IncidentDetail, AppError> {
    let incident = load(conn, by, id)?;
    let responder = may_respond(conn, by, &incident)?;
    Ok(IncidentDetail {
        may_respond: responder && super::rules::may_record_response(incident.state()),
        may_close: responder && super::rules::may_close(incident.state()),
        incident,
    })
}

/// One page, newest first, and how many match.
pub fn list_incidents(
    conn: &mut DbConn,
    by: &Principal,
    query: &IncidentQuery,
    offset: i64,
    limit: i64,
) -> Result<(Vec<IncidentView>, i64), AppError> {
    let filter = query.filter(by)?;
    let (rows, total) = model::list(conn, &filter, offset, limit)?;
    Ok((views(conn, rows)?, total))
}

/// The records not yet closed, oldest first: 第10条 findings of the compliance report.
pub fn open_incidents(conn: &mut DbConn) -> Result<Vec<IncidentView>, AppError> {
    let filter = Filter {
        open_only: true,
        ..Filter::default()
    };
    let (mut rows, _) = model::list(conn, &filter, 0, 1000)?;
    rows.reverse();
    views(conn, rows)
}

/// Rows in one CSV: more is a narrower filter's job.
const CSV_MAX_ROWS: i64 = 50_000;

/// The filtered records as CSV for Excel, with people's names.
pub fn export_incidents(
    conn: &mut DbConn,
    by: &Principal,
    query: &IncidentQuery,
) -> Result<String, AppError> {
    let (items, _) = list_incidents(conn, by, query, 0, CSV_MAX_ROWS)?;
    let mut ids: Vec<i64> = items
        .iter()
        .flat_map(|i| [Some(i.reported_by), i.responded_by, i.closed_by])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = crate::identity::service::user_names(conn, &ids)?;
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned()).unwrap_or_default();
    let zones: std::collections::HashMap<i64, String> =
        crate::register::service::zone_choices(conn)?
            .into_iter()
            .collect();
    let departments: std::collections::HashMap<i64, String> =
        crate::identity::service::list_departments(conn)?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
    let stamp = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| {
            crate::kit::time::to_tokyo(t)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
    };
    let mut csv = CsvWriter::new(&[
        "番号",
        "種別",
        "件名",
        "内容",
        "発見日時",
        "管理区域",
        "担当課",
        "対象機器",
        "状態",
        "報告者",
        "報告日時",
        "対応",
        "原因",
        "再発防止策",
        "対応記録者",
        "対応記録日時",
        "完了確認者",
        "完了日時",
    ]);
    for i in &items {
        let cells: [String; 18] = [
            i.id.to_string(),
            IncidentKind::stored(&i.kind)?.label().to_owned(),
            i.title.clone(),
            i.description.clone(),
            stamp(Some(i.found_at)),
            i.zone_id
                .and_then(|z| zones.get(&z).cloned())
                .unwrap_or_default(),
            departments
                .get(&i.department_id)
                .cloned()
                .unwrap_or_default(),
            i.asset_tags.join(" "),
            i.state().label().to_owned(),
            name(Some(i.reported_by)),
            stamp(Some(i.reported_at)),
            i.response.clone().unwrap_or_default(),
            i.cause.clone().unwrap_or_default(),
            i.prevention.clone().unwrap_or_default(),
            name(i.responded_by),
            stamp(i.responded_at),
            name(i.closed_by),
            stamp(i.closed_at),
        ];
        csv.row(cells.iter().map(String::as_str));
    }
    Ok(csv.finish())
}
