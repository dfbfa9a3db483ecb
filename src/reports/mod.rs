//! Compliance report per article (第32条 点検), CSV exports.

pub mod api;
pub mod dashboard;
mod gate_findings;
pub mod inspections;
pub mod pages;
pub mod rules;
pub mod service;
