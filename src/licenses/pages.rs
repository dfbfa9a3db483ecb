//! HTML handlers (filled in by this area's issue).

use crate::identity::Principal;
use crate::web::layout::NavLink;
use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}

/// This area's entries in the menu, for the principal's roles.
pub fn nav(_principal: &Principal, _nav: &mut Vec<NavLink>) {}
