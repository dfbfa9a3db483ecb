//! 第7条: cabling and equipment changes are done as instructed and confirmed.

use super::Scope;
use crate::cabling::service::oversight;
use crate::db::DbConn;
use crate::error::AppError;
use crate::reports::rules::{self, ArticleReport, CABLING_VERIFY_DAYS, Finding};

pub(super) fn article_7(conn: &mut DbConn, scope: &Scope) -> Result<ArticleReport, AppError> {
    let (authorised, completed) = oversight::open_work(conn)?;
    let mut findings = Vec::new();
    for c in &completed {
        if c.completed_at
            .is_some_and(|at| rules::cabling_unverified(at, scope.now))
        {
            findings.push(
                Finding::new(
                    "cabling_unverified",
                    format!(
                        "配線変更 #{}（{}）は完了報告から{CABLING_VERIFY_DAYS}日を過ぎても完了確認されていません。",
                        c.id, c.description
                    ),
                )
                .on("cabling_change", c.id),
            );
        }
    }
    for c in &authorised {
        if rules::cabling_late(c.planned_on, scope.today) {
            findings.push(
                Finding::new(
                    "cabling_overdue",
                    format!(
                        "配線変更 #{}（{}）は予定日（{}）を過ぎても完了報告がありません。",
                        c.id, c.description, c.planned_on
                    ),
                )
                .on("cabling_change", c.id),
            );
        }
    }
    let verified = oversight::verified_between(conn, scope.from_at, scope.to_at)?;
    let evidence = vec![
        format!("期間中に完了確認された配線変更 {verified}件"),
        format!(
            "作業指示済で未完了 {}件、完了報告済で未確認 {}件",
            authorised.len(),
            completed.len()
        ),
    ];
    Ok(ArticleReport::new("第7条", "配線・機器の変更作業", findings).with_evidence(evidence))
}
