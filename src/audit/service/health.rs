//! The chain's health as the background check last saw it (第16条): verified
//! incrementally from the last event it verified, held to the checkpoints, and
//! reported as `daicho_audit_chain_ok`, in the log, and as a raised flag the
//! pages show to admins and auditors.

use super::{VerifyReport, checkpoints, verify_after};
use crate::db::DbConn;
use crate::error::AppError;
use prometheus::IntGauge;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct ChainHealth {
    gauge: IntGauge,
    /// Raised while the chain is broken; the layout shows it.
    broken: Arc<AtomicBool>,
    /// The last event verified, `(seq, hash)`; `None` until a full pass holds.
    verified: Mutex<Option<(i64, String)>>,
}

impl ChainHealth {
    /// Health that reports through `broken` (a flag the pages read).
    pub fn new(broken: Arc<AtomicBool>) -> ChainHealth {
        let gauge = IntGauge::new(
            "daicho_audit_chain_ok",
            "1 while the audit chain verifies (with its checkpoints), 0 once it does not",
        )
        .expect("a valid metric name");
        gauge.set(1);
        ChainHealth {
            gauge,
            broken,
            verified: Mutex::new(None),
        }
    }

    /// For `/metrics`.
    pub fn gauge(&self) -> &IntGauge {
        &self.gauge
    }

    pub fn ok(&self) -> bool {
        !self.broken.load(Ordering::SeqCst)
    }

    /// Verifies what was appended since the last check (everything, the first
    /// time or after a break) and notes the outcome.
    pub fn check(&self, conn: &mut DbConn) -> Result<VerifyReport, AppError> {
        let from = self
            .verified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let report = verify_after(conn, from.as_ref().map(|(s, h)| (*s, h.as_str())))?;
        self.note(&report);
        Ok(report)
    }

    /// Notes a verification's outcome (a full one from the API counts too).
    pub fn note(&self, report: &VerifyReport) {
        let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if report.ok {
            *verified = Some((report.head_seq, report.head_hash.clone()));
            if self.broken.swap(false, Ordering::SeqCst) {
                log::warn!("audit chain verifies again (head seq {})", report.head_seq);
            }
            self.gauge.set(1);
        } else {
            // Start over from the genesis next time: a repaired chain is
            // trusted again only once all of it verifies.
            *verified = None;
            if !self.broken.swap(true, Ordering::SeqCst) {
                log::error!(
                    "audit chain BROKEN at seq {}: {} (第16条: see `daicho audit verify`)",
                    report
                        .first_broken_seq
                        .map_or("-".into(), |s| s.to_string()),
                    report.reason.as_deref().unwrap_or("unknown")
                );
            }
            self.gauge.set(0);
        }
    }
}

/// One tick of the background work: the incremental check, then the
/// scheduled checkpoint when due. A checkpoint is only signed over a chain
/// that verifies: signing a broken head would vouch for the forgery.
pub fn tick(
    conn: &mut DbConn,
    health: &ChainHealth,
    signer: &checkpoints::CheckpointSigner,
    checkpoint_minutes: u64,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let report = health.check(conn)?;
    if report.ok && checkpoint_minutes > 0 {
        checkpoints::scheduled(conn, signer, checkpoint_minutes, now)?;
    }
    Ok(())
}
