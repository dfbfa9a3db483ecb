//! The hash-chained audit log (第16条, 第30条): every change's record, its
//! verification, and the log pages for admins and auditors.

pub mod api;
pub mod cli;
pub mod model;
pub mod pages;
pub mod present;
pub mod rules;
pub mod service;

pub use model::AuditEvent;
pub use service::{Actor, Batch, VerifyReport, record, verify};
