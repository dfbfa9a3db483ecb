//! Inspections (点検記録, 第32条) under `/api/v1/inspections`.

use super::rules::Disposition;
use super::service::{self, FindingView, InspectionSummary, InspectionView};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::{ApiJson, CurrentUser, PageQuery, Paged, with_db};
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_inspections)
        .service(open_inspection)
        .service(get_inspection)
        .service(decide_finding)
        .service(sign_inspection);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenInput {
    /// The period inspected, first and last day (`YYYY-MM-DD`; `to` today at the latest).
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideInput {
    pub disposition: Disposition,
    /// What was done, when it will be, or why the risk is accepted (required).
    pub comment: String,
}

/// Inspections, newest first (admins, auditors, security managers).
#[utoipa::path(tag = "reports", params(PageQuery), responses((status = 200, body = Paged<InspectionSummary>), (status = 403, body = ErrorBody)))]
#[get("/inspections")]
async fn list_inspections(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Paged<InspectionSummary>>, AppError> {
    let (page, per_page) = query.into_inner().resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list(
            conn,
            &principal,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

/// Open an inspection of a period (a security manager): the compliance report
/// is frozen as it stands now, its findings numbered from 1.
#[utoipa::path(
    tag = "reports",
    request_body = OpenInput,
    responses(
        (status = 201, body = InspectionView),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/inspections")]
async fn open_inspection(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<OpenInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let settings = state.settings.clone();
    let created = with_db(&state, move |conn| {
        service::open(
            conn,
            &principal,
            &settings,
            input.from,
            input.to,
            input.note.as_deref(),
            crate::register::service::movements::today(),
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "reports", params(("id" = i64, Path)), responses((status = 200, body = InspectionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/inspections/{id}")]
async fn get_inspection(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<InspectionView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| service::get(conn, &principal, id)).await?,
    ))
}

/// Decide finding `n` (a security manager): its disposition and a comment.
/// Refused with 409 `inspection_signed` once the inspection is signed.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path), ("n" = i32, Path)),
    request_body = DecideInput,
    responses(
        (status = 200, body = FindingView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "inspection_signed", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[patch("/inspections/{id}/findings/{n}")]
async fn decide_finding(
    state: web::Data<WebState>,
    user: CurrentUser,
    path: web::Path<(i64, i32)>,
    body: ApiJson<DecideInput>,
) -> Result<web::Json<FindingView>, AppError> {
    let ((id, n), principal, input) = (path.into_inner(), user.0.principal, body.0);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::decide(conn, &principal, id, n, input.disposition, &input.comment)
        })
        .await?,
    ))
}

/// Sign the inspection (a security manager): every finding must be decided
/// (else 422 `findings_undecided`). The report with its decisions, its SHA-256
/// and the audit chain's head go into the chain (`inspection.signed`), a
/// signed checkpoint is taken, and nothing in the inspection changes after.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = InspectionView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "inspection_signed", body = ErrorBody),
        (status = 422, description = "findings_undecided", body = ErrorBody),
    )
)]
#[post("/inspections/{id}/sign")]
async fn sign_inspection(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<InspectionView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    let settings = state.settings.clone();
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::sign(conn, &principal, &settings, id)
        })
        .await?,
    ))
}
