//! The background NUT poller: every `DAICHO_NUT_POLL_SECONDS` it reads every UPS that has
//! a NUT address, each on its own thread with a deadline (one dead UPS never stalls the
//! others), backs off from UPSes that keep failing, and records readings and events.
//!
//! Several instances may share one PostgreSQL: only the one holding a session-level
//! advisory lock (on a dedicated connection, outside the pool) polls; if that connection
//! dies the lock goes with it and another instance takes over. SQLite: one instance.

use super::model;
use super::nut::{self, NutReading};
use super::rules;
use super::service;
use crate::config::Settings;
use crate::db::{Backend, DbPool};
use actix_web::web;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The advisory lock key: "daicho" + area 6. Advisory locks are per database.
pub const LOCK_KEY: i64 = 0x6461_6963_686f_0006;
/// Readings older than this are dropped (events and audit stay).
const KEEP_READINGS_DAYS: i64 = 400;
/// At most this many UPSes are read at once.
const PARALLEL: usize = 16;

enum Leadership {
    Sqlite,
    Postgres {
        url: String,
        holder: Option<PgConnection>,
    },
}

struct Backoff {
    failures: u32,
    next: Instant,
}

pub struct Poller {
    pool: DbPool,
    interval: Duration,
    timeout: Duration,
    leadership: Leadership,
    backoff: HashMap<i64, Backoff>,
    last_prune: Option<Instant>,
    /// `DAICHO_NUT_PORTS`: a stored address naming any other port is not dialled.
    nut_ports: Vec<u16>,
}

impl Poller {
    pub fn new(
        pool: DbPool,
        database_url: &str,
        interval: Duration,
        nut_ports: Vec<u16>,
    ) -> Poller {
        let leadership = match Backend::of(database_url) {
            Backend::Sqlite => Leadership::Sqlite,
            Backend::Postgres => Leadership::Postgres {
                url: database_url.to_owned(),
                holder: None,
            },
        };
        Poller {
            pool,
            interval,
            timeout: interval.clamp(Duration::from_secs(1), Duration::from_secs(5)),
            leadership,
            backoff: HashMap::new(),
            last_prune: None,
            nut_ports,
        }
    }

    /// Whether this instance polls now (taking the PostgreSQL lock when free).
    fn lead(&mut self) -> bool {
        match &mut self.leadership {
            Leadership::Sqlite => true,
            Leadership::Postgres { url, holder } => {
                if let Some(conn) = holder {
                    if diesel::select(diesel::dsl::sql::<Bool>("TRUE"))
                        .get_result::<bool>(conn)
                        .is_ok()
                    {
                        return true;
                    }
                    log::warn!("NUT poller: lost the connection holding the poll lock");
                    *holder = None;
                }
                let Ok(mut conn) = PgConnection::establish(&crate::db::url::with_defaults(url))
                else {
                    log::warn!("NUT poller: cannot connect for the poll lock");
                    return false;
                };
                let got = diesel::select(diesel::dsl::sql::<Bool>(&format!(
                    "pg_try_advisory_lock({LOCK_KEY})"
                )))
                .get_result::<bool>(&mut conn)
                .unwrap_or(false);
                if got {
                    log::info!("NUT poller: this instance polls the UPSes");
                    *holder = Some(conn);
                }
                got
            }
        }
    }

