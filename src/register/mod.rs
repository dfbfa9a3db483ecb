//! The equipment register (第3条, 第4条, 第22条, 第23条): controlled zones, the record of all
//! equipment, carry-in/out, stocktaking and disposal.

pub mod api;
pub mod cli;
pub mod model;
pub mod pages;
pub mod rules;
pub mod service;
pub mod stocktake;
