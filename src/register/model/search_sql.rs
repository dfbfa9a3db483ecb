//! Search statements as SQL text and bound values, put together at run time,
//! and the diesel glue that runs them on either database: as rows of tags, as
//! a count, or as a condition inside a diesel query on `equipment`.

use crate::db::schema::equipment;
use crate::db::{Backend, DbConn, MultiBackend};
use diesel::expression::{AppearsOnTable, ValidGrouping, is_aggregate};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Text};

/// A value bound to a search statement.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Text(String),
    Int(i64),
    Bool(bool),
}

#[derive(Debug, Clone)]
enum Piece {
    Sql(&'static str),
    Bind(SqlValue),
}

/// A search statement as SQL text and bound values, put together at run time.
#[derive(Debug, Clone, Default)]
pub struct SearchSql(Vec<Piece>);

impl SearchSql {
    pub(super) fn sql(mut self, text: &'static str) -> SearchSql {
        self.0.push(Piece::Sql(text));
        self
    }

    pub(super) fn bind(mut self, value: SqlValue) -> SearchSql {
        self.0.push(Piece::Bind(value));
        self
    }

    pub(super) fn text(self, value: String) -> SearchSql {
        self.bind(SqlValue::Text(value))
    }

    pub(super) fn append(mut self, other: SearchSql) -> SearchSql {
        self.0.extend(other.0);
        self
    }

    /// The statement's text with the backend's placeholders (`$1`… or `?`), and the values
    /// they stand for, in order.
    pub fn render(&self, backend: Backend) -> (String, Vec<SqlValue>) {
        let mut text = String::new();
        let mut values = Vec::new();
        for piece in &self.0 {
            match piece {
                Piece::Sql(sql) => text.push_str(sql),
                Piece::Bind(value) => {
                    values.push(value.clone());
                    match backend {
                        Backend::Postgres => text.push_str(&format!("${}", values.len())),
                        Backend::Sqlite => text.push('?'),
                    }
                }
            }
        }
        (text, values)
    }
}

impl QueryId for SearchSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for SearchSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        // The text differs with the filters given: keyed by text, not by type.
        out.unsafe_to_cache_prepared();
        for piece in &self.0 {
            match piece {
                Piece::Sql(text) => out.push_sql(text),
                Piece::Bind(SqlValue::Text(v)) => out.push_bind_param::<Text, String>(v)?,
                Piece::Bind(SqlValue::Int(v)) => out.push_bind_param::<BigInt, i64>(v)?,
                Piece::Bind(SqlValue::Bool(v)) => out.push_bind_param::<Bool, bool>(v)?,
            }
        }
        Ok(())
    }
}

/// The matching asset tags, one a row.
impl Query for SearchSql {
    type SqlType = Text;
}

impl RunQueryDsl<DbConn> for SearchSql {}

/// A [`SearchSql`] whose one row is a count.
#[derive(Debug, Clone)]
pub struct CountSql(pub SearchSql);

impl QueryId for CountSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for CountSql {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }
}

impl Query for CountSql {
    type SqlType = BigInt;
}

impl RunQueryDsl<DbConn> for CountSql {}

/// A [`SearchSql`] that is a condition on `equipment`, for diesel's `filter`.
#[derive(Debug, Clone)]
pub(super) struct Condition(pub(super) SearchSql);

impl Expression for Condition {
    type SqlType = Bool;
}

// Written for `equipment`, which may be joined to its UPS.
impl<QS> AppearsOnTable<QS> for Condition {}

impl SelectableExpression<equipment::table> for Condition {}

impl ValidGrouping<()> for Condition {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for Condition {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for Condition {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }
}
