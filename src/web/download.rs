//! Files handed to the browser to save (CSV exports).

use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::http::header;

/// An Excel-ready CSV as an attachment; `filename` should be ASCII.
pub fn csv_attachment(filename: &str, body: impl MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}
