//! Access under `/api/v1`: permits and their codes (`permits`), the gate,
//! occupancy and the 入退室記録 (`gate`).

mod gate;
mod permits;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    // The check first: every scan at the door (see `app::api_routes`).
    cfg.service(gate::gate_check)
        .service(permits::permit_keys)
        .service(permits::rotate_permit_keys)
        .service(permits::create_permit)
        .service(permits::list_permits)
        .service(permits::get_permit)
        .service(permits::approve_permit)
        .service(permits::reject_permit)
        .service(permits::revoke_permit)
        .service(permits::permit_qr)
        .service(gate::gate_entry)
        .service(gate::gate_exit)
        .service(gate::zone_occupancy)
        .service(gate::access_events_csv)
        .service(gate::access_events);
}
