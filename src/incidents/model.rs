//! Incident rows and their queries.

use crate::db::DbConn;
use crate::db::schema::{equipment, incident_equipment, incidents};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = incidents)]
pub struct Incident {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub found_at: NaiveDateTime,
    pub zone_id: Option<i64>,
    pub department_id: i64,
    pub source: Option<String>,
    pub state: String,
    pub reported_by: i64,
    pub reported_at: NaiveDateTime,
    pub response: Option<String>,
    pub cause: Option<String>,
    pub prevention: Option<String>,
    pub responded_by: Option<i64>,
    pub responded_at: Option<NaiveDateTime>,
    pub closed_by: Option<i64>,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = incidents)]
pub struct NewIncident {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub found_at: NaiveDateTime,
    pub zone_id: Option<i64>,
    pub department_id: i64,
    pub source: Option<String>,
    pub state: String,
    pub reported_by: i64,
    pub reported_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConn,
    row: &NewIncident,
    equipment_ids: &[i64],
) -> QueryResult<Incident> {
    let incident: Incident = diesel::insert_into(incidents::table)
        .values(row)
        .returning(incidents::all_columns)
        .get_result(conn)?;
    for id in equipment_ids {
        diesel::insert_into(incident_equipment::table)
            .values((
                incident_equipment::incident_id.eq(incident.id),
                incident_equipment::equipment_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(incident)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Incident>> {
    incidents::table
        .find(id)
        .select(Incident::as_select())
        .first(conn)
        .optional()
}

/// The devices' tags per incident, in tag order (one query).
pub fn tags_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = incident_equipment::table
        .inner_join(equipment::table)
        .filter(incident_equipment::incident_id.eq_any(ids))
        .order((
            incident_equipment::incident_id.asc(),
            equipment::asset_tag.asc(),
        ))
        .select((incident_equipment::incident_id, equipment::asset_tag))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, tag) in rows {
        out.entry(id).or_default().push(tag);
    }
    Ok(out)
}

/// What a reader may see of the list: everything, or only their own reports.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<String>,
    /// Not closed.
    pub open_only: bool,
    pub zone_id: Option<i64>,
    pub reported_by: Option<i64>,
}

fn filtered(f: &Filter) -> incidents::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut q = incidents::table.into_boxed();
    if let Some(state) = &f.state {
        q = q.filter(incidents::state.eq(state.clone()));
    }
    if f.open_only {
        q = q.filter(incidents::state.ne("closed"));
    }
    if let Some(zone) = f.zone_id {
        q = q.filter(incidents::zone_id.eq(zone));
    }
    if let Some(by) = f.reported_by {
        q = q.filter(incidents::reported_by.eq(by));
    }
    q
}

/// One page, newest first, and how many match.
pub fn list(
    conn: &mut DbConn,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Incident>, i64)> {
    let total: i64 = filtered(f).count().get_result(conn)?;
    let rows = filtered(f)
        .order(incidents::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Incident::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Writes the response; false when the record was closed meanwhile.
pub fn record_response(
    conn: &mut DbConn,
    id: i64,
    texts: (&str, &str, &str),
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let (response, cause, prevention) = texts;
    let n = diesel::update(
        incidents::table
            .filter(incidents::id.eq(id))
            .filter(incidents::state.ne("closed")),
    )
    .set((
        incidents::state.eq("responded"),
        incidents::response.eq(Some(response)),
        incidents::cause.eq(Some(cause)),
        incidents::prevention.eq(Some(prevention)),
        incidents::responded_by.eq(Some(by)),
        incidents::responded_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Closes a responded record; false when it was not (or no longer) responded.
pub fn close(conn: &mut DbConn, id: i64, by: i64, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        incidents::table
            .filter(incidents::id.eq(id))
            .filter(incidents::state.eq("responded")),
    )
    .set((
        incidents::state.eq("closed"),
        incidents::closed_by.eq(Some(by)),
        incidents::closed_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
