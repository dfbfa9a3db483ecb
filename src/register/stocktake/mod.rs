//! Stocktaking (棚卸, 第4条): a campaign per zone, scans from a handheld scanner or a phone
//! camera, and a report the zone's manager signs off and that is kept unchanged.

pub mod api;
pub mod model;
pub mod pages;
mod report_csv;
pub mod service;

pub use service::ScanResult;
