//! The audit log under `/api/v1/audit` (admin and auditor).

use super::AuditEvent;
use super::rules::checkpoint::{JwkSet, SignedCheckpoint};
pub use super::service::AuditQuery;
use super::service::export::{self, ExportRange};
use super::service::health::ChainHealth;
use super::service::{self, VerifyReport, checkpoints};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::{CurrentUser, PageQuery, Paged, with_db};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(verify)
        .service(export_jsonl)
        .service(checkpoint_list)
        .service(checkpoint_keys);
}

/// Audit events, newest first. Reading the log is itself recorded (第30条).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery, PageQuery),
    responses((status = 200, body = Paged<AuditEvent>), (status = 403, body = ErrorBody))
)]
#[get("/audit")]
async fn list(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<AuditEvent>>, AppError> {
    let filter = query.filter()?;
    let (page, per_page) = paging.resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list(
            conn,
            &principal,
            &filter,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

/// Recomputes the whole chain and names the first broken row.
#[utoipa::path(tag = "audit", responses((status = 200, body = VerifyReport), (status = 403, body = ErrorBody)))]
#[get("/audit/verify")]
async fn verify(
    state: web::Data<WebState>,
    health: Option<web::Data<ChainHealth>>,
    user: CurrentUser,
) -> Result<web::Json<VerifyReport>, AppError> {
    user.require_any(service::READERS)?;
    let report = with_db(&state, |conn| Ok(service::verify(conn)?)).await?;
    // A full pass is as good as the background's: what it finds, the
    // metric and the pages' warning show at once.
    if let Some(health) = health {
        health.note(&report);
    }
    Ok(web::Json(report))
}

/// Signed checkpoints of the chain head, newest first (admins, auditors).
/// Each `jws` is a compact JWS (alg EdDSA) whose payload is `{seq, hash, at}`;
/// `GET /api/v1/audit/keys` verifies it.
#[utoipa::path(
    tag = "audit",
    params(PageQuery),
    responses((status = 200, body = Paged<SignedCheckpoint>), (status = 403, body = ErrorBody))
)]
#[get("/audit/checkpoints")]
async fn checkpoint_list(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Paged<SignedCheckpoint>>, AppError> {
    let (page, per_page) = query.into_inner().resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        checkpoints::page(
            conn,
            &principal,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

/// The public keys (JWK set, OKP / Ed25519, with `kid`) that verify the
/// checkpoints' signatures offline. Public: they vouch for nothing by themselves.
#[utoipa::path(tag = "audit", security(()), responses((status = 200, body = JwkSet)))]
#[get("/audit/keys")]
async fn checkpoint_keys(state: web::Data<WebState>) -> Result<HttpResponse, AppError> {
    let jwks = with_db(&state, |conn| Ok(checkpoints::jwks(conn)?)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(jwks))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// The first event's `seq` (default 1, the start of the chain).
    pub from_seq: Option<i64>,
}

/// The chain as JSON Lines, for verifying away from the database
/// (`daicho audit verify --file`): one event per line with every field its hash
/// covers, then `prev_hash` and `hash`. Sent in batches as it is read, through
/// the head as it stands when the export starts (its own `audit.export` event
/// included); reading the log is recorded (第30条).
#[utoipa::path(
    tag = "audit",
    params(ExportQuery),
    responses(
        (status = 200, content_type = "application/x-ndjson", body = String,
         description = "one event per line; `Content-Disposition: attachment`"),
        (status = 403, body = ErrorBody)
    )
)]
#[get("/audit/export.jsonl")]
async fn export_jsonl(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let from_seq = query.from_seq.unwrap_or(1);
    let principal = user.0.principal;
    let range = with_db(&state, move |conn| {
        export::begin_export(conn, &principal, from_seq)
    })
    .await?;
    let filename = format!(
        "daicho-audit-{}-{}.jsonl",
        range.after_seq + 1,
        range.through_seq
    );
    // One batch per pooled connection and per chunk: a slow download holds
    // neither a connection nor more than a batch of the log.
    let batches = futures_util::stream::unfold(Some(range), move |range| {
        let state = state.clone();
        async move {
            let range: ExportRange = range?;
            match with_db(&state, move |conn| Ok(export::export_batch(conn, range)?)).await {
                Ok((lines, _)) if lines.is_empty() => None,
                Ok((lines, rest)) => Some((Ok(Bytes::from(lines)), Some(rest))),
                Err(e) => {
                    // The download is cut (no closing chunk), so the client
                    // sees a broken transfer rather than a short file.
                    log::error!("audit export stopped after seq {}: {e}", range.after_seq);
                    Some((Err(e), None))
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(batches))
}
