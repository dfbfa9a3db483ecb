//! Cabling changes under `/api/v1` (第7条).

use super::rules::Step;
use super::service::{self, CablingInput, CablingView};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::json::OptionalJson;
use crate::web::{ApiJson, CurrentUser, PageQuery, Paged, with_db};
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get_one)
        .service(authorize)
        .service(reject)
        .service(complete)
        .service(verify);
}

/// Request a cabling or equipment change (state `requested`).
#[utoipa::path(
    tag = "cabling",
    request_body = CablingInput,
    responses((status = 201, body = CablingView), (status = 422, body = ErrorBody))
)]
#[post("/cabling-changes")]
async fn create(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<CablingInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let view = with_db(&state, move |conn| {
        service::create(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CablingQuery {
    pub zone_id: Option<i64>,
    pub state: Option<String>,
    pub asset_tag: Option<String>,
}

/// Cabling changes, newest first (配線・機器変更作業).
#[utoipa::path(tag = "cabling", params(CablingQuery, PageQuery), responses((status = 200, body = Paged<CablingView>)))]
#[get("/cabling-changes")]
async fn list(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<CablingQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<CablingView>>, AppError> {
    let query = query.into_inner();
    let (page, per_page) = paging.resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list(
            conn,
            &principal,
            query.zone_id,
            query.state.as_deref(),
            query.asset_tag.as_deref(),
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

#[utoipa::path(tag = "cabling", params(("id" = i64, Path)), responses((status = 200, body = CablingView), (status = 404, body = ErrorBody)))]
#[get("/cabling-changes/{id}")]
async fn get_one(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<CablingView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| service::get(conn, &principal, id)).await?,
    ))
}

/// A decision's or a report's optional note. The body may be empty.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    pub notes: Option<String>,
    /// On completion: was the network diagram updated (構成図更新)?
    pub diagram_updated: Option<bool>,
}

async fn run(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: i64,
    input: StepInput,
    step: Step,
) -> Result<web::Json<CablingView>, AppError> {
    let principal = user.0.principal;
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::step(
                conn,
                &principal,
                id,
                step,
                input.notes.as_deref(),
                input.diagram_updated,
            )
        })
        .await?,
    ))
}

/// The zone manager's work instruction (作業指示); never the requester.
#[utoipa::path(tag = "cabling", params(("id" = i64, Path)), request_body(content = Option<StepInput>, description = "optional"),
    responses((status = 200, body = CablingView), (status = 403, description = "not_zone_manager, self_approval", body = ErrorBody), (status = 409, description = "wrong_state", body = ErrorBody)))]
#[post("/cabling-changes/{id}/authorize")]
async fn authorize(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<StepInput>,
) -> Result<web::Json<CablingView>, AppError> {
    run(state, user, id.into_inner(), body.0, Step::Authorize).await
}

/// The zone manager refuses the change; never the requester.
#[utoipa::path(tag = "cabling", params(("id" = i64, Path)), request_body(content = Option<StepInput>, description = "optional"),
    responses((status = 200, body = CablingView), (status = 403, description = "not_zone_manager, self_approval", body = ErrorBody), (status = 409, description = "wrong_state", body = ErrorBody)))]
#[post("/cabling-changes/{id}/reject")]
async fn reject(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<StepInput>,
) -> Result<web::Json<CablingView>, AppError> {
    run(state, user, id.into_inner(), body.0, Step::Reject).await
}

/// The work is done: the named operator, or an operator recording the named contractor's work; only once authorised.
#[utoipa::path(tag = "cabling", params(("id" = i64, Path)), request_body(content = Option<StepInput>, description = "optional"),
    responses((status = 200, body = CablingView), (status = 403, description = "not_authorized_performer", body = ErrorBody), (status = 409, description = "wrong_state", body = ErrorBody)))]
#[post("/cabling-changes/{id}/complete")]
async fn complete(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<StepInput>,
) -> Result<web::Json<CablingView>, AppError> {
    run(state, user, id.into_inner(), body.0, Step::Complete).await
}

/// The zone manager confirms the work (not the one who did it).
#[utoipa::path(tag = "cabling", params(("id" = i64, Path)), request_body(content = Option<StepInput>, description = "optional"),
    responses((status = 200, body = CablingView), (status = 403, description = "not_zone_manager, self_verification", body = ErrorBody), (status = 409, description = "wrong_state", body = ErrorBody)))]
#[post("/cabling-changes/{id}/verify")]
async fn verify(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<StepInput>,
) -> Result<web::Json<CablingView>, AppError> {
    run(state, user, id.into_inner(), body.0, Step::Verify).await
}
