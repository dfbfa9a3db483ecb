//! Software licenses and install permissions (第14条, 第15条).

pub mod api;
pub mod pages;
