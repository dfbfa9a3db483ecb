//! Licenses and installs under `/api/v1` (第14条, 第15条).

use super::service::{
    self, ComplianceReport, InstallRequestInput, InstallRequestView, InstallationInput,
    InstallationView, LicenseInput, Recorded, SoftwareInput,
};
use super::service::{License, Software};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::json::{DecisionNote, OptionalJson};
use crate::web::{ApiJson, CurrentUser, PageQuery, Paged, with_db};
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_software)
        .service(list_software)
        .service(compliance)
        .service(compliance_csv)
        .service(create_license)
        .service(list_licenses)
        .service(create_install_request)
        .service(list_install_requests)
        .service(get_install_request)
        .service(approve_install_request)
        .service(reject_install_request)
        .service(record_installation)
        .service(list_installations)
        .service(uninstall);
}

/// Register a software product (admin, security manager).
#[utoipa::path(
    tag = "licenses",
    request_body = SoftwareInput,
    responses((status = 201, body = Software), (status = 409, description = "duplicate_software", body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/software")]
async fn create_software(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<SoftwareInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let row = with_db(&state, move |conn| {
        service::create_software(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(row))
}

/// Software products.
#[utoipa::path(tag = "licenses", responses((status = 200, body = Vec<Software>)))]
#[get("/software")]
async fn list_software(
    state: web::Data<WebState>,
    user: CurrentUser,
) -> Result<web::Json<Vec<Software>>, AppError> {
    let principal = user.0.principal;
    Ok(web::Json(
        with_db(&state, move |conn| service::list_software(conn, &principal)).await?,
    ))
}

/// Per software: seats in force, devices it is installed on, over-use, days to the
/// first expiry, installs without an approved request. Disposed devices do not count.
#[utoipa::path(tag = "licenses", responses((status = 200, body = ComplianceReport), (status = 403, body = ErrorBody)))]
#[get("/licenses/compliance")]
async fn compliance(
    state: web::Data<WebState>,
    user: CurrentUser,
) -> Result<web::Json<ComplianceReport>, AppError> {
    let principal = user.0.principal;
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::compliance(conn, &principal, service::today())
        })
        .await?,
    ))
}

/// The compliance report as Excel-ready CSV (UTF-8 with BOM).
#[utoipa::path(tag = "licenses", responses((status = 200, content_type = "text/csv", body = String)))]
#[get("/licenses/compliance.csv")]
async fn compliance_csv(
    state: web::Data<WebState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let principal = user.0.principal;
    let report = with_db(&state, move |conn| {
        service::compliance(conn, &principal, service::today())
    })
    .await?;
    Ok(csv_response(&report))
}

pub(crate) fn csv_response(report: &ComplianceReport) -> HttpResponse {
    let name = format!("license-compliance-{}.csv", report.as_of);
    crate::web::download::csv_attachment(&name, service::compliance_csv(report))
}

