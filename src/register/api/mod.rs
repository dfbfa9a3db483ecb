//! The register under `/api/v1`: zones and equipment.

pub(crate) mod equipment;
mod movements;
pub mod transfer;
mod zones;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    zones::routes(cfg);
    equipment::routes(cfg);
    movements::routes(cfg);
}
