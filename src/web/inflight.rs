//! Requests in flight, so that a stop can name the ones it cuts. A stop waits
//! up to `DAICHO_SHUTDOWN_SECONDS` for requests to finish; each one still
//! running then is dropped by the server, and is logged here (method, path,
//! how long it ran) instead of vanishing without a word.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct InFlight {
    next: AtomicU64,
    running: Mutex<HashMap<u64, Running>>,
    /// When the stop began (set once).
    stopping: OnceLock<Instant>,
}

struct Running {
    method: String,
    path: String,
    started: Instant,
    /// Already logged as cut.
    reported: bool,
}

impl InFlight {
    /// The stop has begun: from `limit` on, what still runs is cut.
    pub fn begin_stop(self: &Arc<Self>, limit: Duration) {
        if self.stopping.set(Instant::now()).is_err() {
            return;
        }
        let waiting = self.lock().len();
        log::info!(
            "stopping: waiting up to {} s for {waiting} request(s) in flight",
            limit.as_secs()
        );
        let me = self.clone();
        std::thread::spawn(move || {
            std::thread::sleep(limit);
            me.report_cut();
        });
    }

    /// Logs every request still running (once each): the stop cuts them.
    pub fn report_cut(&self) {
        let Some(stopping) = self.stopping.get() else {
            return;
        };
        let mut running = self.lock();
        let mut cut: Vec<&mut Running> = running.values_mut().filter(|r| !r.reported).collect();
        cut.sort_by_key(|r| r.started);
        for r in cut {
            r.reported = true;
            log_cut(r, stopping);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Running>> {
        // A panic elsewhere while holding it leaves a map that is still right.
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn start(self: &Arc<Self>, method: &str, path: &str) -> Ticket {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(
            id,
            Running {
                method: method.to_owned(),
                path: path.to_owned(),
                started: Instant::now(),
                reported: false,
            },
        );
        Ticket {
            inflight: self.clone(),
            id,
            finished: false,
        }
    }
}

fn log_cut(r: &Running, stopping: &Instant) {
    log::warn!(
        "stopping: cut {} {} after it ran {:.1} s (the stop began {:.1} s ago)",
        r.method,
        r.path,
        r.started.elapsed().as_secs_f64(),
        stopping.elapsed().as_secs_f64()
    );
}

/// One request's place in the list; dropped when its handler finishes or is dropped.
struct Ticket {
    inflight: Arc<InFlight>,
    id: u64,
    finished: bool,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let removed = self.inflight.lock().remove(&self.id);
        // Dropped unfinished while stopping: the server cut it.
        if let (Some(r), false, Some(stopping)) =
            (removed, self.finished, self.inflight.stopping.get())
            && !r.reported
        {
            log_cut(&r, stopping);
        }
    }
}

/// Middleware: keeps each request in the list while its handler runs.
pub async fn track(
    inflight: Arc<InFlight>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut ticket = inflight.start(req.method().as_str(), req.path());
    let response = next.call(req).await;
    ticket.finished = true;
    response
}
