//! The compliance report (第32条 点検): each article's findings, from the records themselves.

use super::rules::{ArticleReport, Finding};
use crate::audit;
use crate::config::Settings;
use crate::db::DbConn;
use crate::db::schema::{equipment, users};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model::MovementFilter;
use crate::register::service::movements;
use crate::{licenses, power};
use chrono::TimeDelta;
use diesel::prelude::*;

/// Who may read the report: those who audit and those who answer for the findings.
pub const READERS: &[Role] = &[Role::Admin, Role::Auditor, Role::SecurityManager];

pub fn compliance(
    conn: &mut DbConn,
    by: &Principal,
    settings: &Settings,
) -> Result<Vec<ArticleReport>, AppError> {
    by.require_any(READERS)?;
    let (installs, licenses) = articles_14_15(conn, by)?;
    Ok(vec![
        ArticleReport::new(
            "第4条",
            "主要な機器等の管理区域内設置と持出・持込",
            article_4(conn)?,
        ),
        ArticleReport::new("第6条", "予備電源と過電流対策", article_6(conn, settings)?),
        ArticleReport::new("第14条", "ソフトウェア導入の許可", installs),
        ArticleReport::new("第15条", "ライセンス管理", licenses),
        ArticleReport::new(
            "第16条",
            "アクセス記録の保護（改ざん検知）",
            article_16(conn)?,
        ),
        ArticleReport::new(
            "第17条",
            "利用者IDとパスワードの管理",
            article_17(conn, settings.password_max_age_days)?,
        ),
    ])
}

fn article_6(conn: &mut DbConn, settings: &Settings) -> Result<Vec<Finding>, AppError> {
    let today = power::service::today();
    let rows = power::service::coverage(conn, today, power::service::fresh_since(settings))?;
    Ok(rows
        .into_iter()
        .flat_map(|row| {
            row.problems.into_iter().map(move |p| {
                let message = format!("主要な機器 {}: {}", row.asset_tag, p.label());
                Finding::new(p.as_str(), message).on("equipment", &row.asset_tag)
            })
        })
        .collect())
}

/// 第14条 installs without permission and 第15条 over-use, from one compliance run.
fn articles_14_15(
    conn: &mut DbConn,
    by: &Principal,
) -> Result<(Vec<Finding>, Vec<Finding>), AppError> {
    let report = licenses::service::compliance(conn, by, licenses::service::today())?;
    let (mut installs, mut seats) = (vec![], vec![]);
    for row in report.items {
        let edition = row
            .edition
            .as_deref()
            .map(|e| format!(" {e}"))
            .unwrap_or_default();
        let name = format!("{}{edition}", row.name);
        if row.unapproved_installs > 0 {
            let message = format!(
                "{name}: 許可のない導入が {} 台あります。",
                row.unapproved_installs
            );
            installs
                .push(Finding::new("unapproved_installs", message).on("software", row.software_id));
        }
        if row.over_by > 0 {
            let message = format!(
                "{name}: 保有ライセンス数を {} 台超えて導入されています。",
                row.over_by
            );
            seats.push(Finding::new("over_seats", message).on("software", row.software_id));
        }
    }
    Ok((installs, seats))
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
    // Issue 14 §1: what the gate saw leave without approval.
    findings.extend(super::gate_findings::article_4_gate(conn)?);
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
