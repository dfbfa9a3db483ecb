//! Incident and fault records (第10条, 第27条): what happened, who answered it, why,
//! and what keeps it from happening again.

pub mod api;
pub mod model;
pub mod pages;
pub mod rules;
pub mod service;
