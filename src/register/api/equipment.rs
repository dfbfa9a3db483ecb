use crate::audit::AuditEvent;
use crate::error::{AppError, ErrorBody};
use crate::register::service::{self, EquipmentInput, EquipmentPatch, EquipmentView};
use crate::web::WebState;

use crate::web::{ApiJson, ApiSession, CurrentUser, PageQuery, Paged, with_db};
use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    // Literal paths before `/equipment/{tag}`.
    cfg.service(list_equipment)
        .service(create_equipment)
        .service(super::transfer::export_equipment_csv)
        .service(super::transfer::import_equipment_csv)
        .service(super::transfer::dispose_equipment)
        .service(super::transfer::equipment_disposal)
        .service(get_equipment)
        .service(update_equipment)
        .service(equipment_history);
}

pub use crate::register::service::EquipmentQuery;

/// The equipment register, filtered and paginated. Matches are counted up to 1,000 (or to the
/// end of the page asked for): past that `total` is a lower bound and `total_exact` is false.
#[utoipa::path(tag = "register", params(EquipmentQuery, PageQuery), responses((status = 200, body = Paged<EquipmentView>)))]
#[get("/equipment")]
async fn list_equipment(
    session: ApiSession,
    query: web::Query<EquipmentQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<EquipmentView>>, AppError> {
    let filter = query.filter()?;
    let (page, per_page) = paging.resolve()?;
    let (items, count) = session
        .read_quick(move |conn, _| {
            service::list_equipment(conn, &filter, PageQuery::offset(page, per_page), per_page)
        })
        .await?;
    Ok(web::Json(Paged::counted(
        items,
        count.total,
        count.exact,
        page,
        per_page,
    )))
}

/// Register a device (operator, or a security manager of its department or zone).
#[utoipa::path(
    tag = "register",
    request_body = EquipmentInput,
    responses(
        (status = 201, body = EquipmentView),
        (status = 409, description = "duplicate_asset_tag", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/equipment")]
async fn create_equipment(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<EquipmentInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let created = with_db(&state, move |conn| {
        service::create_equipment(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "register", params(("tag" = String, Path)), responses((status = 200, body = EquipmentView), (status = 404, body = ErrorBody)))]
#[get("/equipment/{tag}")]
async fn get_equipment(
    session: ApiSession,
    tag: web::Path<String>,
) -> Result<web::Json<EquipmentView>, AppError> {
    let tag = tag.into_inner();
    Ok(web::Json(
        session
            .read_quick(move |conn, _| service::get_equipment(conn, &tag))
            .await?,
    ))
}

/// Change a device's record; only the fields given change, `null` clears one.
#[utoipa::path(tag = "register", params(("tag" = String, Path)), request_body = EquipmentPatch, responses((status = 200, body = EquipmentView)))]
#[patch("/equipment/{tag}")]
async fn update_equipment(
    state: web::Data<WebState>,
    user: CurrentUser,
    tag: web::Path<String>,
    body: ApiJson<EquipmentPatch>,
) -> Result<web::Json<EquipmentView>, AppError> {
    let (principal, tag, patch) = (user.0.principal, tag.into_inner(), body.0);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::update_equipment(conn, &principal, &tag, &patch)
        })
        .await?,
    ))
}

/// The device's audit events, newest first.
#[utoipa::path(tag = "register", params(("tag" = String, Path)), responses((status = 200, body = Vec<AuditEvent>)))]
#[get("/equipment/{tag}/history")]
async fn equipment_history(
    state: web::Data<WebState>,
    _user: CurrentUser,
    tag: web::Path<String>,
) -> Result<web::Json<Vec<AuditEvent>>, AppError> {
    let tag = tag.into_inner();
    Ok(web::Json(
        with_db(&state, move |conn| service::equipment_history(conn, &tag)).await?,
    ))
}
