//! Audit rows and their queries.

use crate::db::DbConn;
use crate::db::schema::{audit_events, audit_head};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

pub mod checkpoints;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub seq: i64,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    #[schema(value_type = Object)]
    #[serde(serialize_with = "serialize_detail")]
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The stored detail is JSON text; clients get it as JSON, not as a string.
fn serialize_detail<S: serde::Serializer>(detail: &str, s: S) -> Result<S::Ok, S::Error> {
    match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(value) => value.serialize(s),
        Err(_) => s.serialize_str(detail),
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
// Every column always bound (NULL for None, never DEFAULT): only then is a
// batch one multi-row INSERT on SQLite instead of one INSERT per row.
#[diesel(treat_none_as_default_value = false)]
pub struct NewAuditEvent<'a> {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub detail: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

pub fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::seq, audit_head::hash))
        .get_result(conn)
}

pub fn append(conn: &mut DbConn, event: &NewAuditEvent<'_>) -> QueryResult<AuditEvent> {
    let inserted = diesel::insert_into(audit_events::table)
        .values(event)
        .returning(audit_events::all_columns)
        .get_result::<AuditEvent>(conn)?;
    diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set((
            audit_head::seq.eq(event.seq),
            audit_head::hash.eq(event.hash),
        ))
        .execute(conn)?;
    Ok(inserted)
}

/// Appends many events with one multi-row INSERT, then moves the head from
/// `from_seq` to the last of them. The head moves only if it still stands at
/// `from_seq`: an event appended meanwhile by someone else fails the
/// transaction instead of forking the chain.
pub fn append_many(
    conn: &mut DbConn,
    from_seq: i64,
    events: &[NewAuditEvent<'_>],
) -> QueryResult<()> {
    let Some(last) = events.last() else {
        return Ok(());
    };
    // Batches do not compile through the MultiConnection enum: COPY on
    // PostgreSQL (its fastest way in), a multi-row INSERT on SQLite.
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(audit_events::table)
            .values(events)
            .execute(c)?,
        DbConn::Pg(c) => diesel::copy_from(audit_events::table)
            .from_insertable(events)
            .execute(c)?,
    };
    let moved = diesel::update(
        audit_head::table
            .filter(audit_head::id.eq(1))
            .filter(audit_head::seq.eq(from_seq)),
    )
    .set((audit_head::seq.eq(last.seq), audit_head::hash.eq(last.hash)))
    .execute(conn)?;
    if moved == 1 {
        Ok(())
    } else {
        Err(diesel::result::Error::QueryBuilderError(
            "the audit chain head moved during a batch append".into(),
        ))
    }
}

/// Events in chain order, `limit` at a time after `after_seq`, up to `through_seq`.
pub fn chain_batch(
    conn: &mut DbConn,
    after_seq: i64,
    through_seq: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::seq.gt(after_seq))
        .filter(audit_events::seq.le(through_seq))
        .order(audit_events::seq.asc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

fn filtered(filter: &AuditFilter) -> audit_events::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut query = audit_events::table.into_boxed();
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor));
    }
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(entity_type.clone()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(entity_id.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::occurred_at.lt(to));
    }
    query
}

/// One page of events, newest first, and how many match in all.
pub fn list(
    conn: &mut DbConn,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AuditEvent>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let items = filtered(filter)
        .order(audit_events::seq.desc())
        .offset(offset)
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// The latest time each of these actors did `action`.
pub fn latest_by_actor(
    conn: &mut DbConn,
    action: &str,
    actor_ids: &[i64],
) -> QueryResult<Vec<(Option<i64>, Option<NaiveDateTime>)>> {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .filter(audit_events::actor_id.eq_any(actor_ids.to_vec()))
        .group_by(audit_events::actor_id)
        .select((
            audit_events::actor_id,
            diesel::dsl::max(audit_events::occurred_at),
        ))
        .load(conn)
}

/// An actor's count of one action: `(actor, name, action, times)`.
pub type ActorCount = (Option<i64>, String, String, i64);

/// Who did any of `actions` in `[from, to)`.
pub fn actors_of(
    conn: &mut DbConn,
    actions: &[&str],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<ActorCount>> {
    let actions: Vec<String> = actions.iter().map(|a| (*a).to_owned()).collect();
    audit_events::table
        .filter(audit_events::action.eq_any(actions))
        .filter(audit_events::occurred_at.ge(from))
        .filter(audit_events::occurred_at.lt(to))
        .group_by((
            audit_events::actor_id,
            audit_events::actor_name,
            audit_events::action,
        ))
        .select((
            audit_events::actor_id,
            audit_events::actor_name,
            audit_events::action,
            diesel::dsl::count_star(),
        ))
        .order((
            audit_events::actor_name.asc(),
            audit_events::actor_id.asc(),
            audit_events::action.asc(),
        ))
        .load(conn)
}
