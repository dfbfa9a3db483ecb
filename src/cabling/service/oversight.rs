//! What the compliance report (第7条) asks of the cabling work: the open
//! changes and how many were confirmed. Plain facts with no role of their own;
//! the report checks who reads it and decides what is late.

use super::CablingView;
use crate::cabling::model;
use crate::cabling::rules::CablingState;
use crate::db::DbConn;
use crate::error::AppError;
use chrono::NaiveDateTime;

/// Authorised but not yet done, and done but not yet confirmed: `(authorised, completed)`.
pub fn open_work(conn: &mut DbConn) -> Result<(Vec<CablingView>, Vec<CablingView>), AppError> {
    let rows = model::in_states(
        conn,
        &[
            CablingState::Authorized.as_str(),
            CablingState::Completed.as_str(),
        ],
        10_000,
    )?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let mut tags = model::tags_of(conn, &ids)?;
    let (authorised, completed): (Vec<CablingView>, Vec<CablingView>) = rows
        .into_iter()
        .map(|c| {
            let t = tags.remove(&c.id).unwrap_or_default();
            CablingView::of(c, t)
        })
        .partition(|v| v.state == CablingState::Authorized.as_str());
    Ok((authorised, completed))
}

/// Changes confirmed in `[from, to)`.
pub fn verified_between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(model::count_verified_between(conn, from, to)?)
}
