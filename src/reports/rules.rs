//! The compliance report's shape and the decisions behind it: per article of
//! the standard, findings with their records, evidence, and the thresholds that
//! make something a finding. Pure: no database, no HTTP.

use crate::identity::Role;
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use serde::Serialize;
use std::collections::BTreeMap;

/// An active account unused for this long is a finding (第11条・第17条, 第18条).
pub const UNUSED_ACCOUNT_DAYS: i64 = 90;
/// A cabling change reported done and not confirmed after this long is a finding (第7条).
pub const CABLING_VERIFY_DAYS: i64 = 7;
/// A license ending within this many days is a finding (第15条).
pub const LICENSE_EXPIRY_DAYS: i64 = 30;
/// The period a report covers when none is asked for: the last 30 days through today.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Finding {
    /// A stable snake_case code, e.g. `key_equipment_outside_zone`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// The page of the record, e.g. `/equipment/SRV-001`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The API path of the record, e.g. `/api/v1/equipment/SRV-001`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
}

impl Finding {
    pub fn new(code: &str, message: impl Into<String>) -> Finding {
        Finding {
            code: code.to_owned(),
            message: message.into(),
            entity_type: None,
            entity_id: None,
            link: None,
            api: None,
        }
    }

    /// The record the finding is about, with its page and API path.
    pub fn on(mut self, entity_type: &str, entity_id: impl ToString) -> Finding {
        let id = entity_id.to_string();
        if let Some((link, api)) = record_paths(entity_type, &id) {
            self.link = Some(link);
            self.api = Some(api);
        }
        self.entity_type = Some(entity_type.to_owned());
        self.entity_id = Some(id);
        self
    }
}

/// Where a record lives: its page and its API path. One mapping, so the API
/// and the 点検 page always send people to the same record.
pub fn record_paths(entity_type: &str, id: &str) -> Option<(String, String)> {
    let tag = crate::kit::text::percent_encode(id);
    Some(match entity_type {
        "equipment" => (
            format!("/equipment/{tag}"),
            format!("/api/v1/equipment/{tag}"),
        ),
        "movement" => (
            format!("/movements/{id}"),
            format!("/api/v1/movements/{id}"),
        ),
        "software" => (
            format!("/licenses#software-{id}"),
            format!("/api/v1/licenses?software_id={id}"),
        ),
        "user" => (format!("/users/{id}/edit"), format!("/api/v1/users/{id}")),
        "zone" => (format!("/zones/{id}/edit"), format!("/api/v1/zones/{id}")),
        "permit" => (format!("/permits/{id}"), format!("/api/v1/permits/{id}")),
        "cabling_change" => (
            format!("/cabling#change-{id}"),
            format!("/api/v1/cabling-changes/{id}"),
        ),
        "audit_log" => (
            "/audit?verify=1".to_owned(),
            "/api/v1/audit/verify".to_owned(),
        ),
        _ => return None,
    })
}

/// What to call the link to a record on the page.
pub fn record_label(entity_type: &str) -> &'static str {
    match entity_type {
        "equipment" => "機器の記録を開く",
        "movement" => "持出・持込の記録を開く",
        "software" => "ライセンス管理で開く",
        "user" => "利用者を開く",
        "zone" => "管理区域を開く",
        "permit" => "入室許可を開く",
        "cabling_change" => "配線変更作業を開く",
        "audit_log" => "監査ログの検証を開く",
        _ => "記録を開く",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Ok,
    Findings,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleReport {
    /// 「第4条」, or 「第11条・第17条」 for articles answered together.
    pub article: String,
    pub title: String,
    pub status: ArticleStatus,
    pub findings: Vec<Finding>,
    /// What was checked and what it showed, in Japanese, e.g.
    /// 「主要な機器 45台、すべて管理区域内」; present whether or not there are findings.
    pub evidence: Vec<String>,
}

impl ArticleReport {
    pub fn new(article: &str, title: &str, findings: Vec<Finding>) -> ArticleReport {
        ArticleReport {
            article: article.to_owned(),
            title: title.to_owned(),
            status: if findings.is_empty() {
                ArticleStatus::Ok
            } else {
                ArticleStatus::Findings
            },
            findings,
            evidence: Vec::new(),
        }
    }

    pub fn with_evidence(mut self, evidence: Vec<String>) -> ArticleReport {
        self.evidence = evidence;
        self
    }
}

/// The report: the period it covers (Tokyo dates, both included) and every article.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplianceReport {
    /// When the report was made.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    pub as_of: NaiveDateTime,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub articles: Vec<ArticleReport>,
}

