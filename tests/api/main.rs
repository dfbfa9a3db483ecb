//! One integration-test binary: each test starts the real app on a random
//! port against a fresh database (a SQLite temp file, or a fresh PostgreSQL
//! database when `TEST_DATABASE_URL` is set).

mod common;

mod access;
mod api_doc;
mod audit;
mod audit_export;
mod authority;
mod cabling;
mod cli;
mod cli_open;
mod errors;
mod identity;
mod input;
mod labels;
mod licenses;
mod movements;
mod ops;
mod outages;
mod pages;
mod passwords;
mod power;
mod register;
mod reports;
mod signin;
mod stocktake;
mod transport;
