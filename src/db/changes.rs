//! When may a remembered read still be trusted? A process-wide generation
//! number moves after every committed write: at once after this process's own
//! commits ([`super::write_tx`]), and through a [`ChangeWatch`] for commits
//! made elsewhere (another instance on PostgreSQL, another process on a
//! SQLite file, a hand-run SQL statement). A [`Memo`] forgets everything it
//! holds when the generation moves, so a value read before a commit is never
//! served after that commit's response has left the server that made it.

use super::fault::clock_ms;
use super::{Backend, sqlite_path};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use prometheus::IntGauge;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// The PostgreSQL channel that `2026-11-26-000002_change_notices`'s triggers
/// notify on a write to any table a memo reads.
pub const CHANNEL: &str = "daicho_changes";

/// The watch's PostgreSQL connection's `application_name`.
pub const WATCH_NAME: &str = "daicho-change-watch";

/// A change is committed (or may have been, unseen): every memo starts over.
pub fn moved() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// How recently the watch must have heard the database answer for remembered
/// reads to be used, and for a request still waiting on the database to be
/// worth waiting for. A watch that stopped hearing (the server stalled, a
/// connection hangs without a reset) proves nothing about commits since.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// Watches one database for commits made outside this process.
pub struct ChangeWatch {
    /// Connected and polling.
    live: AtomicBool,
    /// When ([`clock_ms`]) the database last answered the watch; 0: not yet.
    heard_at: AtomicU64,
    /// `daicho_change_watch_up`: 1 while remembered reads may be used.
    up: IntGauge,
}

impl ChangeWatch {
    /// A watch that never goes live: nothing is remembered (tools, not the server).
    pub fn off() -> Arc<ChangeWatch> {
        let up = IntGauge::new(
            "daicho_change_watch_up",
            "1 while commits elsewhere are watched and remembered reads may be used",
        )
        .expect("a valid gauge");
        Arc::new(ChangeWatch {
            live: AtomicBool::new(false),
            heard_at: AtomicU64::new(0),
            up,
        })
    }

    /// Starts watching the database at `url` on a thread of its own, which
    /// ends when the last handle is dropped. Until the watch is up (and
    /// whenever it is down) nothing may be answered from memory.
    pub fn start(url: &str) -> Arc<ChangeWatch> {
        let watch = ChangeWatch::off();
        let (weak, url) = (Arc::downgrade(&watch), url.to_owned());
        let spawned = std::thread::Builder::new()
            .name("daicho-change-watch".into())
            .spawn(move || run(&weak, &url));
        if let Err(e) = spawned {
            log::warn!("change watch not started, answering every read from the database: {e}");
        }
        watch
    }

    /// The generation a remembered value must carry to be used now, or
    /// `None` while commits elsewhere could go unseen: read the database.
    pub fn generation(&self) -> Option<u64> {
        let generation = GENERATION.load(Ordering::SeqCst);
        let trusted = self.live.load(Ordering::SeqCst) && self.heard_within(HEARTBEAT);
        if !trusted && self.up.get() == 1 {
            self.up.set(0);
        }
        trusted.then_some(generation)
    }

    /// Whether the database has gone unheard for longer than [`HEARTBEAT`]
    /// (stopped, or stalled without a reset): work still waiting on it is
    /// not worth waiting for. Never before the watch first heard it.
    pub fn stalled(&self) -> bool {
        self.heard_at.load(Ordering::SeqCst) != 0 && !self.heard_within(HEARTBEAT)
    }

    fn heard_within(&self, window: Duration) -> bool {
        let at = self.heard_at.load(Ordering::SeqCst);
        at != 0 && clock_ms().saturating_sub(at) <= window.as_millis() as u64
    }

    /// The database answered a round trip that started at `asked_at`.
    fn heard(&self, asked_at: u64) {
        let before = self.heard_at.swap(asked_at, Ordering::SeqCst);
        if before != 0 && asked_at.saturating_sub(before) > HEARTBEAT.as_millis() as u64 {
            // Back from a stall: notices may have been lost with it.
            moved();
            log::info!(
                "change watch hears the database again after {} ms",
                asked_at - before
            );
        }
        if self.live.load(Ordering::SeqCst) {
            self.up.set(1);
        }
    }

    /// For `/metrics`.
    pub fn gauge(&self) -> &IntGauge {
        &self.up
    }

    fn set_live(&self, live: bool) {
        if self.live.swap(live, Ordering::SeqCst) != live {
            self.up.set(i64::from(live && self.heard_within(HEARTBEAT)));
            // Down: what was remembered may have missed a commit. Up: what
            // was read while down was never remembered, but start clean.
            moved();
            if live {
                log::info!("change watch up: remembered reads enabled");
            } else {
                log::warn!("change watch down: every read goes to the database");
            }
        }
    }
}

/// How the watch learns of commits on one backend.
enum Watcher {
    /// `LISTEN` on the triggers' channel; polled, since diesel only offers a
    /// non-blocking read of pending notifications.
    Postgres {
        conn: PgConnection,
        last_ping: Instant,
    },
    /// `PRAGMA data_version` moves when any other connection commits.
    Sqlite {
        conn: SqliteConnection,
        version: i64,
    },
}

/// Cross-instance staleness is bounded by this (plus delivery).
const PG_POLL: Duration = Duration::from_millis(5);
/// The watch's heartbeat: a round trip this often, well inside [`HEARTBEAT`].
const PG_PING: Duration = Duration::from_millis(200);
const SQLITE_POLL: Duration = Duration::from_millis(20);
const RECONNECT: Duration = Duration::from_secs(1);

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    data_version: i64,
}

