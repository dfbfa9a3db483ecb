//! The tables both backends share, written by hand: the migrations under
//! `migrations/sqlite` and `migrations/postgres` are the source of truth. Each
//! area's tables (their columns) live in that area's file (`licensing` for
//! the licenses area, whose name its `licenses` table takes); this file holds how
//! the tables relate: the foreign keys diesel may join along, and which tables
//! may share a query.

mod access;
mod audit;
mod cabling;
mod identity;
mod incident_records;
mod inspecting;
mod licensing;
mod power;
mod register;

pub use access::*;
pub use audit::*;
pub use cabling::*;
pub use identity::*;
pub use incident_records::*;
pub use inspecting::*;
pub use licensing::*;
pub use power::*;
pub use register::*;

// The foreign keys diesel may join along, by the child table's area.

// identity
diesel::joinable!(users -> departments (department_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sessions -> users (user_id));

// register
diesel::joinable!(stocktakes -> zones (zone_id));
diesel::joinable!(stocktake_scans -> stocktakes (stocktake_id));
diesel::joinable!(stocktake_scans -> equipment (equipment_id));
diesel::joinable!(zones -> departments (department_id));
diesel::joinable!(zone_managers -> zones (zone_id));
diesel::joinable!(zone_managers -> users (user_id));
diesel::joinable!(equipment -> departments (department_id));
diesel::joinable!(equipment -> zones (zone_id));
diesel::joinable!(movements -> zones (zone_id));
diesel::joinable!(disposals -> equipment (equipment_id));
diesel::joinable!(disposals -> users (disposed_by));
diesel::joinable!(movements -> equipment (equipment_id));

// access
diesel::joinable!(permits -> zones (zone_id));
diesel::joinable!(access_events -> zones (zone_id));
diesel::joinable!(access_events -> permits (permit_id));
diesel::joinable!(access_carry_outs -> access_events (event_id));
diesel::joinable!(zone_presence -> permits (permit_id));
diesel::joinable!(zone_presence -> zones (zone_id));

// power
diesel::joinable!(ups_units -> equipment (equipment_id));
diesel::joinable!(ups_readings -> equipment (ups_equipment_id));
diesel::joinable!(ups_events -> equipment (ups_equipment_id));

// licensing
diesel::joinable!(licenses -> software (software_id));
diesel::joinable!(licenses -> departments (department_id));
diesel::joinable!(install_requests -> software (software_id));
diesel::joinable!(install_requests -> equipment (equipment_id));
diesel::joinable!(installations -> software (software_id));
diesel::joinable!(installations -> equipment (equipment_id));
diesel::joinable!(installations -> install_requests (install_request_id));

// cabling
diesel::joinable!(cabling_changes -> zones (zone_id));
diesel::joinable!(cabling_change_equipment -> cabling_changes (change_id));
diesel::joinable!(cabling_change_equipment -> equipment (equipment_id));

// incidents
diesel::joinable!(incidents -> zones (zone_id));
diesel::joinable!(incidents -> departments (department_id));
diesel::joinable!(incident_equipment -> incidents (incident_id));
diesel::joinable!(incident_equipment -> equipment (equipment_id));
// inspections
diesel::joinable!(inspection_findings -> inspections (inspection_id));

// Every pair, once: declaring pairs area by area let two areas declare the
// same pair, and the impls collided.
diesel::allow_tables_to_appear_in_same_query!(
    departments,
    users,
    user_roles,
    sessions,
    login_failures,
    audit_events,
    audit_head,
    audit_checkpoints,
    audit_checkpoint_keys,
    zones,
    zone_managers,
    equipment,
    movements,
    disposals,
    stocktakes,
    stocktake_scans,
    permits,
    access_events,
    access_carry_outs,
    zone_presence,
    ups_units,
    ups_readings,
    ups_events,
    software,
    licenses,
    install_requests,
    installations,
    cabling_changes,
    cabling_change_equipment,
    incidents,
    incident_equipment,
    inspections,
    inspection_findings,
);
