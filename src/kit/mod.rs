//! Pure shared tools, below every area: they know no database and no HTTP.

pub mod secrets;
pub mod text;
