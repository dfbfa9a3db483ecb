//! daicho (台帳): the machine-room register of a ward office.

pub mod app;
pub mod audit;
pub mod config;
pub mod db;
pub mod error;
pub mod identity;
pub mod web;
