//! The stocktake report as CSV for Excel (issue 13 item 15): one line per
//! device or unknown scan, with its outcome, UTF-8 with a BOM.

use super::service::{self, Report, ReportItem};
use crate::kit::excel::CsvWriter;
use crate::web::PageError;
use crate::web::WebState;
use crate::web::{PageUser, with_db};
use actix_web::{HttpResponse, get, web};

const HEADERS: [&str; 9] = [
    "区分",
    "資産番号",
    "品名",
    "状態",
    "台帳上の管理区域",
    "設置場所",
    "読取日時",
    "読取者",
    "読み取った内容",
];

/// 「2026-12-01 09:05:03」 in Tokyo, as Excel reads a time.
fn excel_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&crate::kit::time::tokyo())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

fn item_row(csv: &mut CsvWriter, outcome: &str, i: &ReportItem) {
    let zone = i.zone_name.clone().unwrap_or_default();
    let scanned = i.scanned_at.as_deref().map(excel_time).unwrap_or_default();
    csv.row([
        outcome,
        i.asset_tag.as_str(),
        i.name.as_str(),
        i.status.label(),
        zone.as_str(),
        i.location.as_str(),
        scanned.as_str(),
        i.scanned_by.as_deref().unwrap_or(""),
        "",
    ]);
}

pub fn report_csv(r: &Report) -> CsvWriter {
    let mut csv = CsvWriter::new(&HEADERS);
    for (outcome, items) in [
        ("確認済", &r.confirmed),
        ("所在不明", &r.missing),
        ("区域違い", &r.misplaced),
    ] {
        for i in items {
            item_row(&mut csv, outcome, i);
        }
    }
    for u in &r.unknown {
        let scanned = excel_time(&u.scanned_at);
        csv.row([
            "未登録",
            u.asset_tag.as_str(),
            "",
            "",
            "",
            "",
            scanned.as_str(),
            u.scanned_by.as_str(),
            u.code.as_str(),
        ]);
    }
    csv
}

#[get("/stocktakes/{id}/report.csv")]
pub(super) async fn stocktake_report_csv(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let (principal, id) = (user.auth.principal.clone(), id.into_inner());
    let report = with_db(&state, move |conn| service::report(conn, &principal, id)).await?;
    Ok(crate::web::download::csv_attachment(
        &format!("stocktake-{id}.csv"),
        report_csv(&report).finish(),
    ))
}
