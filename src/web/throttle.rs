//! Failed sign-ins and password checks, counted per client address: past a
//! limit the address is refused (429 `too_many_attempts`, `Retry-After`)
//! before any password is hashed or any audit row written, so that guessing
//! at speed costs the guesser, not the ward.
//!
//! Each instance counts on its own: the limit is a brake on one address's
//! pace, not an authority, and the account lock (in the database) is what
//! every instance shares.

use crate::error::AppError;
use actix_web::HttpRequest;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures one address may have within [`WINDOW`].
pub const LIMIT: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses tracked at once; when full, windows that have ended are dropped.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct AttemptThrottle {
    windows: Mutex<HashMap<IpAddr, Window>>,
    /// Reverse proxies whose `X-Forwarded-For` names the real client
    /// (`DAICHO_TRUSTED_PROXIES`).
    trusted_proxies: Vec<IpAddr>,
}

struct Window {
    started: Instant,
    failures: u32,
}

impl AttemptThrottle {
    pub fn new(trusted_proxies: Vec<IpAddr>) -> AttemptThrottle {
        AttemptThrottle {
            windows: Mutex::default(),
            trusted_proxies,
        }
    }

    /// Refuses an address that has used up its failures in the current window.
    pub fn check(&self, address: Option<IpAddr>) -> Result<(), AppError> {
        let (Some(address), Ok(windows)) = (address, self.windows.lock()) else {
            return Ok(());
        };
        match windows.get(&address) {
            Some(w) if w.failures >= LIMIT && w.started.elapsed() < WINDOW => {
                let left = WINDOW.saturating_sub(w.started.elapsed());
                Err(AppError::too_many_attempts(left.as_secs().max(1)))
            }
            _ => Ok(()),
        }
    }

    /// Counts one failure from `address`.
    pub fn failed(&self, address: Option<IpAddr>) {
        let (Some(address), Ok(mut windows)) = (address, self.windows.lock()) else {
            return;
        };
        if windows.len() >= CAPACITY {
            windows.retain(|_, w| w.started.elapsed() < WINDOW);
        }
        let window = windows.entry(address).or_insert(Window {
            started: Instant::now(),
            failures: 0,
        });
        if window.started.elapsed() >= WINDOW {
            *window = Window {
                started: Instant::now(),
                failures: 0,
            };
        }
        window.failures += 1;
    }

    /// Runs an attempt for the request's address: refused at once when the
    /// address is over its limit; counted when it fails for a wrong secret.
    pub async fn attempt<T>(
        &self,
        req: &HttpRequest,
        outcome: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let address = self.client_address(req);
        self.check(address)?;
        let result = outcome.await;
        if let Err(e) = &result
            && is_wrong_secret(e)
        {
            self.failed(address);
        }
        result
    }

    /// The address the request came from: the TCP peer or, when the peer is a
    /// trusted proxy, the nearest address in `X-Forwarded-For` that is not one.
    pub fn client_address(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.trusted_proxies.contains(&peer) {
            return Some(peer);
        }
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|a| !self.trusted_proxies.contains(a))
                .unwrap_or(peer),
        )
    }
}

/// An answer that says the secret given was wrong (or the account is locked by such answers).
pub fn is_wrong_secret(e: &AppError) -> bool {
    matches!(e.status().as_u16(), 401 | 423) || e.code == "wrong_current_password"
}
