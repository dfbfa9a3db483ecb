//! The database: one connection type over SQLite and PostgreSQL, its pool,
//! the embedded migrations, and the write-transaction discipline.
//!
//! Lookups by key end in `get_result`, not `first`: `first` binds `LIMIT ?`,
//! and SQLite marks a statement whose LIMIT is a bound parameter for
//! re-preparation every time it is re-bound, so diesel's statement cache
//! would save nothing and every lookup would pay a full parse. `first` stays
//! only where an ORDER BY picks the row.

mod backup;
pub mod changes;
mod existing;
mod pool;
pub mod schema;
mod writers;

pub use backup::backup_sqlite;
pub use existing::{OpenError, open_existing};
pub use pool::{DbPool, build_pool, establish};

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs a query on the backend's own connection instead of through the
/// `MultiConnection` wrapper. The wrapper renders a query's SQL text anew on
/// every call (it keys the statement cache by that text); the native
/// connections key cached statements by the query's type and render nothing.
/// For lookups on hot paths (every request's session, the gate):
/// `native!(conn, |c| users::table.find(id).get_result(c))`.
#[macro_export]
macro_rules! native {
    ($conn:expr, |$c:ident| $query:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $query,
            $crate::db::DbConn::Pg($c) => $query,
        }
    };
}

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which server a `DATABASE_URL` names. Chosen from the scheme alone so that a
/// mistyped PostgreSQL URL never silently becomes a SQLite file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The file path a SQLite URL names (`sqlite://x.db`, `sqlite:x.db` or a bare path).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Applies every pending migration of the connection's backend.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConn::Pg(pg) => pg.run_pending_migrations(POSTGRES_MIGRATIONS),
        DbConn::Sqlite(lite) => lite.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| e.to_string())?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Now, in UTC, rounded to the microsecond both backends can keep.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Runs `f` in a transaction that holds the audit chain head from its first
/// statement, and moves the change generation once it commits ([`changes`]).
/// Every change goes through here: on PostgreSQL the row lock
/// serialises audit appends, on SQLite the first write takes the database's
/// write lock at once (waiting on `busy_timeout`) instead of failing later
/// when a read transaction tries to upgrade. On SQLite the writers of this
/// process first queue for their turn, in order of arrival ([`writers`]).
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // SQLite: wait for this process's turn at the write lock first ([`writers`]).
    let turn = matches!(conn, DbConn::Sqlite(_)).then(writers::turn);
    let committed = conn.transaction(|conn| {
        use schema::audit_head::dsl::*;
        diesel::update(audit_head.filter(id.eq(1)))
            .set(seq.eq(seq))
            .execute(conn)?;
        f(conn)
    });
    drop(turn);
    // After the commit, before anyone hears of it: nothing read before
    // this change may be answered from memory any more.
    if committed.is_ok() {
        changes::moved();
    }
    committed
}

/// Runs reads that belong together (a session check and what it guards). On
/// SQLite they share one read transaction: one snapshot, and the WAL read
/// lock taken once instead of once per statement. On PostgreSQL a transaction
/// would add two round trips to reads that are each consistent on their own,
/// so they run as they are. Never wrap a write in this: on SQLite a read
/// transaction that later writes can fail to upgrade.
pub fn read_together<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(_) => conn.transaction(f),
        DbConn::Pg(_) => f(conn),
    }
}
