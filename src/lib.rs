//! daicho (台帳): the machine-room register of a ward office.

pub mod access;
pub mod app;
pub mod audit;
pub mod cabling;
pub mod config;
pub mod db;
pub mod error;
pub mod identity;
pub mod incidents;
pub mod kit;
pub mod labels;
pub mod licenses;
pub mod power;
pub mod register;
pub mod reports;
pub mod web;
