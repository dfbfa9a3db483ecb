//! Operations endpoints: liveness, readiness and the OpenAPI document.

use crate::db::{self, fault::Outage};
use crate::web::WebState;
use actix_web::{HttpResponse, get, web};
use std::time::Duration;

/// 200 while the process lives.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// How long `/readyz` waits for the database before saying 503.
const READY_WAIT: Duration = Duration::from_millis(800);

/// 200 when the database answers within [`READY_WAIT`] and would keep a
/// write, else 503 naming which ([`db::storage_probe`]).
#[get("/readyz")]
pub async fn readyz(state: web::Data<WebState>) -> HttpResponse {
    let (pool, storage) = (state.pool.clone(), state.storage.clone());
    let probe = web::block(move || {
        let mut conn = pool.get_timeout(READY_WAIT).map_err(|_| Outage::Database)?;
        db::storage_probe(&mut conn, &storage)
    });
    let answer = match actix_web::rt::time::timeout(READY_WAIT, probe).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(_)) | Err(_) => Err(Outage::Database),
    };
    let not_ready = match answer {
        Ok(()) => return HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(Outage::Database) => "database unavailable",
        Err(Outage::Storage) => "storage unavailable: writes are refused",
    };
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .body(not_ready)
}

#[get("/api/openapi.json")]
pub async fn openapi(state: web::Data<WebState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi.as_str().to_owned())
}
