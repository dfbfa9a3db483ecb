//! 第5条: only permitted people are inside managed zones, every zone has its
//! security manager, and what the gate refused in the period.

use super::Scope;
use crate::access::service::oversight;
use crate::db::DbConn;
use crate::error::AppError;
use crate::kit::time::wareki_datetime;
use crate::register::service::oversight as register;
use crate::reports::rules::{ArticleReport, Finding};

pub(super) fn article_5(conn: &mut DbConn, scope: &Scope) -> Result<ArticleReport, AppError> {
    let mut findings = Vec::new();
    let mut evidence = Vec::new();

    let inside = oversight::count_inside(conn)?;
    let overstays = oversight::overstays(conn, scope.now)?;
    evidence.push(if overstays.is_empty() {
        format!("現在の在室者 {inside}名、すべて許可期間内")
    } else {
        format!(
            "現在の在室者 {inside}名のうち {}名が許可期間外",
            overstays.len()
        )
    });
    for o in overstays {
        let p = o.permit;
        let why = if p.state == "revoked" {
            "入室許可が取り消された後も".to_owned()
        } else {
            format!(
                "入室許可の期限（{}）を過ぎても",
                wareki_datetime(p.valid_until)
            )
        };
        findings.push(
            Finding::new(
                "inside_after_permit",
                format!(
                    "{}（{}）が {}{} {} に在室しています。",
                    p.holder_name, p.number, why, p.zone_code, p.zone_name
                ),
            )
            .on("permit", p.id),
        );
    }

    let unmanaged = register::unmanaged_zones(conn)?;
    evidence.push(if unmanaged.is_empty() {
        "すべての管理区域にセキュリティ管理者を指定済み".to_owned()
    } else {
        format!("セキュリティ管理者のいない管理区域 {}件", unmanaged.len())
    });
    findings.extend(unmanaged.into_iter().map(|z| {
        Finding::new(
            "zone_without_manager",
            format!(
                "管理区域 {} {} にセキュリティ管理者がいません。",
                z.code, z.name
            ),
        )
        .on("zone", z.id)
    }));

    let denied = oversight::denied_counts(conn, scope.from_at, scope.to_at)?;
    let total: i64 = denied.iter().map(|(_, n)| n).sum();
    evidence.push(if total == 0 {
        "期間中の入退室の拒否 なし".to_owned()
    } else {
        let by_reason: Vec<String> = denied
            .iter()
            .map(|(reason, n)| format!("{reason} {n}件"))
            .collect();
        format!("期間中の入退室の拒否 {total}件（{}）", by_reason.join("、"))
    });
    Ok(ArticleReport::new("第5条", "管理区域への入退室の管理", findings).with_evidence(evidence))
}
