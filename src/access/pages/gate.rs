//! The guard's gate screen, 在室者 and the 入退室記録 pages.

use super::super::service::{self, AccessEventView, EventQuery, Occupancy};
use crate::error::AppError;
use crate::kit::time::{to_tokyo, wareki_datetime};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::{Layout, PageQuery, PageUser, Paged, render, with_db};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(gate_page)
        .service(gate_script)
        .service(occupancy_page)
        .service(log_page);
}

const GATE_SCRIPT: &str = include_str!("../../../templates/access/gate.js");

/// The gate screen's script (scan field, camera, verdicts), served beside the page.
#[get("/gate/gate.js")]
async fn gate_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(GATE_SCRIPT)
}

struct ZoneChoice {
    id: i64,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "access/gate.html")]
struct GatePage {
    layout: Layout,
    zones: Vec<ZoneChoice>,
    zone_id: i64,
    zone_label: String,
}

#[derive(Deserialize)]
struct GateQuery {
    zone_id: Option<i64>,
}

/// The zones a principal may work the gate of: all for guards, managed ones for managers.
async fn gate_zones(state: &WebState, user: &PageUser) -> Result<Vec<(i64, String)>, PageError> {
    let principal = user.auth.principal.clone();
    Ok(with_db(state, move |conn| service::gate_zones(conn, &principal)).await?)
}

#[get("/gate")]
async fn gate_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<GateQuery>,
) -> Result<HttpResponse, PageError> {
    let zones = gate_zones(&state, &user).await?;
    if zones.is_empty() {
        return Err(AppError::forbidden(
            "forbidden",
            "入退室ゲートを使えるのは、警備・受付と区域の管理者です。",
        )
        .into());
    }
    let zone_id = query
        .zone_id
        .filter(|z| zones.iter().any(|(id, _)| id == z))
        .unwrap_or(zones[0].0);
    let zone_label = zones
        .iter()
        .find(|(id, _)| *id == zone_id)
        .map(|z| z.1.clone())
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &GatePage {
            layout: user.layout("入退室ゲート"),
            zones: zones
                .into_iter()
                .map(|(id, label)| ZoneChoice {
                    selected: id == zone_id,
                    id,
                    label,
                })
                .collect(),
            zone_id,
            zone_label,
        },
    )
}

struct OccupantRow {
    name: String,
    organization: String,
    kind: String,
    permit_number: String,
    escort: String,
    entered: String,
    until: String,
    overdue: bool,
}

struct ZoneOccupancy {
    label: String,
    count: usize,
    overdue: usize,
    rows: Vec<OccupantRow>,
}

