//! Users, departments, roles, passwords and sessions (第11条, 第17条, 第18条).

pub mod api;
pub mod model;
pub mod pages;
pub mod password;
mod principal;
pub mod rules;
pub mod service;
pub mod session;

pub use principal::Principal;
pub use rules::Role;
