//! Machine-room access (第5条): entry permits and their signed codes, the
//! guard's gate, occupancy, the 入退室記録 and the carry-out check at the door.

pub mod api;
pub mod codes;
pub mod model;
pub mod pages;
pub mod rules;
pub mod service;

pub use codes::PermitKeys;