fn occupancy_rows(o: Occupancy) -> ZoneOccupancy {
    ZoneOccupancy {
        label: format!("{} {}", o.zone_code, o.zone_name),
        count: o.count,
        overdue: o.overdue,
        rows: o
            .people
            .into_iter()
            .map(|p| OccupantRow {
                kind: super::super::rules::HolderKind::parse(&p.kind)
                    .map_or("", |k| k.label())
                    .to_owned(),
                name: p.name,
                organization: p.organization.unwrap_or_default(),
                permit_number: p.permit_number,
                escort: match (p.escort_required, p.escort_name) {
                    (true, Some(name)) => format!("要（{name}）"),
                    (true, None) => "要".into(),
                    (false, _) => "不要".into(),
                },
                entered: wareki_datetime(p.entered_at),
                until: wareki_datetime(p.valid_until),
                overdue: p.overdue,
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "access/occupancy.html")]
struct OccupancyPage {
    layout: Layout,
    zones: Vec<ZoneOccupancy>,
    now: String,
}

/// Who is inside each zone now (for evacuation).
#[get("/access/occupancy")]
async fn occupancy_page(
    state: web::Data<WebState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let zones = with_db(&state, move |conn| {
        service::occupancy_everywhere(conn, &principal)
    })
    .await?;
    render(
        StatusCode::OK,
        &OccupancyPage {
            layout: user.layout("在室者"),
            zones: zones.into_iter().map(occupancy_rows).collect(),
            now: wareki_datetime(crate::db::now()),
        },
    )
}

struct LogRow {
    when: String,
    kind: String,
    denied: bool,
    zone: String,
    name: String,
    organization: String,
    permit_number: String,
    id_check: String,
    guard: String,
    carried: String,
    reason: String,
}

fn log_row(e: AccessEventView) -> LogRow {
    LogRow {
        when: wareki_datetime(e.occurred_at),
        kind: match e.kind.as_str() {
            "entry" => "入室".into(),
            "exit" => "退室".into(),
            _ => format!(
                "{}拒否",
                if e.attempt == "exit" {
                    "退室"
                } else {
                    "入室"
                }
            ),
        },
        denied: e.kind == "denied",
        zone: e.zone_name,
        name: e.holder_name.unwrap_or_default(),
        organization: e.holder_organization.unwrap_or_default(),
        permit_number: e.permit_number.unwrap_or_default(),
        id_check: if e.id_checked {
            format!("済（{}）", e.id_document.unwrap_or_default())
        } else {
            String::new()
        },
        guard: e.guard_name,
        carried: e
            .carried_out
            .iter()
            .map(|c| {
                if c.authorised {
                    c.asset_tag.clone()
                } else {
                    format!("{}（未承認）", c.asset_tag)
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        reason: e.reason.unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "access/log.html")]
struct LogPage {
    layout: Layout,
    rows: Vec<LogRow>,
    zones: Vec<ZoneChoice>,
    from: String,
    to: String,
    query_string: String,
    error: Option<String>,
    page: i64,
    pages: i64,
    total: i64,
}

#[derive(Deserialize)]
struct LogQuery {
    zone_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The 入退室記録 with filters and the CSV export.
#[get("/access/log")]
async fn log_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<LogQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let q = query.into_inner();
    let (page, per_page) = paging.fixed(100)?;
    let zone_id = q
        .zone_id
        .as_deref()
        .and_then(|z| z.trim().parse::<i64>().ok());
    let (from, to) = (q.from.unwrap_or_default(), q.to.unwrap_or_default());
    let today = to_tokyo(crate::db::now()).date_naive().to_string();
    let from = if from.is_empty() && to.is_empty() {
        today.clone()
    } else {
        from
    };
    let to = if to.is_empty() && paging.page.is_none() && from == today {
        today
    } else {
        to
    };
    let event_query = EventQuery {
        zone_id,
        from: Some(from.clone()).filter(|s| !s.is_empty()),
        to: Some(to.clone()).filter(|s| !s.is_empty()),
    };
    let principal = user.auth.principal.clone();
    let (result, zones) = with_db(&state, move |conn| {
        let zones = service::active_zones(conn)?;
        let result = service::list_events(
            conn,
            &principal,
            &event_query,
            PageQuery::offset(page, per_page),
            per_page,
        );
        Ok((result, zones))
    })
    .await?;
    let (rows, total, error) = match result {
        Ok((items, total)) => (items.into_iter().map(log_row).collect(), total, None),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => (vec![], 0, Some(e.message)),
        Err(e) => return Err(e.into()),
    };
    let mut query_string = format!(
        "from={}&to={}",
        crate::web::percent_encode(&from),
        crate::web::percent_encode(&to)
    );
    if let Some(z) = zone_id {
        query_string.push_str(&format!("&zone_id={z}"));
    }
    let pages = Paged::new(Vec::<()>::new(), total, page, per_page).pages();
    render(
        StatusCode::OK,
        &LogPage {
            layout: user.layout("入退室記録"),
            rows,
            zones: zones
                .into_iter()
                .map(|(id, code, name)| ZoneChoice {
                    selected: Some(id) == zone_id,
                    id,
                    label: format!("{code} {name}"),
                })
                .collect(),
            from,
            to,
            query_string,
            error,
            page,
            pages,
            total,
        },
    )
}