/// The period a report covers, read from what was asked: blank `to` is today,
/// blank `from` is 30 days before `to`. Field messages when it does not read.
pub fn period(
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(NaiveDate, NaiveDate), BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut read = |field: &str, text: Option<&str>| match text.map(str::trim) {
        None | Some("") => None,
        Some(t) => {
            // Years beyond four digits read as dates but reach past what a day can be added to.
            let date =
                crate::kit::time::parse_date(t).filter(|d| (1900..=9999).contains(&d.year()));
            if date.is_none() {
                errors.insert(field.to_owned(), crate::kit::time::date_format_message(now));
            }
            date
        }
    };
    let (from, to) = (read("from", from), read("to", to));
    if !errors.is_empty() {
        return Err(errors);
    }
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - TimeDelta::days(DEFAULT_PERIOD_DAYS));
    if from > to {
        errors.insert(
            "to".to_owned(),
            "終了日は開始日と同じか、それより後の日付にしてください。".to_owned(),
        );
        return Err(errors);
    }
    Ok((from, to))
}

/// Whether an account has gone unused: its last sign-in (or, never signed in,
/// its creation) is more than `days` before `now`.
pub fn unused(
    last_sign_in: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    now: NaiveDateTime,
    days: i64,
) -> bool {
    let last = last_sign_in.map_or(created_at, |at| at.max(created_at));
    now - last > TimeDelta::days(days)
}

/// Whether someone may read the audit and access logs as part of their job
/// (第30条): auditors, security managers and admins.
pub fn may_read_logs(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::Admin | Role::Auditor | Role::SecurityManager))
}

/// A completed cabling change still unconfirmed after [`CABLING_VERIFY_DAYS`].
pub fn cabling_unverified(completed_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    now - completed_at > TimeDelta::days(CABLING_VERIFY_DAYS)
}

/// An authorised cabling change not done by its planned day.
pub fn cabling_late(planned_on: NaiveDate, today: NaiveDate) -> bool {
    planned_on < today
}

/// What a product's license figures say under 第15条.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseIssue {
    /// Installed beyond the seats in force.
    OverSeats(i64),
    /// Installed while every license it had has ended.
    ExpiredInstalled(i64),
    /// A license in force ends within [`LICENSE_EXPIRY_DAYS`].
    Expiring(i64),
}

/// The 第15条 issues of one product. Installed on expired licenses alone is
/// said once as such, not again as over-use of zero seats.
pub fn license_issues(
    seats: Option<i64>,
    installed: i64,
    over_by: i64,
    expired_licenses: i64,
    expiring_in_days: Option<i64>,
) -> Vec<LicenseIssue> {
    let mut out = Vec::new();
    let nothing_in_force = seats == Some(0) && expiring_in_days.is_none();
    if installed > 0 && expired_licenses > 0 && nothing_in_force {
        out.push(LicenseIssue::ExpiredInstalled(installed));
    } else if over_by > 0 {
        out.push(LicenseIssue::OverSeats(over_by));
    }
    if let Some(days) = expiring_in_days.filter(|d| (0..=LICENSE_EXPIRY_DAYS).contains(d)) {
        out.push(LicenseIssue::Expiring(days));
    }
    out
}

/// 第32条: the newest signed inspection must be newer than `days`.
pub fn article_32(
    last_signed: Option<NaiveDateTime>,
    now: NaiveDateTime,
    days: i64,
) -> ArticleReport {
    let recent = last_signed.is_some_and(|at| now - at <= TimeDelta::days(days));
    let findings = if recent {
        vec![]
    } else {
        vec![Finding::new(
            "no_recent_inspection",
            format!("直近{days}日以内に署名された点検記録がありません。"),
        )]
    };
    let evidence = vec![match last_signed {
        Some(at) => format!(
            "最後に署名された点検：{}（基準 {days}日以内）",
            crate::kit::time::wareki_datetime(at)
        ),
        None => format!("署名された点検記録はまだありません（基準 {days}日以内）。"),
    }];
    ArticleReport::new("第32条", "自己点検の実施", findings).with_evidence(evidence)
}

#[cfg(test)]
mod tests;
