//! Cabling-change authorisations (第7条).

pub mod api;
pub mod model;
pub mod pages;
pub mod rules;
pub mod service;
