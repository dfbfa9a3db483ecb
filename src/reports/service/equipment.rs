//! 第4条: key equipment stands in a managed zone, and what is carried out comes back.
//! Each kind of finding is one function, so another kind is one more line in `article_4`.

use super::Scope;
use crate::db::DbConn;
use crate::error::AppError;
use crate::register::service::oversight;
use crate::reports::rules::{ArticleReport, Finding};

pub(super) fn article_4(conn: &mut DbConn, _scope: &Scope) -> Result<ArticleReport, AppError> {
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    outside_zone(conn, &mut findings, &mut evidence)?;
    overdue_returns(conn, &mut findings, &mut evidence)?;
    // Issue 14 §1: what the gate saw leave without approval.
    findings.extend(crate::reports::gate_findings::article_4_gate(conn)?);
    Ok(ArticleReport::new(
        "第4条",
        "主要な機器等の管理区域内設置と持出・持込",
        findings,
    )
    .with_evidence(evidence))
}

fn outside_zone(
    conn: &mut DbConn,
    findings: &mut Vec<Finding>,
    evidence: &mut Vec<String>,
) -> Result<(), AppError> {
    let (inside, outside) = oversight::key_equipment_counts(conn)?;
    evidence.push(if outside == 0 {
        format!("主要な機器 {inside}台、すべて管理区域内")
    } else {
        format!(
            "主要な機器 {}台のうち {outside}台が管理区域外",
            inside + outside
        )
    });
    findings.extend(
        oversight::key_equipment_outside_zone(conn)?
            .into_iter()
            .map(|tag| {
                Finding::new(
                    "key_equipment_outside_zone",
                    format!("主要な機器 {tag} が管理区域に設置されていません。"),
                )
                .on("equipment", tag)
            }),
    );
    Ok(())
}

fn overdue_returns(
    conn: &mut DbConn,
    findings: &mut Vec<Finding>,
    evidence: &mut Vec<String>,
) -> Result<(), AppError> {
    let (overdue, total) = oversight::overdue_movements(conn)?;
    evidence.push(if total == 0 {
        "返却予定日を過ぎた持出 なし".to_owned()
    } else {
        format!("返却予定日を過ぎた持出 {total}件")
    });
    findings.extend(overdue.into_iter().map(|(m, tag)| {
        let what = tag.or(m.item_description).unwrap_or_default();
        let due = m.return_due.map(|d| d.to_string()).unwrap_or_default();
        Finding::new(
            "overdue_return",
            format!("持出中の {what} が返却予定日（{due}）を過ぎています。"),
        )
        .on("movement", m.id)
    }));
    Ok(())
}
