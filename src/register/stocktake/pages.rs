//! Stocktaking pages: 棚卸一覧 (open a campaign), the scan page (scanner or camera, loud
//! results), and the report with the manager's sign-off.

use super::service::{self, Report, StocktakeState, StocktakeView};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::kit::time::{parse_instant, wareki_datetime};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::layout::{NavLink, done};
use crate::web::{Layout, PageQuery, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(stocktakes_page)
        .service(stocktake_open_submit)
        .service(stocktake_page)
        .service(stocktake_close_submit)
        .service(stocktake_scan_page)
        .service(super::report_csv::stocktake_report_csv);
}

pub fn nav(principal: &Principal, nav: &mut Vec<NavLink>) {
    if principal.has_any(&[
        Role::Admin,
        Role::SecurityManager,
        Role::Operator,
        Role::Auditor,
    ]) {
        nav.push(NavLink {
            href: "/stocktakes",
            label: "棚卸",
        });
    }
}

/// An RFC 3339 time from a report, shown in 和暦.
fn shown(text: &str) -> String {
    parse_instant(text).map_or_else(|| text.to_owned(), wareki_datetime)
}

struct Row {
    id: i64,
    zone: String,
    open: bool,
    state: &'static str,
    opened: String,
    opened_by: String,
    closed: String,
    closed_by: String,
    progress: String,
}

impl Row {
    fn of(v: &StocktakeView) -> Row {
        Row {
            id: v.id,
            zone: format!("{} {}", v.zone_code, v.zone_name),
            open: v.state == StocktakeState::Open,
            state: v.state.label(),
            opened: wareki_datetime(v.opened_at),
            opened_by: v.opened_by_name.clone(),
            closed: v.closed_at.map(wareki_datetime).unwrap_or_default(),
            closed_by: v.closed_by_name.clone().unwrap_or_default(),
            progress: format!("{} / {}", v.confirmed, v.expected),
        }
    }
}

struct ZoneOption {
    id: i64,
    label: String,
}

#[derive(Template)]
#[template(path = "register/stocktakes.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    zones: Vec<ZoneOption>,
    error: Option<String>,
    page: i64,
    pages: i64,
}

async fn list_page(
    state: &WebState,
    user: &PageUser,
    page: i64,
    error: Option<AppError>,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let per_page = 50;
    let (items, total, zones) = with_db(state, move |conn| {
        let (items, total) = service::list_stocktakes(
            conn,
            &principal,
            PageQuery::offset(page, per_page),
            per_page,
        )?;
        let zones = service::scannable_zones(conn, &principal)?
            .into_iter()
            .map(|(id, label)| ZoneOption { id, label })
            .collect();
        Ok((items, total, zones))
    })
    .await?;
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status());
    let page = ListPage {
        layout: user.layout("棚卸"),
        rows: items.iter().map(Row::of).collect(),
        zones,
        error: error.map(|e| e.message),
        page,
        pages: ((total + per_page - 1) / per_page).max(1),
    };
    render(status, &page)
}

#[get("/stocktakes")]
async fn stocktakes_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let (page, _) = query.into_inner().resolve()?;
    list_page(&state, &user, page, None).await
}

#[derive(Deserialize)]
struct OpenForm {
    csrf: String,
    zone_id: i64,
}

