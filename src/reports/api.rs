//! `GET /api/v1/reports/compliance`.

use super::rules::ComplianceReport;
use super::service::{self, ReportQuery};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::{CurrentUser, with_db};
use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(compliance);
}

/// The 点検 report: per article of the standard, its status (`ok` or
/// `findings`), each finding with its code, message and the record's page
/// (`link`) and API path (`api`), and the evidence checked. `from`/`to` (Tokyo
/// dates, both included) set the period of the period-bound checks (gate
/// refusals, log readers, confirmed cabling work); default the last 30 days.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    responses(
        (status = 200, body = ComplianceReport),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`invalid_field`: a date that does not read, or `from` after `to`")
    )
)]
#[get("/reports/compliance")]
async fn compliance(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> Result<web::Json<ComplianceReport>, AppError> {
    let principal = user.0.principal;
    let settings = state.settings.clone();
    let query = query.into_inner();
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::compliance(conn, &principal, &settings, &query)
        })
        .await?,
    ))
}
