//! Listing and searching the register: filters, text search, and a count that stops early.
//!
//! A page costs about the same at 100,000 devices as at 1,000 (issues 3 and 18), and the plan
//! of a search never depends on the term, so PostgreSQL's generic plan of a cached statement
//! is as good as a plan made for the term:
//! - the asset tag and the serial number match by prefix, as index ranges `x <= s < x + MAX`
//!   (a bound LIKE pattern can only use an index when the planner sees its value);
//! - the name and the model match anywhere, any case, through a trigram index
//!   (SQLite: FTS5 `equipment_text`; PostgreSQL: pg_trgm GIN indexes with ILIKE);
//! - on PostgreSQL a text search reads its matches from those indexes (a BitmapOr) before it
//!   sorts them: without the fence `OFFSET 0`, `ORDER BY asset_tag LIMIT n` tempts the planner
//!   to walk the whole table in tag order when it cannot tell how few rows match;
//! - each filter has an index ending in `asset_tag`, so a filtered page is read in order;
//! - the count stops at [`COUNT_CAP`]: beyond it a list says "1000件以上", not an exact number.
//!
//! The SQL is put together here as text and bound values ([`SearchSql`]), so a test can put
//! the very statement through `EXPLAIN` on either database.

use super::Equipment;
use super::search_sql::Condition;
pub use super::search_sql::{CountSql, SearchSql, SqlValue};
use crate::db::schema::equipment;
use crate::db::{Backend, DbConn};
use diesel::prelude::*;

/// Matches are counted up to this many (or up to the end of the page asked for, if further);
/// past it the total is a lower bound.
pub const COUNT_CAP: i64 = 1000;

/// Sorts after every character a tag or serial number can continue with: `x <= s < x + MAX`
/// is "s starts with x" in binary order (SQLite; PostgreSQL's `COLLATE "C"` tag and the
/// `text_pattern_ops` operators `~>=~`, `~<~` on the serial number).
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

