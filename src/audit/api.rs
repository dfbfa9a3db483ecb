//! The audit log under `/api/v1/audit` (admin and auditor).

use super::model::{AuditEvent, AuditFilter};
use super::service::{self, VerifyReport};
use crate::error::{AppError, ErrorBody};
use crate::kit::time::parse_instant;
use crate::web::WebState;
use crate::web::{CurrentUser, PageQuery, Paged, with_db};
use actix_web::{get, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(verify);
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    /// RFC 3339 time or a date (from midnight, Tokyo).
    pub from: Option<String>,
    /// RFC 3339 time or a date (exclusive).
    pub to: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl AuditQuery {
    /// The filter, or 422 naming the parameter that does not parse.
    pub fn filter(&self) -> Result<AuditFilter, AppError> {
        let instant = |name: &str,
                       value: &Option<String>|
         -> Result<Option<chrono::NaiveDateTime>, AppError> {
            match value.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(text) => parse_instant(text).map(Some).ok_or_else(|| {
                    AppError::invalid(
                        name,
                        crate::kit::time::instant_format_message(crate::db::now()),
                    )
                }),
            }
        };
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(AuditFilter {
            actor_id: self.actor_id,
            entity_type: text(&self.entity_type),
            entity_id: text(&self.entity_id),
            action: text(&self.action),
            from: instant("from", &self.from)?,
            to: instant("to", &self.to)?,
        })
    }

    pub fn paging(&self) -> Result<(i64, i64), AppError> {
        PageQuery {
            page: self.page,
            per_page: self.per_page,
        }
        .resolve()
    }
}

/// Audit events, newest first. Reading the log is itself recorded (第30条).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, body = Paged<AuditEvent>), (status = 403, body = ErrorBody))
)]
#[get("/audit")]
async fn list(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Paged<AuditEvent>>, AppError> {
    let filter = query.filter()?;
    let (page, per_page) = query.paging()?;
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
    user: CurrentUser,
) -> Result<web::Json<VerifyReport>, AppError> {
    user.require_any(service::READERS)?;
    Ok(web::Json(
        with_db(&state, |conn| Ok(service::verify(conn)?)).await?,
    ))
}
