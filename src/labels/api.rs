//! QR labels under `/api/v1/equipment/{tag}/label.png|svg`.

use super::qr;
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::{CurrentUser, with_db};
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(label_png).service(label_svg);
}

/// The registered tag behind a (possibly scanned or full-width) path segment, or 404.
pub async fn registered_tag(state: &WebState, raw: String) -> Result<String, AppError> {
    with_db(state, move |conn| {
        Ok(crate::register::service::device_by_tag(conn, &raw)?.asset_tag)
    })
    .await
}

fn label_response(mime: &str, tag: &str, ext: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"label-{tag}.{ext}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .body(body)
}

/// The device's QR label as PNG: the code encodes `{DAICHO_PUBLIC_URL}/e/{tag}` (ECC M, quiet
/// zone 4 modules), the tag is printed under it.
#[utoipa::path(
    tag = "labels",
    params(("tag" = String, Path)),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404, body = ErrorBody))
)]
#[get("/equipment/{tag}/label.png")]
async fn label_png(
    state: web::Data<WebState>,
    _user: CurrentUser,
    tag: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tag = registered_tag(&state, tag.into_inner()).await?;
    let url = qr::label_url(&state.settings.public_url, &tag);
    let png = qr::png(&url, &tag).map_err(AppError::internal)?;
    Ok(label_response("image/png", &tag, "png", png))
}

/// The device's QR label as SVG, the tag as a `<text>` under the code.
#[utoipa::path(
    tag = "labels",
    params(("tag" = String, Path)),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = ErrorBody))
)]
#[get("/equipment/{tag}/label.svg")]
async fn label_svg(
    state: web::Data<WebState>,
    _user: CurrentUser,
    tag: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let tag = registered_tag(&state, tag.into_inner()).await?;
    let url = qr::label_url(&state.settings.public_url, &tag);
    let svg = qr::svg(&url, &tag).map_err(AppError::internal)?;
    Ok(label_response(
        "image/svg+xml; charset=utf-8",
        &tag,
        "svg",
        svg.into_bytes(),
    ))
}
