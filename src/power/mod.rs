//! Power protection (第6条): UPS units, surge protection, coverage, NUT polling.

pub mod api;
pub mod chart;
pub mod model;
pub mod nut;
pub mod pages;
pub mod poller;
pub mod rules;
pub mod service;
