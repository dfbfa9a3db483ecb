//! Compliance report per article, CSV exports.

pub mod api;
pub mod csv;
pub mod pages;
