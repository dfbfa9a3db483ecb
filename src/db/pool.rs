//! Connecting and pooling. We pick the backend from the URL ourselves: the
//! derived `establish` tries each variant and throws the real error away.

use super::{Backend, DbConn, run_migrations, sqlite_path};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use std::time::Duration;

pub type DbPool = r2d2::Pool<Manager>;

/// SQLite settings applied to every pooled connection. `synchronous=FULL`
/// because every write carries an audit event: a power cut must not lose a
/// committed record.
/// `busy_timeout` first: switching a new file to WAL takes an exclusive
/// lock, which another process starting at the same moment may hold.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 15000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;";

pub fn establish(url: &str) -> Result<DbConn, String> {
    match Backend::of(url) {
        Backend::Postgres => PgConnection::establish(&super::url::with_defaults(url))
            .map(DbConn::Pg)
            .map_err(|e| format!("cannot connect to PostgreSQL: {e}")),
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if path.is_empty() || path == ":memory:" {
                return Err(
                    "SQLite needs a file path (an in-memory database cannot be pooled)".into(),
                );
            }
            let mut conn = SqliteConnection::establish(path)
                .map_err(|e| format!("cannot open SQLite database {path}: {e}"))?;
            conn.batch_execute(SQLITE_PRAGMAS)
                .map_err(|e| format!("cannot configure SQLite database {path}: {e}"))?;
            Ok(DbConn::Sqlite(conn))
        }
    }
}

pub struct Manager {
    url: String,
}

/// A pooled connection, and whether it was found cut off from its server.
///
/// The pool does not test a connection as it hands it out (a `SELECT 1`,
/// one more round trip on every request): a connection that went away (the
/// server restarted, a link cut) shows itself by failing, and the one who
/// saw that failure says so ([`Pooled::lost`]) so the pool closes it instead
/// of handing it out again.
pub struct Pooled {
    conn: DbConn,
    lost: bool,
}

impl Pooled {
    /// This connection failed as a lost connection does: never reuse it.
    pub fn lost(&mut self) {
        self.lost = true;
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        establish(&self.url)
            .map(|conn| Pooled { conn, lost: false })
            .map_err(|e| r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(e)))
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), r2d2::Error> {
        conn.conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.lost || conn.conn.is_broken()
    }
}

/// How long a request waits for a connection before answering 503
/// `database_unavailable`: with the server stopped, every new connection is
/// refused at once and this is all the wait there is.
pub const POOL_WAIT: Duration = Duration::from_millis(1500);

/// Connects once (so a wrong URL or a stopped server reports its real cause),
/// applies the migrations, then builds the pool.
pub fn build_pool(url: &str, size: u32) -> Result<DbPool, String> {
    let mut first = establish(url)?;
    let applied = run_migrations(&mut first)?;
    for name in applied {
        log::info!("applied migration {name}");
    }
    drop(first);
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(POOL_WAIT)
        .test_on_check_out(false)
        .build(Manager {
            url: url.to_owned(),
        })
        .map_err(|e| format!("cannot build the connection pool: {e}"))
}
