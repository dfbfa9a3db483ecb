//! What the cabling page shows: the recent changes, each with the steps the
//! person may take on it, and the names and choices the request form needs.

use super::rules::{CablingState, Step};
use super::step::check;
use super::*;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::Principal;
use std::collections::HashMap;

/// How many of the latest changes the page lists.
const BOARD_SIZE: i64 = 200;

/// One change and the steps its reader may take on it, in the order the page offers them.
pub struct BoardLine {
    pub change: CablingView,
    pub steps: Vec<Step>,
}

pub struct Board {
    pub lines: Vec<BoardLine>,
    /// Every zone as `(id, "code name")`.
    pub zones: Vec<(i64, String)>,
    /// Display names of everyone the lines name.
    pub names: HashMap<i64, String>,
    /// The operators a change can be given to, `(id, display name)`.
    pub operators: Vec<(i64, String)>,
}

pub fn board(conn: &mut DbConn, by: &Principal) -> Result<Board, AppError> {
    let (changes, _) = list(conn, by, None, None, None, 0, BOARD_SIZE)?;
    let zones = crate::register::service::zone_choices(conn)?;
    let managed = crate::register::service::zones_managed_by(conn, by.id)?;
    let operators = crate::identity::service::active_with_role(conn, Role::Operator)?
        .into_iter()
        .map(|(id, name, _)| (id, name))
        .collect();
    let ids: Vec<i64> = changes
        .iter()
        .flat_map(|c| {
            [
                Some(c.requested_by),
                c.performer_user_id,
                c.decided_by,
                c.completed_by,
                c.verified_by,
            ]
        })
        .flatten()
        .collect();
    let names = crate::identity::service::user_names(conn, &ids)?;
    let lines = changes
        .into_iter()
        .map(|change| {
            let steps = steps_open_to(&change, by, managed.contains(&change.zone_id));
            BoardLine { change, steps }
        })
        .collect();
    Ok(Board {
        lines,
        zones,
        names,
        operators,
    })
}

/// The steps [`step`] would let `by` take on `view` now.
fn steps_open_to(view: &CablingView, by: &Principal, manager: bool) -> Vec<Step> {
    let state = CablingState::parse(&view.state);
    [Step::Authorize, Step::Reject, Step::Complete, Step::Verify]
        .into_iter()
        .filter(|s| state == Some(s.from_state()) && check(view, by, manager, *s).is_ok())
        .collect()
}
