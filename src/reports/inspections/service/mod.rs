//! Inspections (点検記録, 第32条): a security manager opens an inspection of a
//! period and the compliance report is frozen then; each finding gets a
//! disposition with a comment; signing stores the report with every decision,
//! its SHA-256 and the audit chain's head in the chain, and takes a signed
//! checkpoint. Nothing in a signed inspection changes (the database refuses too).

mod sign;

pub use sign::sign;

use super::model::{self, FindingRow, Inspection, NewFinding, NewInspection};
use super::rules::{self, Disposition, InspectionState};
use crate::audit;
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// Who inspects, decides and signs (第32条 names the security manager). Admins
/// do not: their own use of the system is among what is inspected (第18条).
pub const INSPECTORS: &[Role] = &[Role::SecurityManager];
/// Who reads inspections.
pub const READERS: &[Role] = &[Role::Admin, Role::Auditor, Role::SecurityManager];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    /// The finding's number in the frozen report, from 1.
    pub n: i32,
    pub article: String,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// `resolved` (対応済), `planned` (対応予定) or `accepted` (許容); none until decided.
    pub disposition: Option<Disposition>,
    pub comment: String,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    pub id: i64,
    /// The period inspected.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub note: String,
    pub state: InspectionState,
    pub opened_by: i64,
    pub opened_by_name: String,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: NaiveDateTime,
    /// The compliance report as it stood when the inspection opened.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
    pub findings: Vec<FindingView>,
    pub signed_by: Option<i64>,
    pub signed_by_name: Option<String>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub signed_at: Option<NaiveDateTime>,
    /// SHA-256 (hex) of the signed report's exact text (in the `inspection.signed` event).
    pub report_sha256: Option<String>,
    /// The audit chain's head when it was signed.
    pub chain_seq: Option<i64>,
    pub chain_hash: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionSummary {
    pub id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub state: InspectionState,
    pub opened_by_name: String,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: NaiveDateTime,
    pub findings: i64,
    pub decided: i64,
    pub signed_by_name: Option<String>,
    #[serde(serialize_with = "crate::kit::time::serialize_utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub signed_at: Option<NaiveDateTime>,
    pub report_sha256: Option<String>,
}

/// One finding of the report as it is frozen.
struct FrozenFinding {
    article: String,
    code: String,
    message: String,
    entity_type: Option<String>,
    entity_id: Option<String>,
}

/// The compliance report of `from..=to` as it stands now, as stored JSON and
/// its findings in order. The one call of the report: when it takes the
/// period, only this changes.
fn frozen_report(
    conn: &mut DbConn,
    by: &Principal,
    settings: &Settings,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(serde_json::Value, Vec<FrozenFinding>), AppError> {
    let query = crate::reports::service::ReportQuery {
        from: Some(from.to_string()),
        to: Some(to.to_string()),
    };
    let report = crate::reports::service::compliance(conn, by, settings, &query)?;
    let findings = report
        .articles
        .iter()
        .flat_map(|a| {
            a.findings.iter().map(|f| FrozenFinding {
                article: a.article.clone(),
                code: f.code.clone(),
                message: f.message.clone(),
                entity_type: f.entity_type.clone(),
                entity_id: f.entity_id.clone(),
            })
        })
        .collect();
    let json = serde_json::to_value(&report).map_err(AppError::internal)?;
    Ok((json, findings))
}

fn not_found() -> AppError {
    AppError::not_found("指定された点検記録はありません。")
}

pub(super) fn signed_conflict() -> AppError {
    AppError::conflict(
        "inspection_signed",
        "この点検記録は署名済みです。署名後は変更できません。",
    )
}

fn find(conn: &mut DbConn, id: i64) -> Result<Inspection, AppError> {
    model::find(conn, id)?.ok_or_else(not_found)
}

fn finding_view(row: FindingRow, names: &HashMap<i64, String>) -> Result<FindingView, AppError> {
    Ok(FindingView {
        n: row.n,
        article: row.article,
        code: row.code,
        message: row.message,
        entity_type: row.entity_type,
        entity_id: row.entity_id,
        disposition: row
            .disposition
            .as_deref()
            .map(Disposition::stored)
            .transpose()?,
        comment: row.comment,
        decided_by_name: row.decided_by.and_then(|id| names.get(&id).cloned()),
        decided_by: row.decided_by,
        decided_at: row.decided_at,
    })
}

pub(super) fn view(conn: &mut DbConn, i: Inspection) -> Result<InspectionView, AppError> {
    let findings = model::findings(conn, i.id)?;
    let mut ids: Vec<i64> = findings.iter().filter_map(|f| f.decided_by).collect();
    ids.push(i.opened_by);
    ids.extend(i.signed_by);
    let names = crate::identity::service::user_names(conn, &ids)?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    Ok(InspectionView {
        id: i.id,
        from: i.period_from,
        to: i.period_to,
        note: i.note,
        state: InspectionState::stored(&i.state)?,
        opened_by: i.opened_by,
        opened_by_name: name(i.opened_by),
        opened_at: i.opened_at,
        report: serde_json::from_str(&i.report_json).map_err(AppError::internal)?,
        findings: findings
            .into_iter()
            .map(|f| finding_view(f, &names))
            .collect::<Result<_, _>>()?,
        signed_by: i.signed_by,
        signed_by_name: i.signed_by.map(name),
        signed_at: i.signed_at,
        report_sha256: i.report_sha256,
        chain_seq: i.chain_seq,
        chain_hash: i.chain_hash,
    })
}

/// Opens an inspection of `from..=to`, freezing the report as it stands now.
pub fn open(
    conn: &mut DbConn,
    by: &Principal,
    settings: &Settings,
    from: NaiveDate,
    to: NaiveDate,
    note: Option<&str>,
    today: NaiveDate,
) -> Result<InspectionView, AppError> {
    by.require_any(INSPECTORS)?;
    let mut errors = rules::check_period(from, to, today)
        .err()
        .unwrap_or_default();
    let note = rules::clean_note(note).unwrap_or_else(|e| {
        errors.insert("note".into(), e);
        String::new()
    });
    if let Some(e) = AppError::invalid_fields(errors) {
        return Err(e);
    }
    // Read before the write: the report reads the whole chain, and the
    // chain's head must not wait on it.
    let (report, findings) = frozen_report(conn, by, settings, from, to)?;
    let report_json = report.to_string();
    let id = db::write_tx(conn, |conn| -> Result<i64, AppError> {
        let id = model::insert(
            conn,
            &NewInspection {
                period_from: from,
                period_to: to,
                note: &note,
                state: InspectionState::Open.as_str(),
                opened_by: by.id,
                opened_at: db::now(),
                report_json: &report_json,
            },
        )?;
        let rows: Vec<NewFinding<'_>> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| NewFinding {
                inspection_id: id,
                n: i as i32 + 1,
                article: &f.article,
                code: &f.code,
                message: &f.message,
                entity_type: f.entity_type.as_deref(),
                entity_id: f.entity_id.as_deref(),
                comment: "",
            })
            .collect();
        model::insert_findings(conn, &rows)?;
        audit::record(
            conn,
            &by.actor(),
            "inspection.open",
            "inspection",
            &id.to_string(),
            json!({
                "from": from.to_string(),
                "to": to.to_string(),
                "note": note,
                "findings": rows.len(),
                "report_sha256": rules::sha256_hex(&report_json),
            }),
        )?;
        Ok(id)
    })?;
    let inspection = find(conn, id)?;
    view(conn, inspection)
}

