//! An inspection as CSV for Excel: one line per finding with its decision,
//! after lines that say what was inspected and how it was signed.

use super::service::{self, InspectionView};
use crate::kit::excel::CsvWriter;
use crate::kit::time::{wareki_date, wareki_datetime};
use crate::web::{PageError, PageUser, WebState, with_db};
use actix_web::{HttpResponse, get, web};

const HEADERS: [&str; 8] = [
    "指摘番号",
    "条文",
    "指摘事項",
    "コード",
    "対象",
    "対応区分",
    "コメント",
    "記入日時（記入者）",
];

pub fn inspection_csv_text(v: &InspectionView) -> String {
    let mut csv = CsvWriter::new(&HEADERS);
    let period = format!("{} 〜 {}", wareki_date(v.from), wareki_date(v.to));
    let signed = match (&v.signed_by_name, v.signed_at) {
        (Some(who), Some(at)) => format!("{}（{}）", wareki_datetime(at), who),
        _ => "未署名".to_owned(),
    };
    for (label, value) in [
        ("点検記録", format!("No.{}", v.id)),
        ("点検期間", period),
        ("状態", v.state.label().to_owned()),
        ("署名", signed),
        (
            "報告書のSHA-256",
            v.report_sha256.clone().unwrap_or_default(),
        ),
        (
            "署名時の監査ログ",
            v.chain_seq
                .map(|s| format!("seq {s} {}", v.chain_hash.clone().unwrap_or_default()))
                .unwrap_or_default(),
        ),
    ] {
        csv.row(["", "", label, "", "", "", value.as_str(), ""]);
    }
    for f in &v.findings {
        let n = f.n.to_string();
        let target = match (&f.entity_type, &f.entity_id) {
            (Some(t), Some(id)) => format!("{t} {id}"),
            _ => String::new(),
        };
        let decided = match (&f.decided_by_name, f.decided_at) {
            (Some(who), Some(at)) => format!("{}（{}）", wareki_datetime(at), who),
            _ => String::new(),
        };
        csv.row([
            n.as_str(),
            f.article.as_str(),
            f.message.as_str(),
            f.code.as_str(),
            target.as_str(),
            f.disposition.map_or("未記入", |d| d.label()),
            f.comment.as_str(),
            decided.as_str(),
        ]);
    }
    csv.finish()
}

#[get("/inspections/{id}.csv")]
pub(super) async fn inspection_csv(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let (principal, id) = (user.auth.principal.clone(), id.into_inner());
    let v = with_db(&state, move |conn| service::get(conn, &principal, id)).await?;
    Ok(crate::web::download::csv_attachment(
        &format!("inspection-{id}.csv"),
        inspection_csv_text(&v),
    ))
}
