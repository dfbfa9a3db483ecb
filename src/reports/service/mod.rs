//! The compliance report (第32条 点検): each article's findings and evidence,
//! from the records themselves. Each article (or group answered together) is
//! one file; the records come from their areas' services, and what counts as a
//! finding is decided in `rules`.

mod accounts;
mod cabling;
mod equipment;
mod gate;
mod licenses;
mod logs;
mod power;

use super::rules::{self, ComplianceReport};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use serde::Deserialize;

/// Who may read the report: those who audit and those who answer for the findings.
pub const READERS: &[Role] = &[Role::Admin, Role::Auditor, Role::SecurityManager];

/// The period asked for: Tokyo dates, both included.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// First day (`YYYY-MM-DD`, Tokyo); default 30 days before `to`.
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`, Tokyo), included; default today.
    pub to: Option<String>,
}

/// What every article is judged against: the moment, and the period as Tokyo
/// dates and as UTC instants `[from_at, to_at)`.
pub(super) struct Scope<'a> {
    pub now: NaiveDateTime,
    pub today: NaiveDate,
    pub from_at: NaiveDateTime,
    pub to_at: NaiveDateTime,
    pub settings: &'a Settings,
}

/// Midnight at the start of a Tokyo day, in UTC.
fn tokyo_midnight(day: NaiveDate) -> NaiveDateTime {
    let offset = TimeDelta::seconds(i64::from(crate::kit::time::tokyo().local_minus_utc()));
    day.and_time(NaiveTime::MIN) - offset
}

/// The period a query asks for, or 422 naming the date that does not read.
pub fn period_of(query: &ReportQuery) -> Result<(NaiveDate, NaiveDate), AppError> {
    let now = db::now();
    let today = crate::kit::time::to_tokyo(now).date_naive();
    rules::period(query.from.as_deref(), query.to.as_deref(), today, now).map_err(|fields| {
        AppError::invalid_fields(fields)
            .unwrap_or_else(|| AppError::invalid("from", "期間を読み取れません。"))
    })
}

pub fn compliance(
    conn: &mut DbConn,
    by: &Principal,
    settings: &Settings,
    query: &ReportQuery,
) -> Result<ComplianceReport, AppError> {
    by.require_any(READERS)?;
    let (from, to) = period_of(query)?;
    let now = db::now();
    let scope = Scope {
        now,
        today: crate::kit::time::to_tokyo(now).date_naive(),
        from_at: tokyo_midnight(from),
        to_at: tokyo_midnight(to + TimeDelta::days(1)),
        settings,
    };
    let (installs, seats) = licenses::articles_14_15(conn, by, &scope)?;
    let accounts = accounts::Accounts::load(conn)?;
    let articles = vec![
        equipment::article_4(conn, &scope)?,
        gate::article_5(conn, &scope)?,
        power::article_6(conn, &scope)?,
        cabling::article_7(conn, &scope)?,
        accounts::article_11_17(&accounts, &scope),
        installs,
        seats,
        logs::article_16(conn)?,
        accounts::article_18(conn, &accounts, &scope)?,
        logs::article_30(conn, &scope)?,
        logs::article_32(conn, &scope)?,
    ];
    Ok(ComplianceReport {
        as_of: now,
        from,
        to,
        articles,
    })
}