/// One inspection, for its readers.
pub fn get(conn: &mut DbConn, by: &Principal, id: i64) -> Result<InspectionView, AppError> {
    by.require_any(READERS)?;
    let inspection = find(conn, id)?;
    view(conn, inspection)
}

/// A page of inspections, newest first.
pub fn list(
    conn: &mut DbConn,
    by: &Principal,
    offset: i64,
    limit: i64,
) -> Result<(Vec<InspectionSummary>, i64), AppError> {
    by.require_any(READERS)?;
    let (rows, total) = model::page(conn, offset, limit)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
    for (id, _, decided) in model::finding_counts(conn, &ids)? {
        let c = counts.entry(id).or_default();
        c.0 += 1;
        c.1 += i64::from(decided);
    }
    let people: Vec<i64> = rows
        .iter()
        .flat_map(|r| [Some(r.opened_by), r.signed_by])
        .flatten()
        .collect();
    let names = crate::identity::service::user_names(conn, &people)?;
    let items = rows
        .into_iter()
        .map(|r| {
            let (findings, decided) = counts.get(&r.id).copied().unwrap_or_default();
            Ok(InspectionSummary {
                id: r.id,
                from: r.period_from,
                to: r.period_to,
                state: InspectionState::stored(&r.state)?,
                opened_by_name: names.get(&r.opened_by).cloned().unwrap_or_default(),
                opened_at: r.opened_at,
                findings,
                decided,
                signed_by_name: r.signed_by.and_then(|id| names.get(&id).cloned()),
                signed_at: r.signed_at,
                report_sha256: r.report_sha256,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok((items, total))
}

/// Decides finding `n` of an open inspection.
pub fn decide(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    n: i32,
    disposition: Disposition,
    comment: &str,
) -> Result<FindingView, AppError> {
    by.require_any(INSPECTORS)?;
    let comment = rules::clean_comment(comment).map_err(|e| AppError::invalid("comment", e))?;
    db::write_tx(conn, |conn| -> Result<(), AppError> {
        let inspection = find(conn, id)?;
        if InspectionState::stored(&inspection.state)? != InspectionState::Open {
            return Err(signed_conflict());
        }
        let finding = model::findings(conn, id)?
            .into_iter()
            .find(|f| f.n == n)
            .ok_or_else(|| {
                AppError::not_found(format!("点検記録 No.{id} に指摘 {n} はありません。"))
            })?;
        model::decide(
            conn,
            finding.id,
            disposition.as_str(),
            &comment,
            by.id,
            db::now(),
        )?;
        audit::record(
            conn,
            &by.actor(),
            "inspection.finding_decide",
            "inspection",
            &id.to_string(),
            json!({
                "n": n,
                "code": finding.code,
                "disposition": disposition.as_str(),
                "comment": comment,
                "before": { "disposition": finding.disposition, "comment": finding.comment },
            }),
        )?;
        Ok(())
    })?;
    let row = model::findings(conn, id)?
        .into_iter()
        .find(|f| f.n == n)
        .ok_or_else(not_found)?;
    let names = crate::identity::service::user_names(conn, &[by.id])?;
    finding_view(row, &names)
}

/// When the newest signed inspection was signed, for 第32条 of the report.
pub fn last_signed_at(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    model::last_signed_at(conn)
}
