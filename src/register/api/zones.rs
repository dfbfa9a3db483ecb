use crate::error::{AppError, ErrorBody};
use crate::register::service::{self, ZoneInput, ZonePatch, ZoneView};
use crate::web::WebState;
use crate::web::{ApiJson, CurrentUser, with_db};
use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_zones)
        .service(create_zone)
        .service(get_zone)
        .service(update_zone);
}

/// Controlled zones (管理区域) and their managers.
#[utoipa::path(tag = "register", responses((status = 200, body = Vec<ZoneView>)))]
#[get("/zones")]
async fn list_zones(
    state: web::Data<WebState>,
    _user: CurrentUser,
) -> Result<web::Json<Vec<ZoneView>>, AppError> {
    Ok(web::Json(with_db(&state, service::list_zones).await?))
}

/// Register a zone with the security managers who manage it (admin).
#[utoipa::path(
    tag = "register",
    request_body = ZoneInput,
    responses((status = 201, body = ZoneView), (status = 409, description = "duplicate_code", body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/zones")]
async fn create_zone(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<ZoneInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let zone = with_db(&state, move |conn| {
        service::create_zone(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(zone))
}

#[utoipa::path(tag = "register", params(("id" = i64, Path)), responses((status = 200, body = ZoneView), (status = 404, body = ErrorBody)))]
#[get("/zones/{id}")]
async fn get_zone(
    state: web::Data<WebState>,
    _user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<ZoneView>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(
        with_db(&state, move |conn| service::get_zone(conn, id)).await?,
    ))
}

/// Change a zone's name, department, managers, location or active flag (admin).
#[utoipa::path(tag = "register", params(("id" = i64, Path)), request_body = ZonePatch, responses((status = 200, body = ZoneView)))]
#[patch("/zones/{id}")]
async fn update_zone(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ZonePatch>,
) -> Result<web::Json<ZoneView>, AppError> {
    let (principal, id, patch) = (user.0.principal, id.into_inner(), body.0);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::update_zone(conn, &principal, id, &patch)
        })
        .await?,
    ))
}
