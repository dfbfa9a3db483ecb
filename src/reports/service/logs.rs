//! 第16条 (the access records are protected), 第30条 (who reads the logs) and
//! 第32条 (the inspections themselves).

use super::Scope;
use crate::audit;
use crate::audit::service::oversight::log_readers;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::service::oversight::roles_of;
use crate::reports::rules::{self, ArticleReport, Finding};
use chrono::NaiveDateTime;

pub(super) fn article_16(conn: &mut DbConn) -> Result<ArticleReport, AppError> {
    let report = audit::verify(conn)?;
    let mut evidence = vec![if report.ok {
        let head: String = report.head_hash.chars().take(16).collect();
        format!(
            "監査ログ {}件、改ざん検証 正常（先頭ハッシュ {head}…）",
            report.events
        )
    } else {
        format!("監査ログ {}件まで検証し、異常を検出", report.events)
    }];
    evidence.extend(newest_checkpoint(conn)?);
    let findings = if report.ok {
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
    };
    Ok(
        ArticleReport::new("第16条", "アクセス記録の保護（改ざん検知）", findings)
            .with_evidence(evidence),
    )
}

/// The evidence line of the newest signed checkpoint of the chain (issue 14 §3).
fn newest_checkpoint(conn: &mut DbConn) -> Result<Option<String>, AppError> {
    Ok(crate::audit::service::checkpoints::latest(conn)?.map(|c| {
        format!(
            "最新の署名付きチェックポイント: 連番 {}（{}、鍵 {}）",
            c.seq, c.at, c.kid
        )
    }))
}

pub(super) fn article_30(conn: &mut DbConn, scope: &Scope) -> Result<ArticleReport, AppError> {
    let readers = log_readers(conn, scope.from_at, scope.to_at)?;
    let ids: Vec<i64> = readers.iter().filter_map(|r| r.actor_id).collect();
    let roles = roles_of(conn, &ids)?;
    let names = crate::identity::service::user_names(conn, &ids)?;
    let mut evidence = Vec::new();
    let mut findings = Vec::new();
    for r in &readers {
        let reads: Vec<String> = r
            .reads
            .iter()
            .map(|(action, n)| format!("{} {n}回", audit::present::action_label(action)))
            .collect();
        // The name now beside the login the chain recorded, as 第18条 lists people.
        let who = match r.actor_id.and_then(|id| names.get(&id)) {
            Some(name) => format!("{name}（{}）", r.actor_name),
            None => r.actor_name.clone(),
        };
        evidence.push(format!("{who}：{}", reads.join("、")));
        let allowed = r
            .actor_id
            .is_some_and(|id| rules::may_read_logs(roles.get(&id).map_or(&[], Vec::as_slice)));
        if !allowed {
            let finding = Finding::new(
                "log_read_by_non_auditor",
                format!(
                    "{who} は監査担当・セキュリティ管理者・システム管理者ではありませんが、期間中に記録を閲覧しています（{}）。",
                    reads.join("、")
                ),
            );
            findings.push(match r.actor_id {
                Some(id) => finding.on("user", id),
                None => finding,
            });
        }
    }
    if readers.is_empty() {
        evidence.push("期間中の監査ログ・入退室記録の閲覧 なし".to_owned());
    }
    Ok(ArticleReport::new("第30条", "アクセス記録の確認", findings).with_evidence(evidence))
}

pub(super) fn article_32(conn: &mut DbConn, scope: &Scope) -> Result<ArticleReport, AppError> {
    let last = last_signed_inspection(conn)?;
    Ok(rules::article_32(
        last,
        scope.now,
        scope.settings.inspection_days,
    ))
}

/// When the newest inspection was signed (issue 14 §3).
fn last_signed_inspection(conn: &mut DbConn) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(crate::reports::inspections::service::last_signed_at(conn)?)
}
