//! Pure shared tools, below every area: they know no database and no HTTP.

pub mod excel;
pub mod patch;
pub mod secrets;
pub mod text;
pub mod time;
pub mod verified;
pub mod vocabulary;
