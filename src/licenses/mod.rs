//! Software licenses and install permissions (第14条, 第15条).

pub mod api;
pub mod model;
pub mod pages;
pub mod rules;
pub mod service;
