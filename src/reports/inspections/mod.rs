//! Inspections (点検記録, 第32条): the compliance report frozen for a period,
//! each finding's disposition, and the security manager's signature, kept in
//! the audit chain. Inside `reports` because it freezes the report, and the
//! report's 第32条 asks it when the last inspection was signed: as two areas
//! they would import each other.

pub mod api;
mod csv;
pub mod model;
pub mod pages;
pub mod rules;
pub mod service;
