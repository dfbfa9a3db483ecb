//! The compliance report (第32条 点検): each article's findings, from the records themselves.

use super::rules::{ArticleReport, Finding};
use crate::audit;
use crate::db::DbConn;
use crate::db::schema::{equipment, users};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model::MovementFilter;
use crate::register::service::movements;
use chrono::TimeDelta;
use diesel::prelude::*;

/// Who may read the report: those who audit and those who answer for the findings.
pub const READERS: &[Role] = &[Role::Admin, Role::Auditor, Role::SecurityManager];

pub fn compliance(
    conn: &mut DbConn,
    by: &Principal,
    password_max_age_days: i64,
) -> Result<Vec<ArticleReport>, AppError> {
    by.require_any(READERS)?;
    Ok(vec![
        ArticleReport::new(
            "第4条",
            "主要な機器等の管理区域内設置と持出・持込",
            article_4(conn)?,
        ),
        ArticleReport::new(
            "第16条",
            "アクセス記録の保護（改ざん検知）",
            article_16(conn)?,
        ),
        ArticleReport::new(
            "第17条",
            "利用者IDとパスワードの管理",
            article_17(conn, password_max_age_days)?,
        ),
    ])
}

fn article_4(conn: &mut DbConn) -> Result<Vec<Finding>, AppError> {
    let outside: Vec<String> = equipment::table
        .filter(equipment::key_equipment.eq(true))
        .filter(equipment::zone_id.is_null())
        .filter(equipment::status.ne("disposed"))
        .order(equipment::asset_tag.asc())
        .select(equipment::asset_tag)
        .load(conn)?;
    let mut findings: Vec<Finding> = outside
        .into_iter()
        .map(|tag| {
            Finding::new(
                "key_equipment_outside_zone",
                format!("主要な機器 {tag} が管理区域に設置されていません。"),
            )
            .on("equipment", tag)
        })
        .collect();
    let filter = MovementFilter {
        overdue_before: Some(movements::today()),
        ..MovementFilter::default()
    };
    let (overdue, _) = crate::register::model::list_movements(conn, &filter, 0, 1000)?;
    findings.extend(overdue.into_iter().map(|(m, tag)| {
        let what = tag
            .clone()
            .or(m.item_description.clone())
            .unwrap_or_default();
        let due = m.return_due.map(|d| d.to_string()).unwrap_or_default();
        Finding::new(
            "overdue_return",
            format!("持出中の {what} が返却予定日（{due}）を過ぎています。"),
        )
        .on("movement", m.id)
    }));
    Ok(findings)
}

fn article_16(conn: &mut DbConn) -> Result<Vec<Finding>, AppError> {
    let report = audit::verify(conn)?;
    Ok(if report.ok {
        vec![]
    } else {
        let at = report
            .first_broken_id
            .map_or_else(|| "末尾".to_owned(), |id| format!("ID {id}"));
        vec![
            Finding::new(
                "audit_chain_broken",
                format!("監査ログの改ざん検証に失敗しました（{at}）。"),
            )
            .on("audit_log", at),
        ]
    })
}

fn article_17(conn: &mut DbConn, max_age_days: i64) -> Result<Vec<Finding>, AppError> {
    let cutoff = crate::db::now() - TimeDelta::days(max_age_days);
    let expired: Vec<(i64, String)> = users::table
        .filter(users::active.eq(true))
        .filter(users::password_changed_at.lt(cutoff))
        .order(users::username.asc())
        .select((users::id, users::username))
        .load(conn)?;
    Ok(expired
        .into_iter()
        .map(|(id, name)| {
            Finding::new(
                "password_expired",
                format!("利用者 {name} のパスワードが有効期限（{max_age_days}日）を過ぎています。"),
            )
            .on("user", id)
        })
        .collect())
}
