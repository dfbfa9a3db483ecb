//! The gate under `/api/v1`: check, entries, exits, occupancy and the 入退室記録.

use crate::access::service::{
    self, AccessEventView, EntryInput, EventQuery, ExitInput, ExitOutcome, GateCheck, GateOutcome,
    Occupancy,
};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::{ApiJson, ApiSession, CurrentUser, PageQuery, Paged, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, get, post, web};
use serde::{Deserialize, Serialize};

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
pub(super) async fn gate_check(
    state: web::Data<WebState>,
    gate_memory: web::Data<service::GateMemory>,
    session: ApiSession,
    body: ApiJson<CheckInput>,
) -> Result<web::Json<GateCheck>, AppError> {
    let input = body.0;
    // Taken before anything is read: what the reads find is remembered at it.
    let generation = state.changes.generation();
    if let Some(generation) = generation
        && let Some(principal) = session.remembered(generation)
    {
        let principal = principal?;
        let remembered = service::check_remembered(
            &gate_memory,
            generation,
            &state.settings,
            &principal,
            &input.code,
            input.zone_id,
        );
        if let Some(answer) = remembered {
            gate_memory.count(true);
            return Ok(web::Json(answer));
        }
    }
    gate_memory.count(false);
    let (settings, memory) = (state.settings.clone(), gate_memory.clone().into_inner());
    Ok(web::Json(
        session
            .read_remembering(generation, move |conn, principal| {
                let memory = generation.map(|g| (&*memory, g));
                service::check_remembering(
                    conn,
                    &settings,
                    principal,
                    &input.code,
                    input.zone_id,
                    memory,
                )
            })
            .await?,
    ))
}

/// A refused gate action: 403 with the reason code, the reason in words, and
/// who the code belongs to; the refusal is recorded. A caller who may not use
/// this gate at all gets the `error` alone (`forbidden`, nothing recorded).
#[derive(Serialize, utoipa::ToSchema)]
pub struct GateDenied {
    pub error: crate::error::ErrorDetail,
    /// The refusal's reason code, as `error.code` (a refused code only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// The reason in words, as `error.message` (a refused code only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The check that refused (a refused code only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<GateCheck>,
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
        reason_code: Some(code.to_owned()),
        reason: Some(check.reason.clone()),
        check: Some(check),
    };
    HttpResponse::build(StatusCode::FORBIDDEN).json(body)
}

/// Record an entry: an ID check and a valid permit; a refusal answers 403 with
/// `reason_code` and is itself recorded.
#[utoipa::path(
    tag = "access",
    request_body = EntryInput,
    responses(
        (status = 201, body = AccessEventView),
        (status = 403, description = "a refused code (recorded), or a caller who may not use this gate", body = GateDenied),
        (status = 404, description = "not_found: no such zone", body = ErrorBody),
    )
)]
#[post("/gate/entries")]
pub(super) async fn gate_entry(
    state: web::Data<WebState>,
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
    responses(
        (status = 201, body = ExitOutcome),
        (status = 403, description = "a refused code (recorded), or a caller who may not use this gate", body = GateDenied),
        (status = 404, description = "not_found: no such zone", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/gate/exits")]
pub(super) async fn gate_exit(
    state: web::Data<WebState>,
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
pub(super) async fn zone_occupancy(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<Occupancy>, AppError> {
    let (id, principal) = (id.into_inner(), user.0.principal);
    Ok(web::Json(
        with_db(&state, move |conn| service::occupancy(conn, &principal, id)).await?,
    ))
}

/// The 入退室記録 (managers of the zone, auditors, admins), oldest first.
#[utoipa::path(tag = "access", params(EventQuery, PageQuery), responses((status = 200, body = Paged<AccessEventView>), (status = 403, body = ErrorBody)))]
#[get("/access-events")]
pub(super) async fn access_events(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<EventQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<AccessEventView>>, AppError> {
    let query = query.into_inner();
    let (page, per_page) = paging.resolve()?;
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
pub(super) async fn access_events_csv(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<EventQuery>,
) -> Result<HttpResponse, AppError> {
    let (query, principal) = (query.into_inner(), user.0.principal);
    let csv = with_db(&state, move |conn| {
        service::csv_export(conn, &principal, &query)
    })
    .await?;
    Ok(crate::web::download::csv_attachment("access-log.csv", csv))
}
