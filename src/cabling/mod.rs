//! Cabling-change authorisations (第7条).

pub mod api;
pub mod pages;
