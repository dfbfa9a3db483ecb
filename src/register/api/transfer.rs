//! The register in and out as CSV, and disposal.

use super::equipment::EquipmentQuery;
use crate::error::{AppError, ErrorBody, Failure};
use crate::register::service::csv_io::{self, ImportError, ImportOutcome, LineFault, RowCounter};
use crate::register::service::{self, DisposalInput, DisposalView};
use crate::web::WebState;
use crate::web::{ApiJson, CurrentUser, with_db};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use serde::Serialize;

pub use crate::register::service::csv_io::IMPORT_LIMIT;

/// The register as CSV for Excel (UTF-8 with BOM, CRLF); the list's filters apply.
#[utoipa::path(tag = "register", params(EquipmentQuery), responses((status = 200, content_type = "text/csv", body = String)))]
#[get("/equipment/export.csv")]
async fn export_equipment_csv(
    state: web::Data<WebState>,
    _user: CurrentUser,
    query: web::Query<EquipmentQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter()?;
    let bytes = with_db(&state, move |conn| csv_io::export_equipment(conn, &filter)).await?;
    Ok(csv_response(bytes))
}

pub fn csv_response(bytes: Vec<u8>) -> HttpResponse {
    let name = format!(
        "equipment-{}.csv",
        crate::kit::time::to_tokyo(crate::db::now()).format("%Y%m%d")
    );
    crate::web::download::csv_attachment(&name, bytes)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CsvErrorBody {
    pub error: CsvErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CsvErrorDetail {
    /// `invalid_csv`
    pub code: String,
    pub message: String,
    pub lines: Vec<LineFault>,
}

/// The 422 for bad lines: every line's number and reason.
pub fn lines_response(lines: Vec<LineFault>) -> HttpResponse {
    HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY).json(CsvErrorBody {
        error: CsvErrorDetail {
            code: "invalid_csv".into(),
            message: format!(
                "{}行に誤りがあるため、何も取り込んでいません。",
                lines.len()
            ),
            lines,
        },
    })
}

/// Reads a CSV body up to `limit` bytes and `rows.max_rows` rows; 413 beyond
/// either. Rows are counted as the body arrives: a file over the row limit is
/// refused at its first row too many, not once it is all held.
pub async fn read_body(
    mut payload: web::Payload,
    limit: usize,
    mut rows: RowCounter,
) -> Result<Vec<u8>, AppError> {
    let mut body = Vec::new();
    let mut seen = 0usize;
    let mut refused = None;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            AppError::bad_request("bad_request", "送信データを受け取れませんでした。")
        })?;
        seen += chunk.len();
        if refused.is_none() && seen <= limit {
            match rows.feed(&chunk) {
                Ok(()) => body.extend_from_slice(&chunk),
                Err(e) => {
                    refused = Some(e);
                    body = Vec::new();
                }
            }
        } else if seen > 2 * limit {
            break; // stop reading; the client gets the 413 (or a closed connection)
        }
        // Past a limit the rest is drained (up to twice the byte limit) so
        // that the client reads the answer.
    }
    if let Some(e) = refused {
        return Err(e);
    }
    if seen > limit {
        return Err(AppError::new(
            Failure::TooLarge,
            "payload_too_large",
            format!(
                "送信データが大きすぎます（上限 {} MB）。",
                limit / 1024 / 1024
            ),
        ));
    }
    rows.finish()?;
    Ok(body)
}

/// Import devices from CSV (UTF-8 with or without BOM, or Shift_JIS): existing tags
/// are updated, the others created; any bad line → 422 with every bad line, nothing imported.
/// More rows than `DAICHO_IMPORT_MAX_ROWS` (default 200,000) → 413 `too_many_rows`.
#[utoipa::path(
    tag = "register",
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, body = ImportOutcome),
        (status = 403, body = ErrorBody),
        (status = 413, description = "payload_too_large, too_many_rows", body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, description = "invalid_csv: every bad line", body = CsvErrorBody),
    )
)]
#[post("/equipment/import")]
async fn import_equipment_csv(
    state: web::Data<WebState>,
    user: CurrentUser,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !matches!(
        essence,
        "text/csv" | "application/csv" | "application/vnd.ms-excel"
    ) {
        return Err(AppError::new(
            Failure::UnsupportedMediaType,
            "unsupported_media_type",
            "Content-Type: text/csv で送信してください。",
        ));
    }
    let principal = user.0.principal;
    let max_rows = state.settings.import_max_rows;
    let bytes = read_body(payload, IMPORT_LIMIT, RowCounter::new(max_rows)).await?;
    let result = with_db(&state, move |conn| {
        Ok(csv_io::import_equipment(
            conn,
            &principal,
            &bytes,
            &mut |_, _| {},
        ))
    })
    .await?;
    match result {
        Ok(outcome) => Ok(HttpResponse::Ok().json(outcome)),
        Err(ImportError::Lines(lines)) => Ok(lines_response(lines)),
        Err(ImportError::App(e)) => Err(e),
    }
}

/// Dispose of a device (第3条2項(3), 第23条2項). A device that held secret information
/// needs an erasure method (physical_destruction, degaussing, overwrite), a certificate
/// number and a witness. The record is kept forever.
#[utoipa::path(
    tag = "register",
    params(("tag" = String, Path)),
    request_body = DisposalInput,
    responses(
        (status = 201, body = DisposalView),
        (status = 409, description = "already_disposed, carried_out", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[post("/equipment/{tag}/dispose")]
async fn dispose_equipment(
    state: web::Data<WebState>,
    user: CurrentUser,
    tag: web::Path<String>,
    body: ApiJson<DisposalInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, tag, input) = (user.0.principal, tag.into_inner(), body.0);
    let record = with_db(&state, move |conn| {
        service::dispose_equipment(conn, &principal, &tag, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(record))
}

/// A device's disposal record (404 when it was not disposed of).
#[utoipa::path(tag = "register", params(("tag" = String, Path)), responses((status = 200, body = DisposalView), (status = 404, body = ErrorBody)))]
#[get("/equipment/{tag}/disposal")]
async fn equipment_disposal(
    state: web::Data<WebState>,
    _user: CurrentUser,
    tag: web::Path<String>,
) -> Result<web::Json<DisposalView>, AppError> {
    let tag = tag.into_inner();
    let record = with_db(&state, move |conn| service::disposal_of(conn, &tag)).await?;
    record
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("この機器の廃棄記録はありません。"))
}