fn data_version(conn: &mut SqliteConnection) -> QueryResult<i64> {
    diesel::sql_query("PRAGMA data_version")
        .get_result::<DataVersion>(conn)
        .map(|v| v.data_version)
}

impl Watcher {
    fn connect(url: &str) -> Result<Watcher, String> {
        match Backend::of(url) {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&super::url::with_defaults(url))
                    .map_err(|e| e.to_string())?;
                // Named, so that pg_stat_activity tells it from the pool.
                conn.batch_execute(&format!(
                    "SET application_name = '{WATCH_NAME}'; LISTEN {CHANNEL}"
                ))
                .map_err(|e| e.to_string())?;
                Ok(Watcher::Postgres {
                    conn,
                    last_ping: Instant::now() - PG_PING,
                })
            }
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(sqlite_path(url)).map_err(|e| e.to_string())?;
                conn.batch_execute("PRAGMA busy_timeout = 5000")
                    .map_err(|e| e.to_string())?;
                let version = data_version(&mut conn).map_err(|e| e.to_string())?;
                Ok(Watcher::Sqlite { conn, version })
            }
        }
    }

    fn interval(&self) -> Duration {
        match self {
            Watcher::Postgres { .. } => PG_POLL,
            Watcher::Sqlite { .. } => SQLITE_POLL,
        }
    }

    /// Whether anything was committed elsewhere since the last poll, and
    /// when (if at all) the round trip that proves the database answers began.
    fn poll(&mut self) -> QueryResult<(bool, Option<u64>)> {
        match self {
            Watcher::Postgres { conn, last_ping } => {
                let mut heard = None;
                if last_ping.elapsed() >= PG_PING {
                    let asked_at = clock_ms();
                    *last_ping = Instant::now();
                    conn.batch_execute("SELECT 1")?;
                    heard = Some(asked_at);
                }
                let mut changed = false;
                for notification in conn.notifications_iter() {
                    notification?;
                    changed = true;
                }
                Ok((changed, heard))
            }
            Watcher::Sqlite { conn, version } => {
                let asked_at = clock_ms();
                let now = data_version(conn)?;
                Ok((std::mem::replace(version, now) != now, Some(asked_at)))
            }
        }
    }
}

fn run(weak: &Weak<ChangeWatch>, url: &str) {
    loop {
        let mut watcher = match Watcher::connect(url) {
            Ok(w) => w,
            Err(e) => {
                let Some(watch) = weak.upgrade() else { return };
                watch.set_live(false);
                log::warn!("change watch cannot connect: {e}");
                drop(watch);
                std::thread::sleep(RECONNECT);
                continue;
            }
        };
        loop {
            let Some(watch) = weak.upgrade() else { return };
            match watcher.poll() {
                Ok((changed, heard)) => {
                    if changed {
                        moved();
                    }
                    if let Some(asked_at) = heard {
                        watch.heard(asked_at);
                    }
                    watch.set_live(true);
                }
                Err(e) => {
                    watch.set_live(false);
                    log::warn!("change watch lost its connection: {e}");
                    // A server that just went away is given a moment to come back.
                    drop(watch);
                    std::thread::sleep(RECONNECT);
                    break;
                }
            }
            drop(watch);
            std::thread::sleep(watcher.interval());
        }
    }
}

/// Values read from the database at one generation, all forgotten together
/// when the generation moves. Bounded: when full it starts over.
pub struct Memo<K, V> {
    slot: RwLock<Slot<K, V>>,
    capacity: usize,
}

struct Slot<K, V> {
    generation: u64,
    values: HashMap<K, V>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub fn new(capacity: usize) -> Memo<K, V> {
        Memo {
            slot: RwLock::new(Slot {
                generation: 0,
                values: HashMap::new(),
            }),
            capacity,
        }
    }

    /// The value remembered for `key`, if it was read at `generation`.
    pub fn get(&self, generation: u64, key: &K) -> Option<V> {
        let slot = self.slot.read().ok()?;
        if slot.generation != generation {
            return None;
        }
        slot.values.get(key).cloned()
    }

    /// Remembers `value`, read from the database after `generation` was
    /// taken (never before: a read that predates a commit must not outlive it).
    pub fn put(&self, generation: u64, key: K, value: V) {
        let Ok(mut slot) = self.slot.write() else {
            return;
        };
        if slot.generation < generation {
            slot.generation = generation;
            slot.values.clear();
        }
        if slot.generation != generation {
            return;
        }
        if slot.values.len() >= self.capacity {
            slot.values.clear();
        }
        slot.values.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_forgets_when_the_generation_moves() {
        let memo = Memo::new(2);
        memo.put(5, "a", 1);
        assert_eq!(memo.get(5, &"a"), Some(1));
        assert_eq!(memo.get(6, &"a"), None, "read before a later commit");
        memo.put(4, "b", 2);
        assert_eq!(memo.get(5, &"b"), None, "a read older than the memo");
        memo.put(6, "c", 3);
        assert_eq!(memo.get(6, &"a"), None, "the old generation is gone");
        assert_eq!(memo.get(6, &"c"), Some(3));
        memo.put(6, "d", 4);
        memo.put(6, "e", 5);
        assert_eq!(memo.get(6, &"e"), Some(5));
        assert!(memo.get(6, &"c").is_none(), "full: started over");
    }

    #[test]
    fn a_watch_that_is_not_live_remembers_nothing() {
        assert_eq!(ChangeWatch::off().generation(), None);
    }
}
