//! Which database failures are outages rather than bugs: the server cannot be
//! reached (stopped, stalled, restarted, a connection cut), or its storage
//! refuses writes (a full disk, a read-only database or standby). Both answer
//! 503 and clear up by themselves; everything else stays a 500.
//!
//! diesel reports SQLite's result codes only as text (its messages are
//! SQLite's fixed `sqlite3_errstr` strings) and PostgreSQL's SQLSTATE only for
//! a few kinds, so the rest is recognised by message.

use diesel::result::{DatabaseErrorKind, Error};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// The database does not answer, or the connection to it broke.
    Database,
    /// The database answers but cannot keep a write.
    Storage,
}

/// Messages of storage that refuses writes: SQLite's SQLITE_FULL and
/// SQLITE_READONLY (any extended code), PostgreSQL's 53100 `disk_full` (its
/// messages quote the OS error) and the read-only states of a standby.
const STORAGE: &[&str] = &[
    "database or disk is full",
    "attempt to write a readonly database",
    "no space left on device",
    "disk quota exceeded",
    "read-only transaction",
    "read-only file system",
    "during recovery",
];

/// Messages of a server that went away or gave up on us mid-statement.
const DATABASE: &[&str] = &[
    "server closed the connection",
    "no connection to the server",
    "could not receive data from server",
    "could not send data to server",
    "terminating connection",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "canceling statement due to statement timeout",
    "connection to server",
    "timeout expired",
];

/// What kind of outage `e` is, if it is one.
pub fn classify(e: &Error) -> Option<Outage> {
    match e {
        Error::DatabaseError(DatabaseErrorKind::ReadOnlyTransaction, _) => Some(Outage::Storage),
        Error::DatabaseError(kind, info) => {
            let message = info.message().to_lowercase();
            if STORAGE.iter().any(|m| message.contains(m)) {
                Some(Outage::Storage)
            } else if matches!(
                kind,
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand
            ) || DATABASE.iter().any(|m| message.contains(m))
            {
                Some(Outage::Database)
            } else {
                None
            }
        }
        Error::BrokenTransactionManager => Some(Outage::Database),
        _ => None,
    }
}

/// The same for a failure to open a connection (its text is all there is).
pub fn classify_connect(message: &str) -> Outage {
    let message = message.to_lowercase();
    if STORAGE.iter().any(|m| message.contains(m)) {
        Outage::Storage
    } else {
        Outage::Database
    }
}

/// After a refused write, how long `/readyz` says not ready before a probe
/// write may say otherwise: on a full disk a small write can still fit where
/// the refused one did not, so only a quiet spell ends a refusal.
pub const STORAGE_QUIET: Duration = Duration::from_secs(3);

/// One instance's last word on its storage, for `/readyz`.
#[derive(Default)]
pub struct StorageHealth {
    /// When ([`clock_ms`]) a write was last refused for want of storage; 0:
    /// never, or a probe write ([`super::storage_probe`]) succeeded since.
    refused_at: AtomicU64,
}

impl StorageHealth {
    /// A write was refused for want of storage.
    pub fn refused(&self) {
        self.refused_at.store(clock_ms(), Ordering::SeqCst);
    }

    /// Whether storage refused a write and has not been proven writable
    /// since; `Some(true)` while that refusal is within [`STORAGE_QUIET`].
    pub fn refusal(&self) -> Option<bool> {
        let at = self.refused_at.load(Ordering::SeqCst);
        (at != 0).then(|| clock_ms().saturating_sub(at) < STORAGE_QUIET.as_millis() as u64)
    }

    pub(super) fn writable(&self) {
        self.refused_at.store(0, Ordering::SeqCst);
    }
}

fn epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Milliseconds since this process's first look at the clock (never 0).
pub(crate) fn clock_ms() -> u64 {
    (epoch().elapsed().as_millis() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn outages_are_told_from_bugs() {
        let unknown = DatabaseErrorKind::Unknown;
        assert_eq!(
            classify(&db_error(unknown, "database or disk is full")),
            Some(Outage::Storage)
        );
        assert_eq!(
            classify(&db_error(unknown, "attempt to write a readonly database")),
            Some(Outage::Storage)
        );
        assert_eq!(
            classify(&db_error(
                unknown,
                "could not extend file \"base/1/2\": No space left on device"
            )),
            Some(Outage::Storage)
        );
        assert_eq!(
            classify(&db_error(
                DatabaseErrorKind::ReadOnlyTransaction,
                "cannot execute UPDATE in a read-only transaction"
            )),
            Some(Outage::Storage)
        );
        assert_eq!(
            classify(&db_error(
                DatabaseErrorKind::ClosedConnection,
                "server closed the connection unexpectedly"
            )),
            Some(Outage::Database)
        );
        assert_eq!(
            classify(&db_error(
                unknown,
                "terminating connection due to administrator command"
            )),
            Some(Outage::Database)
        );
        assert_eq!(
            classify(&db_error(unknown, "syntax error at or near")),
            None
        );
        assert_eq!(classify(&Error::NotFound), None);
        assert_eq!(classify_connect("could not connect"), Outage::Database);
    }
}
