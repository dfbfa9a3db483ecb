//! One integration-test binary: each test starts the real app on a random
//! port against a fresh database (a SQLite temp file, or a fresh PostgreSQL
//! database when `TEST_DATABASE_URL` is set).

mod common;

mod access;
mod api_doc;
mod audit;
mod audit_checkpoints;
mod audit_export;
mod audit_health;
mod audit_pages;
mod authority;
mod axe;
mod cabling;
mod cli;
mod cli_open;
mod errors;
mod forms;
mod identity;
mod incidents;
mod input;
mod inspections;
mod keyboard;
mod labels;
mod licenses;
mod looks;
mod movements;
mod movements_unauthorised;
mod ops;
mod outages;
mod pages;
mod passwords;
mod power;
mod register;
mod reports;
mod signin;
mod small_things;
mod stocktake;
mod stocktake_report;
mod transport;
