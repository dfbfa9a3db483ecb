//! JSON handlers under `/api/v1` (filled in by this area's issue).

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(_cfg: &mut ServiceConfig) {}
