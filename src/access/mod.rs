//! Machine-room access (第5条): entry permits, the gate, occupancy.

pub mod api;
pub mod pages;