/// The term as an asset-tag prefix, if it can be one (tags are `A-Z`, `0-9` and `-`).
fn tag_prefix(q: &str) -> Option<String> {
    let upper = q.to_ascii_uppercase();
    (upper.len() <= 32
        && upper
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'))
    .then_some(upper)
}

/// `%`, `_` and `\` taken literally in a LIKE pattern whose escape is `\`.
fn like_escape(q: &str) -> String {
    q.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `(lower <= expr AND expr < upper)` as text: "expr starts with prefix", an index range
/// whatever the prefix (`ge`/`lt` are the binary-order operators of `expr`'s index).
fn starts_with(
    expr: &'static str,
    ge: &'static str,
    lt: &'static str,
    prefix: String,
) -> SearchSql {
    let upper = format!("{prefix}{MAX_CHAR}");
    SearchSql::default()
        .sql("(")
        .sql(expr)
        .sql(ge)
        .text(prefix)
        .sql(" AND ")
        .sql(expr)
        .sql(lt)
        .text(upper)
        .sql(")")
}

/// Name or model contains the term, any case.
fn name_or_model_contains(q: &str, backend: Backend) -> SearchSql {
    let contains = format!("%{}%", like_escape(q));
    let like = match backend {
        // The trigram index needs three characters; shorter terms are rare and read the table.
        Backend::Sqlite if q.chars().count() >= 3 => {
            return SearchSql::default()
                .sql(
                    "equipment.id IN (SELECT rowid FROM equipment_text WHERE equipment_text MATCH ",
                )
                .text(format!("\"{}\"", q.replace('"', "\"\"")))
                .sql(")");
        }
        // SQLite's LIKE ignores ASCII case and has no escape character unless told.
        Backend::Sqlite => " ESCAPE '\\'",
        // PostgreSQL's LIKE escapes with `\` already; saying so again would hide the pattern
        // from the trigram index behind `like_escape($n)` in a generic plan.
        Backend::Postgres => "",
    };
    let operator = match backend {
        Backend::Sqlite => " LIKE ",
        Backend::Postgres => " ILIKE ",
    };
    SearchSql::default()
        .sql("equipment.name")
        .sql(operator)
        .text(contains.clone())
        .sql(like)
        .sql(" OR equipment.model")
        .sql(operator)
        .text(contains)
        .sql(like)
}

/// The text search: tag prefix, serial prefix (any case), name or model anywhere.
fn text_condition(q: &str, backend: Backend) -> SearchSql {
    let (ge, lt, serial_ge, serial_lt) = match backend {
        Backend::Sqlite => (" >= ", " < ", " >= ", " < "),
        // The tag is `COLLATE "C"`; the serial's index is `text_pattern_ops`.
        Backend::Postgres => (" >= ", " < ", " ~>=~ ", " ~<~ "),
    };
    let mut condition = SearchSql::default().sql("(");
    if let Some(tag) = tag_prefix(q) {
        condition = condition
            .append(starts_with("equipment.asset_tag", ge, lt, tag))
            .sql(" OR ");
    }
    condition
        .append(starts_with(
            "upper(equipment.serial_number)",
            serial_ge,
            serial_lt,
            q.to_ascii_uppercase(),
        ))
        .sql(" OR ")
        .append(name_or_model_contains(q, backend))
        .sql(")")
}

/// Every condition of the filter, joined by AND (`TRUE` when there is none).
fn conditions(filter: &EquipmentFilter, backend: Backend) -> SearchSql {
    let mut sql = SearchSql::default().sql("1 = 1");
    if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
        sql = sql.sql(" AND ").append(text_condition(q, backend));
    }
    let columns: [(&'static str, Option<SqlValue>); 5] = [
        (
            " AND equipment.zone_id = ",
            filter.zone_id.map(SqlValue::Int),
        ),
        (
            " AND equipment.department_id = ",
            filter.department_id.map(SqlValue::Int),
        ),
        (
            " AND equipment.key_equipment = ",
            filter.key_equipment.map(SqlValue::Bool),
        ),
        (
            " AND equipment.status = ",
            filter.status.clone().map(SqlValue::Text),
        ),
        (
            " AND equipment.kind = ",
            filter.kind.clone().map(SqlValue::Text),
        ),
    ];
    for (column, value) in columns {
        if let Some(value) = value {
            sql = sql.sql(column).bind(value);
        }
    }
    sql
}

/// The statement that finds the tags matching `filter`, in tag order, at most `limit`.
pub fn matching_tags(filter: &EquipmentFilter, backend: Backend, limit: i64) -> SearchSql {
    let searching = filter.q.as_deref().is_some_and(|q| !q.is_empty());
    let select = SearchSql::default().sql("SELECT equipment.asset_tag FROM equipment WHERE ");
    let found = match backend {
        // Matches first, from the indexes that can answer; then their order.
        Backend::Postgres if searching => SearchSql::default()
            .sql("SELECT m.asset_tag FROM (")
            .append(select)
            .append(conditions(filter, backend))
            .sql(" OFFSET 0) AS m ORDER BY m.asset_tag"),
        _ => select
            .append(conditions(filter, backend))
            .sql(" ORDER BY equipment.asset_tag"),
    };
    found.sql(" LIMIT ").bind(SqlValue::Int(limit))
}

/// The statement that counts the matches of `filter`, stopping at `bound`: the
/// database counts them where they lie, in the index, and sends one number.
pub fn count_matching(filter: &EquipmentFilter, backend: Backend, bound: i64) -> CountSql {
    CountSql(
        SearchSql::default()
            .sql("SELECT count(*) FROM (")
            .append(matching_tags(filter, backend, bound))
            .sql(") AS c"),
    )
}

/// The condition "is on the page": the `limit` matches after the first `offset`, in tag order.
pub fn on_page(filter: &EquipmentFilter, backend: Backend, offset: i64, limit: i64) -> SearchSql {
    SearchSql::default()
        .sql("equipment.asset_tag IN (")
        .append(matching_tags(filter, backend, limit))
        .sql(" OFFSET ")
        .bind(SqlValue::Int(offset))
        .sql(")")
}

/// One page of equipment in tag order, each with its UPS's tag, and how many match (exactly
/// up to [`COUNT_CAP`]).
///
/// Two statements over the same indexes: the count, made in the database up to the bound,
/// and the page's rows. Only the page crosses to us: a list costs about the same whether
/// 250 or 1,000 devices match (before, every matching tag up to the bound was sent over and
/// held, four times as many in a zone at 100,000 devices as at 1,000).
pub fn list_equipment(
    conn: &mut DbConn,
    filter: &EquipmentFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<super::WithUpsTag>, MatchCount)> {
    let bound = COUNT_CAP.max(offset + limit);
    let backend = conn.backend();
    let matches: i64 = count_matching(filter, backend, bound + 1).get_result(conn)?;
    let count = MatchCount {
        total: matches.min(bound),
        exact: matches <= bound,
    };
    if matches <= offset {
        return Ok((Vec::new(), count));
    }
    let page = equipment::table
        .left_join(
            super::ups
                .on(equipment::ups_equipment_id.eq(super::ups.field(equipment::id).nullable())),
        )
        .filter(Condition(on_page(filter, backend, offset, limit)))
        .order(equipment::asset_tag.asc())
        .select((
            Equipment::as_select(),
            super::ups.field(equipment::asset_tag).nullable(),
        ))
        .load(conn)?;
    Ok((page, count))
}

/// Every device matching the filter, in tag order (for the CSV export).
pub fn list_all_equipment(
    conn: &mut DbConn,
    filter: &EquipmentFilter,
) -> QueryResult<Vec<Equipment>> {
    equipment::table
        .filter(Condition(conditions(filter, conn.backend())))
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

    #[test]
    fn placeholders_follow_the_backend() {
        let filter = EquipmentFilter {
            q: Some("sn01".into()),
            zone_id: Some(3),
            ..Default::default()
        };
        let (pg, values) = matching_tags(&filter, Backend::Postgres, 51).render(Backend::Postgres);
        assert!(
            pg.contains("equipment.asset_tag >= $1 AND equipment.asset_tag < $2"),
            "{pg}"
        );
        assert!(pg.contains("equipment.zone_id = $7"), "{pg}");
        assert!(pg.ends_with("LIMIT $8"), "{pg}");
        assert_eq!(values[0], SqlValue::Text("SN01".into()));
        assert_eq!(values[6], SqlValue::Int(3));
        let (sqlite, values) = matching_tags(&filter, Backend::Sqlite, 51).render(Backend::Sqlite);
        assert_eq!(sqlite.matches('?').count(), values.len(), "{sqlite}");
    }
}
