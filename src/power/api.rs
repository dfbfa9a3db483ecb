//! Power JSON handlers under `/api/v1`: UPS records, coverage, live status, events.

use super::rules::Problem;
use super::service::{self, CoverageRow, EventView, READERS, StatusView, UpsInput, UpsView};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::{ApiJson, CurrentUser, with_db};
use actix_web::{HttpResponse, get, put, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(put_ups)
        .service(get_ups)
        .service(coverage)
        .service(ups_status)
        .service(ups_events);
}

/// Record or replace the UPS details (電源設備台帳) of an equipment of kind `ups`.
/// An operator, or a security manager of the UPS's department. 201 when created, 200 when replaced.
#[utoipa::path(
    tag = "power",
    params(("tag" = String, Path, description = "asset tag of the UPS")),
    request_body = UpsInput,
    responses(
        (status = 200, body = UpsView), (status = 201, body = UpsView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "not_a_ups", body = ErrorBody),
        (status = 422, description = "invalid_field", body = ErrorBody),
    )
)]
#[put("/equipment/{tag}/ups")]
async fn put_ups(
    state: web::Data<WebState>,
    user: CurrentUser,
    tag: web::Path<String>,
    body: ApiJson<UpsInput>,
) -> Result<HttpResponse, AppError> {
    let principal = user.0.principal;
    let input = body.0;
    let ports = state.settings.nut_ports.clone();
    let (view, created) = with_db(&state, move |conn| {
        service::set_ups(conn, &principal, &tag, input, &ports)
    })
    .await?;
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// The UPS details of an equipment of kind `ups`.
#[utoipa::path(
    tag = "power",
    params(("tag" = String, Path, description = "asset tag of the UPS")),
    responses((status = 200, body = UpsView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[get("/equipment/{tag}/ups")]
async fn get_ups(
    state: web::Data<WebState>,
    user: CurrentUser,
    tag: web::Path<String>,
) -> Result<web::Json<UpsView>, AppError> {
    user.require_any(READERS)?;
    Ok(web::Json(
        with_db(&state, move |conn| service::get_ups(conn, &tag)).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CoverageQuery {
    /// Only the rows with this problem.
    pub problem: Option<String>,
    /// Only the rows with any problem.
    pub only_problems: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoverageAnswer {
    /// One row per key equipment in use.
    pub items: Vec<CoverageRow>,
    pub total: usize,
    /// How many rows have at least one problem.
    pub with_problems: usize,
    /// The day the battery dates were checked against (Asia/Tokyo).
    pub checked_on: chrono::NaiveDate,
}

/// 第6条: every key equipment's UPS, runtime and surge protection, with its problems.
#[utoipa::path(
    tag = "power",
    params(CoverageQuery),
    responses((status = 200, body = CoverageAnswer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[get("/power/coverage")]
async fn coverage(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<CoverageQuery>,
) -> Result<web::Json<CoverageAnswer>, AppError> {
    user.require_any(READERS)?;
    let query = query.into_inner();
    let problem = match query.problem.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(Problem::parse(p).ok_or_else(|| {
            AppError::invalid("problem", "no_ups, insufficient_runtime, battery_due, no_surge_protection, on_battery, low_battery, ups_unreachable のいずれかを指定してください。")
        })?),
    };
    let today = service::today();
    let fresh = service::fresh_since(&state.settings);
    let rows = with_db(&state, move |conn| service::coverage(conn, today, fresh)).await?;
    let with_problems = rows.iter().filter(|r| !r.problems.is_empty()).count();
    let items: Vec<CoverageRow> = rows
        .into_iter()
        .filter(|r| problem.is_none_or(|p| r.problems.contains(&p)))
        .filter(|r| !query.only_problems.unwrap_or(false) || !r.problems.is_empty())
        .collect();
    Ok(web::Json(CoverageAnswer {
        total: items.len(),
        items,
        with_problems,
        checked_on: today,
    }))
}

/// The latest NUT reading of a UPS (all null before its first poll).
#[utoipa::path(
    tag = "power",
    params(("tag" = String, Path, description = "asset tag of the UPS")),
    responses((status = 200, body = StatusView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[get("/power/ups/{tag}/status")]
async fn ups_status(
    state: web::Data<WebState>,
    user: CurrentUser,
    tag: web::Path<String>,
) -> Result<web::Json<StatusView>, AppError> {
    user.require_any(READERS)?;
    let fresh = service::fresh_since(&state.settings);
    Ok(web::Json(
        with_db(&state, move |conn| service::ups_status(conn, &tag, fresh)).await?,
    ))
}

/// Status changes of a UPS seen by the poller (on battery, low battery, back on mains,
/// replace battery, unreachable, reachable again), newest first, at most 200.
#[utoipa::path(
    tag = "power",
    params(("tag" = String, Path, description = "asset tag of the UPS")),
    responses((status = 200, body = Vec<EventView>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[get("/power/ups/{tag}/events")]
async fn ups_events(
    state: web::Data<WebState>,
    user: CurrentUser,
    tag: web::Path<String>,
) -> Result<web::Json<Vec<EventView>>, AppError> {
    user.require_any(READERS)?;
    Ok(web::Json(
        with_db(&state, move |conn| service::ups_events(conn, &tag, 200)).await?,
    ))
}
