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
pub mod fault;
mod pool;
pub mod schema;
pub mod transport;
pub mod url;
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

/// The advisory lock key migrations hold on PostgreSQL ("daicho" + 0).
const MIGRATION_LOCK: i64 = 0x6461_6963_686f_0000;

/// Applies every pending migration of the connection's backend, one instance
/// at a time: instances starting together on an empty database would
/// otherwise both create the same tables, and one would exit. PostgreSQL: a
/// session advisory lock (released at the end, or with the connection);
/// SQLite: one write transaction around them all.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConn::Pg(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(|e| format!("cannot take the migration lock: {e}"))?;
            let applied = pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect())
                .map_err(|e| e.to_string());
            if let Err(e) =
                pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            {
                log::warn!("migration lock not released (it goes with the connection): {e}");
            }
            applied
        }
        DbConn::Sqlite(lite) => lite
            .immediate_transaction(|lite| {
                lite.run_pending_migrations(SQLITE_MIGRATIONS)
                    .map(|v| v.iter().map(|v| v.to_string()).collect())
                    .map_err(MigrationError::Failed)
            })
            .map_err(String::from),
    }?;
    Ok(applied)
}

/// A migration failure inside a transaction (which wants diesel's errors too).
enum MigrationError {
    Failed(Box<dyn std::error::Error + Send + Sync>),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for MigrationError {
    fn from(e: diesel::result::Error) -> Self {
        MigrationError::Db(e)
    }
}

impl From<MigrationError> for String {
    fn from(e: MigrationError) -> String {
        match e {
            MigrationError::Failed(e) => e.to_string(),
            MigrationError::Db(e) => e.to_string(),
        }
    }
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

/// Whether the database answers and, as far as can be told without
/// contending with writers, would keep a write: not a read-only server or
/// standby (PostgreSQL), and no write refused for want of storage lately.
/// After a refusal and a quiet spell ([`fault::STORAGE_QUIET`]) the probe
/// writes for real (an empty write transaction, on the chain head like every
/// write) and clears the refusal when that commits.
pub fn storage_probe(
    conn: &mut DbConn,
    storage: &fault::StorageHealth,
) -> Result<(), fault::Outage> {
    let outage = |e: diesel::result::Error| fault::classify(&e).unwrap_or(fault::Outage::Database);
    if let DbConn::Pg(pg) = conn {
        #[derive(QueryableByName)]
        struct ReadOnly {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            read_only: bool,
        }
        let state: ReadOnly = diesel::sql_query(
            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS read_only",
        )
        .get_result(pg)
        .map_err(outage)?;
        if state.read_only {
            return Err(fault::Outage::Storage);
        }
    } else {
        conn.batch_execute("SELECT 1").map_err(outage)?;
    }
    match storage.refusal() {
        None => {}
        Some(true) => return Err(fault::Outage::Storage),
        Some(false) => {
            write_tx(conn, |_| Ok::<_, diesel::result::Error>(())).map_err(outage)?;
            storage.writable();
            log::info!("storage accepts writes again");
        }
    }
    Ok(())
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
