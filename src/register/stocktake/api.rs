//! Stocktaking under `/api/v1/stocktakes`.

use super::service::{self, Report, ScanOutcome, StocktakeView};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::{ApiJson, CurrentUser, PageQuery, Paged, with_db};
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_stocktakes)
        .service(open_stocktake)
        .service(get_stocktake)
        .service(scan_stocktake)
        .service(close_stocktake)
        .service(stocktake_report);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenInput {
    pub zone_id: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanInput {
    /// What the scanner typed: a label URL (`…/e/TAG`) or a tag; full-width input is normalised.
    pub code: String,
}

/// Stocktake campaigns, newest first.
#[utoipa::path(tag = "register", params(PageQuery), responses((status = 200, body = Paged<StocktakeView>)))]
#[get("/stocktakes")]
async fn list_stocktakes(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Paged<StocktakeView>>, AppError> {
    let (page, per_page) = query.into_inner().resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list_stocktakes(
            conn,
            &principal,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

/// Open a stocktake of a zone (operator or a manager of the zone); one open campaign per zone.
#[utoipa::path(
    tag = "register",
    request_body = OpenInput,
    responses(
        (status = 201, body = StocktakeView),
        (status = 403, body = ErrorBody),
        (status = 409, description = "stocktake_open", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/stocktakes")]
async fn open_stocktake(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<OpenInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, zone_id) = (user.0.principal, body.0.zone_id);
    let created = with_db(&state, move |conn| {
        service::open_stocktake(conn, &principal, zone_id)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "register", params(("id" = i64, Path)), responses((status = 200, body = StocktakeView), (status = 404, body = ErrorBody)))]
#[get("/stocktakes/{id}")]
async fn get_stocktake(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<StocktakeView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::get_stocktake(conn, &principal, id)
        })
        .await?,
    ))
}

/// Record a scan: `confirmed`, `misplaced` (registered in another zone), `unknown` (no such
/// tag) or `duplicate` (already scanned in this campaign). Every scan is stored and audited.
#[utoipa::path(
    tag = "register",
    params(("id" = i64, Path)),
    request_body = ScanInput,
    responses(
        (status = 200, body = ScanOutcome),
        (status = 409, description = "stocktake_closed", body = ErrorBody),
        (status = 422, description = "not a tag (e.g. kana from an IME)", body = ErrorBody),
    )
)]
#[post("/stocktakes/{id}/scans")]
async fn scan_stocktake(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ScanInput>,
) -> Result<web::Json<ScanOutcome>, AppError> {
    let (principal, id, code) = (user.0.principal, id.into_inner(), body.0.code);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::scan(conn, &principal, id, &code)
        })
        .await?,
    ))
}

/// Close the campaign with the sign-off of a manager of the zone; nothing changes afterwards.
#[utoipa::path(
    tag = "register",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = StocktakeView),
        (status = 403, body = ErrorBody),
        (status = 409, description = "stocktake_closed", body = ErrorBody),
    )
)]
#[post("/stocktakes/{id}/close")]
async fn close_stocktake(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<StocktakeView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::close_stocktake(conn, &principal, id)
        })
        .await?,
    ))
}

/// The report: live while open; once closed, exactly as stored at the sign-off.
#[utoipa::path(tag = "register", params(("id" = i64, Path)), responses((status = 200, body = Report), (status = 404, body = ErrorBody)))]
#[get("/stocktakes/{id}/report")]
async fn stocktake_report(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    let text = with_db(&state, move |conn| {
        service::report_text(conn, &principal, id)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(text))
}
