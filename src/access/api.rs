//! Access under `/api/v1`: permits and their codes, the gate, occupancy, the 入退室記録.

use super::codes::JwkSet;
use super::service::{
    self, AccessEventView, Decision, EntryInput, EventQuery, ExitInput, ExitOutcome, GateCheck,
    GateOutcome, NewPermitInput, Occupancy, PermitQuery, PermitView,
};
use crate::app::AppState;
use crate::error::{AppError, ErrorBody};
use crate::web::{ApiJson, ApiSession, CurrentUser, PageQuery, Paged, with_db};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(permit_keys)
        .service(rotate_permit_keys)
        .service(create_permit)
        .service(list_permits)
        .service(get_permit)
        .service(approve_permit)
        .service(reject_permit)
        .service(revoke_permit)
        .service(permit_qr)
        .service(gate_check)
        .service(gate_entry)
        .service(gate_exit)
        .service(zone_occupancy)
        .service(access_events_csv)
        .service(access_events);
}

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
async fn create_permit(
    state: web::Data<AppState>,
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
#[utoipa::path(tag = "access", params(PermitQuery), responses((status = 200, body = Paged<PermitView>)))]
#[get("/permits")]
async fn list_permits(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PermitQuery>,
) -> Result<web::Json<Paged<PermitView>>, AppError> {
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
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
async fn get_permit(
    state: web::Data<AppState>,
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

/// The optional `{note}` body of approve / reject / revoke (an empty body is fine).
fn decision(body: &web::Bytes) -> Result<Decision, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(Decision::default())
    } else {
        crate::web::json::parse(body)
    }
}

/// Approve: a manager of the permit's zone, never the requester (第5条). The
/// answer carries the signed `code`.
#[utoipa::path(
    tag = "access",
    params(("id" = i64, Path)),
    request_body(content = Option<Decision>),
    responses(
        (status = 200, body = PermitView),
        (status = 403, description = "self_approval or not_zone_manager", body = ErrorBody),
        (status = 409, description = "invalid_state", body = ErrorBody),
    )
)]
#[post("/permits/{id}/approve")]
async fn approve_permit(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<web::Json<PermitView>, AppError> {
    let (id, principal, decision) = (id.into_inner(), user.0.principal, decision(&body)?);
    let settings = state.settings.clone();
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::approve(conn, &settings, &principal, id, &decision)
        })
        .await?,
    ))
}

#[utoipa::path(
    tag = "access",
    params(("id" = i64, Path)),
    request_body(content = Option<Decision>),
    responses(
        (status = 200, body = PermitView),
        (status = 403, description = "self_approval or not_zone_manager", body = ErrorBody),
        (status = 409, description = "invalid_state", body = ErrorBody),
    )
)]
#[post("/permits/{id}/reject")]
async fn reject_permit(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<web::Json<PermitView>, AppError> {
    let (id, principal, decision) = (id.into_inner(), user.0.principal, decision(&body)?);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::reject(conn, &principal, id, &decision)
        })
        .await?,
    ))
}

/// Revoke an approved permit (a manager of the zone, or an admin); `note` is the reason.
#[utoipa::path(
    tag = "access",
    params(("id" = i64, Path)),
    request_body(content = Option<Decision>),
    responses(
        (status = 200, body = PermitView),
        (status = 403, description = "not_zone_manager", body = ErrorBody),
        (status = 409, description = "invalid_state", body = ErrorBody),
    )
)]
#[post("/permits/{id}/revoke")]
async fn revoke_permit(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<web::Json<PermitView>, AppError> {
    let (id, principal, decision) = (id.into_inner(), user.0.principal, decision(&body)?);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::revoke(conn, &principal, id, &decision)
        })
        .await?,
    ))
}

/// A QR code (PNG) of an approved permit's code, for the badge.
pub fn qr_png(code: &str, module_px: u32) -> Result<Vec<u8>, AppError> {
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
        (status = 409, description = "not_approved", body = ErrorBody),
    )
)]
#[get("/permits/{id}/qr.png")]
async fn permit_qr(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, principal) = (id.into_inner(), user.0.principal);
    let permit = with_db(&state, move |conn| {
        service::get_permit(conn, &principal, id)
    })
    .await?;
    let Some(code) = permit.code.filter(|_| permit.state == "approved") else {
        return Err(AppError::conflict(
            "not_approved",
            "承認済みで有効な入室許可だけがQRコードを持ちます。",
        ));
    };
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
async fn permit_keys(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let keys = service::keys(&state.settings)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(keys.jwks()))
}

/// Retire the current permit key and start a new one (admin).
#[utoipa::path(tag = "access", responses((status = 200, body = JwkSet), (status = 403, body = ErrorBody)))]
#[post("/permits/keys/rotate")]
async fn rotate_permit_keys(
    state: web::Data<AppState>,
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

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    pub code: String,
    pub zone_id: i64,
}

