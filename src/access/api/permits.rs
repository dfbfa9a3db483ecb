//! Permits under `/api/v1`: request, decide, revoke, the badge QR and the permit keys.

use crate::access::codes::JwkSet;
use crate::access::rules::PermitAction;
use crate::access::service::{self, NewPermitInput, PermitQuery, PermitView};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::json::{DecisionNote, OptionalJson};
use crate::web::{ApiJson, CurrentUser, PageQuery, Paged, with_db};
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};

/// Request an entry permit (入室許可申請): for oneself, or for a visitor or contractor.
#[utoipa::path(
    tag = "access",
    request_body = NewPermitInput,
    responses(
        (status = 201, body = PermitView),
        (status = 403, description = "forbidden", body = ErrorBody),
        (status = 422, description = "invalid_field", body = ErrorBody),
    )
)]
#[post("/permits")]
pub(super) async fn create_permit(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<NewPermitInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let permit = with_db(&state, move |conn| {
        service::create_permit(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(permit))
}

/// Permits: admins, auditors and guards see all; others the permits they asked
/// for, hold, or whose zone they manage.
#[utoipa::path(tag = "access", params(PermitQuery, PageQuery), responses((status = 200, body = Paged<PermitView>)))]
#[get("/permits")]
pub(super) async fn list_permits(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<PermitQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<PermitView>>, AppError> {
    let query = query.into_inner();
    let (page, per_page) = paging.resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list_permits(
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

#[utoipa::path(tag = "access", params(("id" = i64, Path)), responses((status = 200, body = PermitView), (status = 404, body = ErrorBody)))]
#[get("/permits/{id}")]
pub(super) async fn get_permit(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<PermitView>, AppError> {
    let (id, principal) = (id.into_inner(), user.0.principal);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::get_permit(conn, &principal, id)
        })
        .await?,
    ))
}

/// Approve: a manager of the permit's zone, never the requester (第5条). The
/// answer carries the signed `code`.
#[utoipa::path(
    tag = "access",
    params(("id" = i64, Path)),
    request_body(content = Option<DecisionNote>),
    responses(
        (status = 200, body = PermitView),
        (status = 403, description = "self_approval or not_zone_manager", body = ErrorBody),
        (status = 409, description = "invalid_state", body = ErrorBody),
    )
)]
#[post("/permits/{id}/approve")]
pub(super) async fn approve_permit(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<DecisionNote>,
) -> Result<web::Json<PermitView>, AppError> {
    decide(state, user, id.into_inner(), body.0, PermitAction::Approve).await
}

#[utoipa::path(
    tag = "access",
    params(("id" = i64, Path)),
    request_body(content = Option<DecisionNote>),
    responses(
        (status = 200, body = PermitView),
        (status = 403, description = "self_approval or not_zone_manager", body = ErrorBody),
        (status = 409, description = "invalid_state", body = ErrorBody),
    )
)]
#[post("/permits/{id}/reject")]
pub(super) async fn reject_permit(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<DecisionNote>,
) -> Result<web::Json<PermitView>, AppError> {
    decide(state, user, id.into_inner(), body.0, PermitAction::Reject).await
}

/// Revoke an approved permit (a manager of the zone, or an admin); `note` is the reason.
#[utoipa::path(
    tag = "access",
    params(("id" = i64, Path)),
    request_body(content = Option<DecisionNote>),
    responses(
        (status = 200, body = PermitView),
        (status = 403, description = "not_zone_manager", body = ErrorBody),
        (status = 409, description = "invalid_state", body = ErrorBody),
    )
)]
#[post("/permits/{id}/revoke")]
pub(super) async fn revoke_permit(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<DecisionNote>,
) -> Result<web::Json<PermitView>, AppError> {
    decide(state, user, id.into_inner(), body.0, PermitAction::Revoke).await
}

async fn decide(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: i64,
    body: DecisionNote,
    action: PermitAction,
) -> Result<web::Json<PermitView>, AppError> {
    let (principal, settings) = (user.0.principal, state.settings.clone());
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::act(
                conn,
                &settings,
                &principal,
                id,
                action,
                body.note.as_deref(),
            )
        })
        .await?,
    ))
}

/// A QR code (PNG) of an approved permit's code, for the badge.
fn qr_png(code: &str, module_px: u32) -> Result<Vec<u8>, AppError> {
    let qr = qrcode::QrCode::with_error_correction_level(code, qrcode::EcLevel::M)
        .map_err(AppError::internal)?;
    let image = qr
        .render::<image::Luma<u8>>()
        .module_dimensions(module_px, module_px)
        .quiet_zone(true)
        .build();
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(AppError::internal)?;
    Ok(png)
}

#[utoipa::path(
    tag = "access",
    params(("id" = i64, Path)),
    responses(
        (status = 200, content_type = "image/png", description = "QR code of the permit code"),
        (status = 403, description = "code_hidden: only the holder, the requester, the zone's managers and admins hold a code", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
        (status = 409, description = "not_approved", body = ErrorBody),
    )
)]
#[get("/permits/{id}/qr.png")]
pub(super) async fn permit_qr(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, principal) = (id.into_inner(), user.0.principal);
    let permit = with_db(&state, move |conn| {
        service::permit_code(conn, &principal, id)
    })
    .await?;
    let code = permit.code.unwrap_or_default();
    let png = web::block(move || qr_png(&code, 6)).await??;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(png))
}

/// The public keys (JWK set, OKP / Ed25519) that verify permit codes offline.
/// Retired keys stay listed so that codes signed before a rotation still verify.
#[utoipa::path(tag = "access", security(()), responses((status = 200, body = JwkSet)))]
#[get("/permits/keys")]
pub(super) async fn permit_keys(state: web::Data<WebState>) -> Result<HttpResponse, AppError> {
    let settings = state.settings.clone();
    let jwks = with_db(&state, move |conn| {
        service::keys(conn, &settings).map(|keys| keys.jwks())
    })
    .await?;
    // Short: a rotation on any instance is published within seconds.
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=5"))
        .json(jwks))
}

/// Retire the current permit key and start a new one (admin).
#[utoipa::path(tag = "access", responses((status = 200, body = JwkSet), (status = 403, body = ErrorBody)))]
#[post("/permits/keys/rotate")]
pub(super) async fn rotate_permit_keys(
    state: web::Data<WebState>,
    user: CurrentUser,
) -> Result<web::Json<JwkSet>, AppError> {
    let principal = user.0.principal;
    let settings = state.settings.clone();
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::rotate_keys(conn, &settings, &principal)
        })
        .await?,
    ))
}
