//! The register under `/api/v1`: zones and equipment.

mod equipment;
mod zones;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    zones::routes(cfg);
    equipment::routes(cfg);
    super::stocktake::api::routes(cfg);
}
