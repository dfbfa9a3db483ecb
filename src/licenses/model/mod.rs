//! Software, license, install-request and installation rows and their queries.

mod catalog;
mod installations;
mod lookups;
mod requests;

pub use catalog::*;
pub use installations::*;
pub use lookups::*;
pub use requests::*;
