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

/// `/favicon.ico`, which every browser asks for on every page: a small ledger
/// (white lines on the header's navy), drawn once and kept, as an ICO that
/// holds a PNG. Without it, each page view logged a 404.
#[get("/favicon.ico")]
pub async fn favicon() -> HttpResponse {
    static ICON: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let body = ICON.get_or_init(draw_favicon).clone();
    HttpResponse::Ok()
        .content_type("image/x-icon")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(body)
}

fn draw_favicon() -> Vec<u8> {
    const SIZE: u32 = 32;
    let navy = image::Rgba([0x12, 0x30, 0x4f, 0xff]);
    let white = image::Rgba([0xff, 0xff, 0xff, 0xff]);
    let picture = image::RgbaImage::from_fn(SIZE, SIZE, |x, y| {
        let page = (7..25).contains(&x) && (4..28).contains(&y);
        let line = (10..22).contains(&x) && matches!(y, 9 | 10 | 15 | 16 | 21 | 22);
        if page && !line { white } else { navy }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    if picture.write_to(&mut png, image::ImageFormat::Png).is_err() {
        return Vec::new();
    }
    let png = png.into_inner();
    // ICONDIR (reserved, type 1 = icon, one image) and its ICONDIRENTRY.
    let mut ico = vec![0, 0, 1, 0, 1, 0];
    ico.extend_from_slice(&[SIZE as u8, SIZE as u8, 0, 0, 1, 0, 32, 0]);
    ico.extend_from_slice(&(png.len() as u32).to_le_bytes());
    ico.extend_from_slice(&22u32.to_le_bytes());
    ico.extend_from_slice(&png);
    ico
}
