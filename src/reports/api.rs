//! `GET /api/v1/reports/compliance`.

use super::rules::ArticleReport;
use super::service;
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::{CurrentUser, with_db};
use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(compliance);
}

/// Per article of the standard: `ok` or `findings` with what was found.
#[utoipa::path(tag = "reports", responses((status = 200, body = Vec<ArticleReport>), (status = 403, body = ErrorBody)))]
#[get("/reports/compliance")]
async fn compliance(
    state: web::Data<WebState>,
    user: CurrentUser,
) -> Result<web::Json<Vec<ArticleReport>>, AppError> {
    let principal = user.0.principal;
    let settings = state.settings.clone();
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::compliance(conn, &principal, &settings)
        })
        .await?,
    ))
}