/// Allow or deny entry with a code, with the reason. Changes nothing.
#[utoipa::path(
    tag = "access",
    request_body = CheckInput,
    responses((status = 200, body = GateCheck), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/gate/check")]
async fn gate_check(
    state: web::Data<AppState>,
    session: ApiSession,
    body: ApiJson<CheckInput>,
) -> Result<web::Json<GateCheck>, AppError> {
    let input = body.0;
    let settings = state.settings.clone();
    Ok(web::Json(
        session
            .read(move |conn, principal| {
                service::check(conn, &settings, principal, &input.code, input.zone_id)
            })
            .await?,
    ))
}

/// A refused gate action: 403 with the reason code, the reason in words, and
/// who the code belongs to. The refusal is recorded.
#[derive(Serialize, utoipa::ToSchema)]
pub struct GateDenied {
    pub error: crate::error::ErrorDetail,
    pub check: GateCheck,
}

fn denied(check: GateCheck) -> HttpResponse {
    let code = check
        .reason_code
        .map(|r| r.code())
        .unwrap_or("unknown_code");
    let body = GateDenied {
        error: crate::error::ErrorDetail {
            code: code.to_owned(),
            message: check.reason.clone(),
            fields: None,
        },
        check,
    };
    let mut response = HttpResponse::build(StatusCode::FORBIDDEN);
    let mut value = serde_json::to_value(&body).unwrap_or_default();
    // The contract's flat `reason_code` beside the standard error body.
    value["reason_code"] = serde_json::Value::String(code.to_owned());
    value["reason"] = body.error.message.clone().into();
    response.json(value)
}

/// Record an entry: an ID check and a valid permit; a refusal answers 403 with
/// `reason_code` and is itself recorded.
#[utoipa::path(
    tag = "access",
    request_body = EntryInput,
    responses((status = 201, body = AccessEventView), (status = 403, body = GateDenied))
)]
#[post("/gate/entries")]
async fn gate_entry(
    state: web::Data<AppState>,
    session: ApiSession,
    body: ApiJson<EntryInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.0;
    let settings = state.settings.clone();
    let outcome = session
        .with_db(move |conn, principal| service::record_entry(conn, &settings, principal, &input))
        .await;
    Ok(match outcome {
        Ok(GateOutcome::Recorded(event)) => HttpResponse::Created().json(event),
        Ok(GateOutcome::Denied(check)) => denied(*check),
        Err(e) => e.error_response(),
    })
}

/// Record an exit, checking each carried-out device against an approved carry-out.
#[utoipa::path(
    tag = "access",
    request_body = ExitInput,
    responses((status = 201, body = ExitOutcome), (status = 403, body = GateDenied), (status = 422, body = ErrorBody))
)]
#[post("/gate/exits")]
async fn gate_exit(
    state: web::Data<AppState>,
    session: ApiSession,
    body: ApiJson<ExitInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.0;
    let settings = state.settings.clone();
    let outcome = session
        .with_db(move |conn, principal| service::record_exit(conn, &settings, principal, &input))
        .await?;
    Ok(match outcome {
        GateOutcome::Recorded(exit) => HttpResponse::Created().json(exit),
        GateOutcome::Denied(check) => denied(*check),
    })
}

/// Who is inside the zone now, with entry time and an overdue flag.
#[utoipa::path(tag = "access", params(("id" = i64, Path)), responses((status = 200, body = Occupancy), (status = 403, body = ErrorBody)))]
#[get("/zones/{id}/occupancy")]
async fn zone_occupancy(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<Occupancy>, AppError> {
    let (id, principal) = (id.into_inner(), user.0.principal);
    Ok(web::Json(
        with_db(&state, move |conn| service::occupancy(conn, &principal, id)).await?,
    ))
}

/// The 入退室記録 (managers of the zone, auditors, admins), oldest first.
#[utoipa::path(tag = "access", params(EventQuery), responses((status = 200, body = Paged<AccessEventView>), (status = 403, body = ErrorBody)))]
#[get("/access-events")]
async fn access_events(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<EventQuery>,
) -> Result<web::Json<Paged<AccessEventView>>, AppError> {
    let query = query.into_inner();
    let (page, per_page) = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list_events(
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

/// The 入退室記録 as Excel-ready CSV (UTF-8 with BOM).
#[utoipa::path(tag = "access", params(EventQuery), responses((status = 200, content_type = "text/csv"), (status = 403, body = ErrorBody)))]
#[get("/access-events/export.csv")]
async fn access_events_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<EventQuery>,
) -> Result<HttpResponse, AppError> {
    let (query, principal) = (query.into_inner(), user.0.principal);
    let csv = with_db(&state, move |conn| {
        service::csv_export(conn, &principal, &query)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"access-log.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(csv))
}