/// Register a license (admin, or the security manager of the owning department).
#[utoipa::path(
    tag = "licenses",
    request_body = LicenseInput,
    responses((status = 201, body = License), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/licenses")]
async fn create_license(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<LicenseInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let row = with_db(&state, move |conn| {
        service::create_license(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(row))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LicenseQuery {
    pub software_id: Option<i64>,
}

/// Licenses (ライセンス台帳).
#[utoipa::path(tag = "licenses", params(LicenseQuery, PageQuery), responses((status = 200, body = Paged<License>)))]
#[get("/licenses")]
async fn list_licenses(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<LicenseQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<License>>, AppError> {
    let query = query.into_inner();
    let (page, per_page) = paging.resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list_licenses(
            conn,
            &principal,
            query.software_id,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

/// Ask for permission to install, upgrade or change settings on a device (第14条).
#[utoipa::path(
    tag = "licenses",
    request_body = InstallRequestInput,
    responses((status = 201, body = InstallRequestView), (status = 422, body = ErrorBody))
)]
#[post("/install-requests")]
async fn create_install_request(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<InstallRequestInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let row = with_db(&state, move |conn| {
        service::create_request(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(row))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RequestQuery {
    /// `requested`, `approved` or `rejected`.
    pub state: Option<String>,
    pub asset_tag: Option<String>,
}

/// Install requests, newest first (readers see all; others their own).
#[utoipa::path(tag = "licenses", params(RequestQuery, PageQuery), responses((status = 200, body = Paged<InstallRequestView>)))]
#[get("/install-requests")]
async fn list_install_requests(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<RequestQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<InstallRequestView>>, AppError> {
    let query = query.into_inner();
    let (page, per_page) = paging.resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list_requests(
            conn,
            &principal,
            query.state.as_deref(),
            query.asset_tag.as_deref(),
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

#[utoipa::path(tag = "licenses", params(("id" = i64, Path)), responses((status = 200, body = InstallRequestView), (status = 404, body = ErrorBody)))]
#[get("/install-requests/{id}")]
async fn get_install_request(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<InstallRequestView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::get_request(conn, &principal, id)
        })
        .await?,
    ))
}

async fn decide(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: i64,
    input: DecisionNote,
    approve: bool,
) -> Result<web::Json<InstallRequestView>, AppError> {
    let principal = user.0.principal;
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::decide_request(conn, &principal, id, approve, input.note.as_deref())
        })
        .await?,
    ))
}

/// Permit an install: a security manager of the device's department or of its zone; never the requester.
#[utoipa::path(
    tag = "licenses",
    params(("id" = i64, Path)),
    request_body(content = Option<DecisionNote>, description = "optional"),
    responses(
        (status = 200, body = InstallRequestView),
        (status = 403, description = "self_approval, not_manager", body = ErrorBody),
        (status = 409, description = "wrong_state", body = ErrorBody),
    )
)]
#[post("/install-requests/{id}/approve")]
async fn approve_install_request(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<DecisionNote>,
) -> Result<web::Json<InstallRequestView>, AppError> {
    decide(state, user, id.into_inner(), body.0, true).await
}

/// Refuse an install: same deciders as approval.
#[utoipa::path(
    tag = "licenses",
    params(("id" = i64, Path)),
    request_body(content = Option<DecisionNote>, description = "optional"),
    responses(
        (status = 200, body = InstallRequestView),
        (status = 403, description = "self_approval, not_manager", body = ErrorBody),
        (status = 409, description = "wrong_state", body = ErrorBody),
    )
)]
#[post("/install-requests/{id}/reject")]
async fn reject_install_request(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<DecisionNote>,
) -> Result<web::Json<InstallRequestView>, AppError> {
    decide(state, user, id.into_inner(), body.0, false).await
}

/// Record software found on a device. Always recorded; `findings` names what is
/// wrong (`no_permission`, `over_seats`).
#[utoipa::path(
    tag = "licenses",
    request_body = InstallationInput,
    responses((status = 201, body = Recorded), (status = 409, description = "equipment_disposed", body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/installations")]
async fn record_installation(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<InstallationInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let row = with_db(&state, move |conn| {
        service::record_installation(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(row))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InstallationQuery {
    pub software_id: Option<i64>,
    pub asset_tag: Option<String>,
    /// Include released (uninstalled, superseded, disposed) installations.
    pub include_released: Option<bool>,
}

/// Installations (導入ソフトウェア台帳).
#[utoipa::path(tag = "licenses", params(InstallationQuery, PageQuery), responses((status = 200, body = Paged<InstallationView>)))]
#[get("/installations")]
async fn list_installations(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<InstallationQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<InstallationView>>, AppError> {
    let query = query.into_inner();
    let (page, per_page) = paging.resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list_installations(
            conn,
            &principal,
            query.software_id,
            query.asset_tag.as_deref(),
            query.include_released.unwrap_or(false),
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

/// The software is no longer on the device.
#[utoipa::path(tag = "licenses", params(("id" = i64, Path)), responses((status = 200, body = InstallationView), (status = 409, description = "wrong_state", body = ErrorBody)))]
#[post("/installations/{id}/uninstall")]
async fn uninstall(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<InstallationView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| service::uninstall(conn, &principal, id)).await?,
    ))
}
