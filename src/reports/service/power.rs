//! 第6条: key equipment has a backup power supply and surge protection.

use super::Scope;
use crate::db::DbConn;
use crate::error::AppError;
use crate::power;
use crate::reports::rules::{ArticleReport, Finding};

pub(super) fn article_6(conn: &mut DbConn, scope: &Scope) -> Result<ArticleReport, AppError> {
    let today = power::service::today();
    let rows = power::service::coverage(conn, today, power::service::fresh_since(scope.settings))?;
    let devices = rows.len();
    let findings: Vec<Finding> = rows
        .into_iter()
        .flat_map(|row| {
            row.problems.into_iter().map(move |p| {
                let message = format!("主要な機器 {}: {}", row.asset_tag, p.label());
                Finding::new(p.as_str(), message).on("equipment", &row.asset_tag)
            })
        })
        .collect();
    let evidence = vec![if findings.is_empty() {
        format!("主要な機器 {devices}台、すべて予備電源・過電流対策あり")
    } else {
        format!("主要な機器 {devices}台の予備電源・過電流対策を確認")
    }];
    Ok(ArticleReport::new("第6条", "予備電源と過電流対策", findings).with_evidence(evidence))
}
