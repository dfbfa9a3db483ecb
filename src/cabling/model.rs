//! Cabling-change rows and their queries.

use crate::db::schema::{cabling_change_equipment, cabling_changes, equipment};
use crate::db::{DbConn, MultiBackend};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = cabling_changes)]
pub struct CablingChange {
    pub id: i64,
    pub zone_id: i64,
    pub work_kind: String,
    pub description: String,
    pub performer_user_id: Option<i64>,
    pub contractor_company: Option<String>,
    pub contractor_contract_number: Option<String>,
    pub contractor_worker_name: Option<String>,
    pub planned_on: NaiveDate,
    pub state: String,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub completed_by: Option<i64>,
    pub completed_at: Option<NaiveDateTime>,
    pub completion_notes: Option<String>,
    pub diagram_updated: Option<bool>,
    pub verified_by: Option<i64>,
    pub verified_at: Option<NaiveDateTime>,
    pub verification_note: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = cabling_changes)]
pub struct NewCablingChange {
    pub zone_id: i64,
    pub work_kind: String,
    pub description: String,
    pub performer_user_id: Option<i64>,
    pub contractor_company: Option<String>,
    pub contractor_contract_number: Option<String>,
    pub contractor_worker_name: Option<String>,
    pub planned_on: NaiveDate,
    pub state: String,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConn,
    row: &NewCablingChange,
    equipment_ids: &[i64],
) -> QueryResult<CablingChange> {
    let change: CablingChange = diesel::insert_into(cabling_changes::table)
        .values(row)
        .returning(cabling_changes::all_columns)
        .get_result(conn)?;
    for id in equipment_ids {
        diesel::insert_into(cabling_change_equipment::table)
            .values((
                cabling_change_equipment::change_id.eq(change.id),
                cabling_change_equipment::equipment_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(change)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<CablingChange>> {
    cabling_changes::table
        .find(id)
        .select(CablingChange::as_select())
        .get_result(conn)
        .optional()
}

/// The affected devices' tags per change (one query).
pub fn tags_of(conn: &mut DbConn, change_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = cabling_change_equipment::table
        .inner_join(equipment::table)
        .filter(cabling_change_equipment::change_id.eq_any(change_ids))
        .order((
            cabling_change_equipment::change_id.asc(),
            equipment::asset_tag.asc(),
        ))
        .select((cabling_change_equipment::change_id, equipment::asset_tag))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, tag) in rows {
        out.entry(id).or_default().push(tag);
    }
    Ok(out)
}

/// Moves a change from `from` to `to` with the step's columns; false when it was no longer in `from`.
#[allow(clippy::too_many_arguments)]
pub fn advance(
    conn: &mut DbConn,
    id: i64,
    from: &str,
    to: &str,
    by: i64,
    at: NaiveDateTime,
    note: Option<&str>,
    diagram_updated: Option<bool>,
) -> QueryResult<bool> {
    let target = cabling_changes::table
        .filter(cabling_changes::id.eq(id))
        .filter(cabling_changes::state.eq(from));
    let n = match to {
        "authorized" | "rejected" => diesel::update(target)
            .set((
                cabling_changes::state.eq(to),
                cabling_changes::decided_by.eq(Some(by)),
                cabling_changes::decided_at.eq(Some(at)),
                cabling_changes::decision_note.eq(note),
            ))
            .execute(conn)?,
        "completed" => diesel::update(target)
            .set((
                cabling_changes::state.eq(to),
                cabling_changes::completed_by.eq(Some(by)),
                cabling_changes::completed_at.eq(Some(at)),
                cabling_changes::completion_notes.eq(note),
                cabling_changes::diagram_updated.eq(diagram_updated),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set((
                cabling_changes::state.eq(to),
                cabling_changes::verified_by.eq(Some(by)),
                cabling_changes::verified_at.eq(Some(at)),
                cabling_changes::verification_note.eq(note),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub zone_id: Option<i64>,
    pub state: Option<String>,
    pub equipment_id: Option<i64>,
}

pub fn list(
    conn: &mut DbConn,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<CablingChange>, i64)> {
    let filtered = || {
        let mut q = cabling_changes::table.into_boxed::<MultiBackend>();
        if let Some(z) = filter.zone_id {
            q = q.filter(cabling_changes::zone_id.eq(z));
        }
        if let Some(s) = &filter.state {
            q = q.filter(cabling_changes::state.eq(s.clone()));
        }
        if let Some(e) = filter.equipment_id {
            q = q.filter(
                cabling_changes::id.eq_any(
                    cabling_change_equipment::table
                        .filter(cabling_change_equipment::equipment_id.eq(e))
                        .select(cabling_change_equipment::change_id),
                ),
            );
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order(cabling_changes::id.desc())
        .offset(offset)
        .limit(limit)
        .select(CablingChange::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// Cabling change requests in these zones that `manager` may instruct or
/// reject (not their own).
pub fn count_awaiting_decision(conn: &mut DbConn, zones: &[i64], manager: i64) -> QueryResult<i64> {
    cabling_changes::table
        .filter(cabling_changes::zone_id.eq_any(zones))
        .filter(cabling_changes::state.eq("requested"))
        .filter(cabling_changes::requested_by.ne(manager))
        .count()
        .get_result(conn)
}

/// Changes in these states, oldest first, at most `limit` (open work is few).
pub fn in_states(
    conn: &mut DbConn,
    states: &[&str],
    limit: i64,
) -> QueryResult<Vec<CablingChange>> {
    let states: Vec<String> = states.iter().map(|s| (*s).to_owned()).collect();
    cabling_changes::table
        .filter(cabling_changes::state.eq_any(states))
        .order(cabling_changes::id.asc())
        .limit(limit)
        .select(CablingChange::as_select())
        .load(conn)
}

/// Changes confirmed by their manager in `[from, to)`.
pub fn count_verified_between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<i64> {
    cabling_changes::table
        .filter(cabling_changes::verified_at.ge(from))
        .filter(cabling_changes::verified_at.lt(to))
        .count()
        .get_result(conn)
}
