//! Reading cabling changes: one change and the filtered list.

use super::model;
use super::rules::CablingState;
use super::*;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::Principal;
use crate::register::model::find_equipment_by_tag;
use crate::register::rules::normalize_tag;

pub fn get(conn: &mut DbConn, by: &Principal, id: i64) -> Result<CablingView, AppError> {
    let view = load(conn, id)?;
    if view.requested_by != by.id && view.performer_user_id != Some(by.id) {
        by.require_any(READERS)?;
    }
    Ok(view)
}

#[allow(clippy::too_many_arguments)]
pub fn list(
    conn: &mut DbConn,
    by: &Principal,
    zone_id: Option<i64>,
    state: Option<&str>,
    asset_tag: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<CablingView>, i64), AppError> {
    by.require_any(READERS)?;
    let mut filter = Filter {
        zone_id,
        ..Filter::default()
    };
    if let Some(s) = state.filter(|s| !s.is_empty()) {
        let s = CablingState::parse(s).ok_or_else(|| {
            AppError::invalid(
                "state",
                "requested, authorized, rejected, completed, verified のいずれかです。",
            )
        })?;
        filter.state = Some(s.as_str().to_owned());
    }
    if let Some(tag) = asset_tag.filter(|t| !t.is_empty()) {
        let tag = normalize_tag(tag).map_err(|e| AppError::invalid("asset_tag", e.message()))?;
        match find_equipment_by_tag(conn, &tag)? {
            Some(d) => filter.equipment_id = Some(d.id),
            None => return Ok((vec![], 0)),
        }
    }
    let (rows, total) = model::list(conn, &filter, offset, limit)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags = model::tags_of(conn, &ids)?;
    Ok((
        rows.into_iter()
            .map(|r| {
                let t = tags.remove(&r.id).unwrap_or_default();
                CablingView::of(r, t)
            })
            .collect(),
        total,
    ))
}