    /// One round. Returns how many UPSes were read.
    pub fn cycle(&mut self) -> usize {
        if !self.lead() {
            return 0;
        }
        let mut conn = match self.pool.get() {
            Ok(c) => c,
            Err(e) => {
                log::warn!("NUT poller: no database connection: {e}");
                return 0;
            }
        };
        let units = match model::polled_units(&mut conn) {
            Ok(u) => u,
            Err(e) => {
                if crate::db::fault::classify(&e) == Some(crate::db::fault::Outage::Database) {
                    conn.lost();
                }
                log::warn!("NUT poller: cannot list UPSes: {e}");
                return 0;
            }
        };
        let started = Instant::now();
        self.backoff
            .retain(|id, _| units.iter().any(|(u, _)| u.equipment_id == *id));
        let due: Vec<_> = units
            .into_iter()
            .filter(|(u, _)| {
                self.backoff
                    .get(&u.equipment_id)
                    .is_none_or(|b| b.next <= started)
            })
            .collect();
        let timeout = self.timeout;
        let nut_ports = &self.nut_ports;
        let mut results: Vec<(i64, String, Result<NutReading, String>)> = Vec::new();
        for chunk in due.chunks(PARALLEL) {
            std::thread::scope(|s| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|(u, tag)| {
                        s.spawn(move || {
                            let host = u.nut_host.clone().unwrap_or_default();
                            let port = i64::from(u.nut_port.unwrap_or(rules::NUT_DEFAULT_PORT));
                            let name = u.nut_ups_name.clone().unwrap_or_default();
                            // An address stored before DAICHO_NUT_PORTS narrowed is never dialled.
                            let outcome = if rules::nut_port_allowed(port, nut_ports) {
                                nut::read_ups(&host, port as u16, &name, timeout)
                            } else {
                                Err(rules::nut_ports_message(nut_ports))
                            };
                            (u.equipment_id, tag.clone(), outcome)
                        })
                    })
                    .collect();
                for h in handles {
                    if let Ok(r) = h.join() {
                        results.push(r);
                    }
                }
            });
        }
        let count = results.len();
        for (id, tag, outcome) in results {
            match &outcome {
                Ok(_) => {
                    self.backoff.remove(&id);
                }
                Err(e) => {
                    let b = self.backoff.entry(id).or_insert(Backoff {
                        failures: 0,
                        next: started,
                    });
                    b.failures += 1;
                    b.next = started + rules::backoff(self.interval, b.failures);
                    log::debug!(
                        "NUT poller: {tag} unreachable ({} in a row): {e}",
                        b.failures
                    );
                }
            }
            match service::record_poll(&mut conn, id, &tag, &outcome) {
                Ok(events) => {
                    for kind in events {
                        log::warn!("UPS {tag}: {}", kind.label());
                    }
                }
                Err(e) => {
                    if e.is_lost_database() {
                        conn.lost();
                    }
                    log::warn!("NUT poller: cannot record {tag}: {}", e.message)
                }
            }
        }
        if self
            .last_prune
            .is_none_or(|t| t.elapsed() > Duration::from_secs(3600))
        {
            self.last_prune = Some(Instant::now());
            let before = crate::db::now() - chrono::Duration::days(KEEP_READINGS_DAYS);
            if let Err(e) = model::prune_readings(&mut conn, before) {
                log::warn!("NUT poller: cannot prune old readings: {e}");
            }
        }
        count
    }
}

/// Starts the poller on the current actix system (it stops with it).
/// `DAICHO_NUT_POLL_SECONDS=0` turns it off.
pub fn start(pool: &DbPool, settings: &Settings) {
    let seconds = settings.nut_poll_seconds;
    if seconds == 0 {
        log::info!("NUT polling is off (DAICHO_NUT_POLL_SECONDS=0)");
        return;
    }
    let interval = Duration::from_secs(seconds);
    let pool = pool.clone();
    let url = settings.database_url.clone();
    let ports = settings.nut_ports.clone();
    actix_web::rt::spawn(async move {
        let mut poller = Some(Poller::new(pool.clone(), &url, interval, ports.clone()));
        loop {
            let mut current = poller
                .take()
                .unwrap_or_else(|| Poller::new(pool.clone(), &url, interval, ports.clone()));
            match web::block(move || {
                current.cycle();
                current
            })
            .await
            {
                Ok(p) => poller = Some(p),
                Err(e) => log::error!("NUT poller: a round failed: {e}"),
            }
            actix_web::rt::time::sleep(interval).await;
        }
    });
}