#[post("/stocktakes")]
async fn stocktake_open_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<OpenForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (principal, zone_id) = (user.auth.principal.clone(), form.zone_id);
    match with_db(&state, move |conn| {
        service::open_stocktake(conn, &principal, zone_id)
    })
    .await
    {
        Ok(v) => Ok(done(
            &format!("/stocktakes/{}/scan", v.id),
            "棚卸を開始しました。ラベルを読み取ってください。",
        )),
        Err(e) if e.status().is_client_error() && e.status() != StatusCode::NOT_FOUND => {
            list_page(&state, &user, 1, Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

struct ItemRow {
    tag: String,
    name: String,
    status: &'static str,
    zone: String,
    location: String,
    scanned: String,
    scanned_by: String,
}

struct UnknownRow {
    tag: String,
    code: String,
    scanned: String,
    scanned_by: String,
}

#[derive(Template)]
#[template(path = "register/stocktake_report.html")]
struct ReportPage {
    layout: Layout,
    id: i64,
    zone: String,
    open: bool,
    state: &'static str,
    opened: String,
    opened_by: String,
    closed: String,
    closed_by: String,
    report_hash: String,
    expected: i64,
    scans: i64,
    confirmed: Vec<ItemRow>,
    missing: Vec<ItemRow>,
    misplaced: Vec<ItemRow>,
    unknown: Vec<UnknownRow>,
    may_close: bool,
    may_scan: bool,
    error: Option<String>,
}

fn item_rows(items: &[service::ReportItem]) -> Vec<ItemRow> {
    items
        .iter()
        .map(|i| ItemRow {
            tag: i.asset_tag.clone(),
            name: i.name.clone(),
            status: i.status.label(),
            zone: i
                .zone_name
                .clone()
                .unwrap_or_else(|| "（未設定）".to_owned()),
            location: i.location.clone(),
            scanned: i.scanned_at.as_deref().map(shown).unwrap_or_default(),
            scanned_by: i.scanned_by.clone().unwrap_or_default(),
        })
        .collect()
}

async fn report_page(
    state: &WebState,
    user: &PageUser,
    id: i64,
    error: Option<AppError>,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let (v, r, may_close, may_scan): (StocktakeView, Report, bool, bool) =
        with_db(state, move |conn| {
            let v = service::get_stocktake(conn, &principal, id)?;
            let r = service::report(conn, &principal, id)?;
            let may_close = service::may_close(conn, &principal, v.zone_id)?;
            let may_scan = service::may_scan(conn, &principal, v.zone_id)?;
            Ok((v, r, may_close, may_scan))
        })
        .await?;
    let open = v.state == StocktakeState::Open;
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status());
    let page = ReportPage {
        layout: user.layout(&format!("棚卸 No.{id}")),
        id,
        zone: format!("{} {}", r.zone_code, r.zone_name),
        open,
        state: v.state.label(),
        opened: shown(&r.opened_at),
        opened_by: r.opened_by.clone(),
        closed: r.closed_at.as_deref().map(shown).unwrap_or_default(),
        closed_by: r.closed_by.clone().unwrap_or_default(),
        report_hash: v.report_hash.clone().unwrap_or_default(),
        expected: r.expected,
        scans: r.scans,
        confirmed: item_rows(&r.confirmed),
        missing: item_rows(&r.missing),
        misplaced: item_rows(&r.misplaced),
        unknown: r
            .unknown
            .iter()
            .map(|u| UnknownRow {
                tag: u.asset_tag.clone(),
                code: u.code.clone(),
                scanned: shown(&u.scanned_at),
                scanned_by: u.scanned_by.clone(),
            })
            .collect(),
        may_close: open && may_close,
        may_scan: open && may_scan,
        error: error.map(|e| e.message),
    };
    render(status, &page)
}

#[get("/stocktakes/{id}")]
async fn stocktake_page(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    report_page(&state, &user, id.into_inner(), None).await
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

#[post("/stocktakes/{id}/close")]
async fn stocktake_close_submit(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (principal, id) = (user.auth.principal.clone(), id.into_inner());
    match with_db(&state, move |conn| {
        service::close_stocktake(conn, &principal, id)
    })
    .await
    {
        Ok(_) => Ok(done(
            &format!("/stocktakes/{id}"),
            "棚卸を締めました。結果は下の報告のとおりです。",
        )),
        Err(e) if e.status() == StatusCode::CONFLICT || e.status() == StatusCode::FORBIDDEN => {
            report_page(&state, &user, id, Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "register/stocktake_scan.html")]
struct ScanPage {
    layout: Layout,
    id: i64,
    zone: String,
    expected: i64,
    confirmed: i64,
    scanned: i64,
}

/// The scan page: a scanner types into the field and ends with Enter; the camera button uses
/// BarcodeDetector where the browser has it. Results are shown big and heard.
#[get("/stocktakes/{id}/scan")]
async fn stocktake_scan_page(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let (principal, id) = (user.auth.principal.clone(), id.into_inner());
    let v = with_db(&state, move |conn| {
        let v = service::get_stocktake(conn, &principal, id)?;
        if v.state != StocktakeState::Open {
            return Err(AppError::conflict(
                "stocktake_closed",
                "この棚卸は締め切られています。報告書をご覧ください。",
            ));
        }
        if !service::may_scan(conn, &principal, v.zone_id)? {
            return Err(AppError::forbidden(
                "forbidden",
                "棚卸の読み取りは、運用管理者とこの管理区域のセキュリティ管理者が行えます。",
            ));
        }
        Ok(v)
    })
    .await?;
    let page = ScanPage {
        layout: user.layout(&format!("棚卸 読み取り No.{id}")),
        id,
        zone: format!("{} {}", v.zone_code, v.zone_name),
        expected: v.expected,
        confirmed: v.confirmed,
        scanned: v.scanned,
    };
    render(StatusCode::OK, &page)
}
