//! Power protection (第6条): UPS units, surge protection, coverage, NUT polling.

pub mod api;
pub mod pages;
