//! QR labels (PNG, SVG) and A4 label sheets (12/24/44面), DESIGN.md §5.

pub mod api;
pub mod pages;
pub mod qr;
pub mod sheet;
