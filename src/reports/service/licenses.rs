//! 第14条 (installs with permission) and 第15条 (licenses), from one compliance run.

use super::Scope;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::Principal;
use crate::licenses;
use crate::reports::rules::{self, ArticleReport, Finding, LICENSE_EXPIRY_DAYS, LicenseIssue};

pub(super) fn articles_14_15(
    conn: &mut DbConn,
    by: &Principal,
    _scope: &Scope,
) -> Result<(ArticleReport, ArticleReport), AppError> {
    let report = licenses::service::compliance(conn, by, licenses::service::today())?;
    let (mut installs, mut seats) = (vec![], vec![]);
    let products = report.items.len();
    let installed: i64 = report.items.iter().map(|r| r.installed).sum();
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
        let issues = rules::license_issues(
            row.seats,
            row.installed,
            row.over_by,
            row.expired_licenses,
            row.expiring_in_days,
        );
        for issue in issues {
            let (code, message) = match issue {
                LicenseIssue::OverSeats(n) => (
                    "over_seats",
                    format!("{name}: 保有ライセンス数を {n} 台超えて導入されています。"),
                ),
                LicenseIssue::ExpiredInstalled(n) => (
                    "expired_license_installed",
                    format!("{name}: ライセンスの期限が切れたまま {n} 台に導入されています。"),
                ),
                LicenseIssue::Expiring(days) => (
                    "license_expiring",
                    format!(
                        "{name}: ライセンスの期限まで {days} 日です（{LICENSE_EXPIRY_DAYS}日以内）。"
                    ),
                ),
            };
            seats.push(Finding::new(code, message).on("software", row.software_id));
        }
    }
    let evidence = vec![format!(
        "ソフトウェア {products}製品、導入 {installed}台（{} 時点）",
        report.as_of
    )];
    Ok((
        ArticleReport::new("第14条", "ソフトウェア導入の許可", installs)
            .with_evidence(evidence.clone()),
        ArticleReport::new("第15条", "ライセンス管理", seats).with_evidence(evidence),
    ))
}
