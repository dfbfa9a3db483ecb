//! Operations endpoints: liveness, readiness and the OpenAPI document.

use crate::app::AppState;
use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;

/// 200 while the process lives.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// 200 when the database answers, else 503.
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let ready = web::block(move || {
        pool.get()
            .ok()
            .is_some_and(|mut conn| conn.batch_execute("SELECT 1").is_ok())
    })
    .await
    .unwrap_or(false);
    if ready {
        HttpResponse::Ok().content_type("text/plain").body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unavailable")
    }
}

#[get("/api/openapi.json")]
pub async fn openapi(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi.as_str().to_owned())
}
