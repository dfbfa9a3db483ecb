//! `/api/v1/incidents`: report, read, answer and close incident and fault records.

use super::service::{self, IncidentInput, IncidentQuery, IncidentView, ResponseInput};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::{ApiJson, CurrentUser, PageQuery, Paged, with_db};
use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(report)
        .service(list)
        .service(export)
        .service(get_one)
        .service(respond)
        .service(close);
}

/// Report an incident (第10条) or a fault (第27条): anyone signed in.
#[utoipa::path(
    tag = "incidents",
    request_body = IncidentInput,
    responses((status = 201, body = IncidentView), (status = 422, body = ErrorBody))
)]
#[post("/incidents")]
async fn report(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<IncidentInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let view = with_db(&state, move |conn| {
        service::report_incident(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Records, newest first: admins, auditors and security managers read all, others their own reports.
#[utoipa::path(tag = "incidents", params(IncidentQuery, PageQuery), responses((status = 200, body = Paged<IncidentView>), (status = 422, body = ErrorBody)))]
#[get("/incidents")]
async fn list(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<IncidentQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<IncidentView>>, AppError> {
    let (page, per_page) = paging.resolve()?;
    let (principal, query) = (user.0.principal, query.into_inner());
    let (items, total) = with_db(&state, move |conn| {
        service::list_incidents(
            conn,
            &principal,
            &query,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

/// The same records as CSV for Excel (UTF-8 with BOM).
#[utoipa::path(tag = "incidents", params(IncidentQuery), responses((status = 200, content_type = "text/csv", body = String)))]
#[get("/incidents/export.csv")]
async fn export(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<IncidentQuery>,
) -> Result<HttpResponse, AppError> {
    let (principal, query) = (user.0.principal, query.into_inner());
    let csv = with_db(&state, move |conn| {
        service::export_incidents(conn, &principal, &query)
    })
    .await?;
    Ok(crate::web::download::csv_attachment("incidents.csv", csv))
}

#[utoipa::path(tag = "incidents", params(("id" = i64, Path)), responses((status = 200, body = IncidentView), (status = 404, body = ErrorBody)))]
#[get("/incidents/{id}")]
async fn get_one(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<IncidentView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::get_incident(conn, &principal, id)
        })
        .await?,
    ))
}

/// Record the response, the cause and the prevention (第10条4項, 第27条1項(3)–(5)):
/// a security manager of the zone (or, without a zone, of the department). Rewritable until closed.
#[utoipa::path(tag = "incidents", params(("id" = i64, Path)), request_body = ResponseInput,
    responses((status = 200, body = IncidentView), (status = 403, description = "not_responsible", body = ErrorBody),
        (status = 409, description = "invalid_state", body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/incidents/{id}/response")]
async fn respond(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ResponseInput>,
) -> Result<web::Json<IncidentView>, AppError> {
    let (principal, id, input) = (user.0.principal, id.into_inner(), body.0);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::record_response(conn, &principal, id, &input)
        })
        .await?,
    ))
}

/// Close a record whose response is recorded; after that it is kept unchanged.
#[utoipa::path(tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = IncidentView), (status = 403, description = "not_responsible", body = ErrorBody),
        (status = 409, description = "response_missing, invalid_state", body = ErrorBody)))]
#[post("/incidents/{id}/close")]
async fn close(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<IncidentView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::close_incident(conn, &principal, id)
        })
        .await?,
    ))
}
