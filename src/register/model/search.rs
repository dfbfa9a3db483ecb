//! Listing and searching the register: filters, text search, and a count that stops early.
//!
//! Every list query reads an index in tag order or a few index ranges, so a page costs about
//! the same at 100,000 devices as at 1,000 (issue 3):
//! - the asset tag and the serial number match by prefix, as B-tree ranges;
//! - the name and the model match anywhere, any case, through a trigram index
//!   (SQLite: FTS5 `equipment_text`; PostgreSQL: pg_trgm GIN indexes with ILIKE);
//! - each filter has an index ending in `asset_tag`, so a page is read in order;
//! - the count stops at [`COUNT_CAP`]: beyond it a list says "1000件以上", not an exact number.

use super::Equipment;
use crate::db::schema::equipment;
use crate::db::{Backend, DbConn, MultiBackend};
use diesel::expression::{AppearsOnTable, ValidGrouping, is_aggregate};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};

/// Matches are counted up to this many (or up to the end of the page asked for, if further);
/// past it the total is a lower bound.
pub const COUNT_CAP: i64 = 1000;

/// Sorts after every character a tag or serial number can continue with: `x <= s < x + MAX`
/// is "s starts with x" in binary (SQLite) order.
const MAX_CHAR: char = '\u{10FFFF}';

#[derive(Debug, Clone, Default)]
pub struct EquipmentFilter {
    /// Matches the tag (prefix), the serial number (prefix, any case), the name or the model
    /// (anywhere, any case).
    pub q: Option<String>,
    pub zone_id: Option<i64>,
    pub department_id: Option<i64>,
    pub key_equipment: Option<bool>,
    pub status: Option<String>,
    pub kind: Option<String>,
}

/// How many devices match: exact up to the cap, else at least `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchCount {
    pub total: i64,
    pub exact: bool,
}

/// A piece of SQL with its bound values: the text search, put together at run time.
#[derive(Debug, Clone, Default)]
struct Condition(Vec<Piece>);

#[derive(Debug, Clone)]
enum Piece {
    Sql(&'static str),
    Bind(String),
}

impl Condition {
    fn sql(mut self, text: &'static str) -> Condition {
        self.0.push(Piece::Sql(text));
        self
    }

    fn bind(mut self, value: String) -> Condition {
        self.0.push(Piece::Bind(value));
        self
    }

