//! The few static files, compiled into the binary: nothing loads from elsewhere.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};

const STYLESHEET: &str = include_str!("../../templates/assets/app.css");
const SCRIPT: &str = include_str!("../../templates/assets/app.js");
const SCAN_SCRIPT: &str = include_str!("../../templates/assets/scan.js");

#[get("/assets/{name}")]
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    let (body, mime) = match name.as_str() {
        "app.css" => (STYLESHEET, "text/css; charset=utf-8"),
        "app.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "scan.js" => (SCAN_SCRIPT, "text/javascript; charset=utf-8"),
        _ => {
            return crate::web::render_error_page(
                actix_web::http::StatusCode::NOT_FOUND,
                "ファイルが見つかりません。",
            );
        }
    };
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}