    /// `(self) OR (other)`.
    fn or(self, other: Condition) -> Condition {
        let mut joined = Condition::default().sql("(");
        joined.0.extend(self.0);
        joined = joined.sql(") OR (");
        joined.0.extend(other.0);
        joined.sql(")")
    }
}

impl Expression for Condition {
    type SqlType = Bool;
}

impl AppearsOnTable<equipment::table> for Condition {}

impl SelectableExpression<equipment::table> for Condition {}

impl ValidGrouping<()> for Condition {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for Condition {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for Condition {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        out.push_sql("(");
        for piece in &self.0 {
            match piece {
                Piece::Sql(text) => out.push_sql(text),
                Piece::Bind(value) => out.push_bind_param::<Text, String>(value)?,
            }
        }
        out.push_sql(")");
        Ok(())
    }
}

/// The term as an asset-tag prefix, if it can be one (tags are `A-Z`, `0-9` and `-`).
fn tag_prefix(q: &str) -> Option<String> {
    let upper = q.to_ascii_uppercase();
    (upper.len() <= 32
        && upper
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'))
    .then_some(upper)
}

/// `%`, `_` and `\` taken literally in a LIKE pattern with `ESCAPE '\'`.
fn like_escape(q: &str) -> String {
    q.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `expr` starts with `prefix`, as an index range: SQLite compares in binary order, and
/// `x <= s < x + U+10FFFF` is "s starts with x". PostgreSQL: LIKE 'x%' on a
/// text_pattern_ops index, which the planner turns into the same range under any collation.
fn starts_with(expr: &'static str, prefix: String, backend: Backend) -> Condition {
    let c = Condition::default().sql(expr);
    match backend {
        Backend::Sqlite => {
            let upper = format!("{prefix}{MAX_CHAR}");
            c.sql(" >= ")
                .bind(prefix)
                .sql(" AND ")
                .sql(expr)
                .sql(" < ")
                .bind(upper)
        }
        Backend::Postgres => c
            .sql(" LIKE ")
            .bind(format!("{}%", like_escape(&prefix)))
            .sql(" ESCAPE '\\'"),
    }
}

/// Name or model contains the term, any case.
fn name_or_model_contains(q: &str, backend: Backend) -> Condition {
    let contains = format!("%{}%", like_escape(q));
    let like = match backend {
        // The trigram index needs three characters; shorter terms are rare and read the table.
        Backend::Sqlite if q.chars().count() >= 3 => {
            return Condition::default()
                .sql(
                    "equipment.id IN (SELECT rowid FROM equipment_text WHERE equipment_text MATCH ",
                )
                .bind(format!("\"{}\"", q.replace('"', "\"\"")))
                .sql(")");
        }
        // SQLite's LIKE ignores ASCII case.
        Backend::Sqlite => " LIKE ",
        Backend::Postgres => " ILIKE ",
    };
    Condition::default()
        .sql("equipment.name")
        .sql(like)
        .bind(contains.clone())
        .sql(" ESCAPE '\\' OR equipment.model")
        .sql(like)
        .bind(contains)
        .sql(" ESCAPE '\\'")
}

/// The text search: tag prefix, serial prefix (any case), name or model anywhere.
fn text_condition(q: &str, backend: Backend) -> Condition {
    let serial = starts_with(
        "upper(equipment.serial_number)",
        q.to_ascii_uppercase(),
        backend,
    );
    let condition = serial.or(name_or_model_contains(q, backend));
    match tag_prefix(q) {
        Some(tag) => starts_with("equipment.asset_tag", tag, backend).or(condition),
        None => condition,
    }
}

fn filtered(
    filter: &EquipmentFilter,
    backend: Backend,
) -> equipment::BoxedQuery<'static, MultiBackend> {
    let mut query = equipment::table.into_boxed();
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        query = query.filter(text_condition(q, backend));
    }
    if let Some(zone) = filter.zone_id {
        query = query.filter(equipment::zone_id.eq(zone));
    }
    if let Some(dept) = filter.department_id {
        query = query.filter(equipment::department_id.eq(dept));
    }
    if let Some(key) = filter.key_equipment {
        query = query.filter(equipment::key_equipment.eq(key));
    }
    if let Some(status) = &filter.status {
        query = query.filter(equipment::status.eq(status.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(equipment::kind.eq(kind.clone()));
    }
    query
}

/// One page of equipment in tag order, and how many match (exactly up to [`COUNT_CAP`]).
///
/// One pass over the indexes gives the matching tags in order, up to the bound: their number
/// is the count, and the page is a slice of them, read whole in a second, small query. The
/// tags come from the same indexes that filter (every filter index ends in `asset_tag`), so
/// this pass rarely touches the table.
pub fn list_equipment(
    conn: &mut DbConn,
    filter: &EquipmentFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Equipment>, MatchCount)> {
    let bound = COUNT_CAP.max(offset + limit);
    let tags: Vec<String> = filtered(filter, conn.backend())
        .order(equipment::asset_tag.asc())
        .select(equipment::asset_tag)
        .limit(bound + 1)
        .load(conn)?;
    let count = MatchCount {
        total: (tags.len() as i64).min(bound),
        exact: tags.len() as i64 <= bound,
    };
    let page: Vec<String> = tags
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    if page.is_empty() {
        return Ok((Vec::new(), count));
    }
    let items = equipment::table
        .filter(equipment::asset_tag.eq_any(page))
        .order(equipment::asset_tag.asc())
        .select(Equipment::as_select())
        .load(conn)?;
    Ok((items, count))
}

/// Every device matching the filter, in tag order (for the CSV export).
pub fn list_all_equipment(
    conn: &mut DbConn,
    filter: &EquipmentFilter,
) -> QueryResult<Vec<Equipment>> {
    filtered(filter, conn.backend())
        .order(equipment::asset_tag.asc())
        .select(Equipment::as_select())
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tag_characters_make_a_tag_prefix() {
        assert_eq!(tag_prefix("srv-00").as_deref(), Some("SRV-00"));
        assert_eq!(tag_prefix("SN 1"), None);
        assert_eq!(tag_prefix("住民"), None);
        assert_eq!(tag_prefix("100%"), None);
        assert_eq!(tag_prefix(&"A".repeat(33)), None);
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escape(r"100%_\x"), r"100\%\_\\x");
    }
}
