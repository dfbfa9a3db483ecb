//! The gate check from memory. A check is the door's most frequent call (every
//! scan) and changes nothing, so while nothing it read has changed
//! ([`crate::db::changes`]) a guard's check is answered from what the last one
//! read: the session's user and the permit's facts. Time still counts: the
//! permit's window and the session's expiry are judged anew on every check.
//! Recording an entry or an exit always reads the database inside its own
//! write transaction, so admission itself never rests on memory.

use super::{GateCheck, PermitFacts, answer, guard_at_own_zone, judge, verdict_of, verify_code};
use crate::config::Settings;
use crate::db::{self, changes::Memo};
use crate::identity::Principal;
use prometheus::{IntCounterVec, Opts};
use std::sync::Arc;

/// Every badge of a ward many times over; when full it starts over.
const CAPACITY: usize = 4096;

/// Permits as the gate last read them (the session's user is remembered
/// beside it, in `WebState::remembered_users`).
pub struct GateMemory {
    permits: Memo<i64, Arc<PermitFacts>>,
    /// `daicho_gate_checks_total{answered="memory"|"database"}`.
    checks: IntCounterVec,
}

impl Default for GateMemory {
    fn default() -> Self {
        let checks = IntCounterVec::new(
            Opts::new(
                "daicho_gate_checks_total",
                "gate checks, by where the answer came from",
            ),
            &["answered"],
        )
        .expect("a valid counter");
        GateMemory {
            permits: Memo::new(CAPACITY),
            checks,
        }
    }
}

impl GateMemory {
    /// For `/metrics`.
    pub fn counter(&self) -> &IntCounterVec {
        &self.checks
    }

    /// Counts a check answered from memory (`true`) or from the database.
    pub fn count(&self, from_memory: bool) {
        let answered = if from_memory { "memory" } else { "database" };
        self.checks.with_label_values(&[answered]).inc();
    }

    pub(super) fn remember_permit(&self, generation: u64, facts: Arc<PermitFacts>) {
        self.permits.put(generation, facts.permit.id, facts);
    }
}

/// The answer from memory alone, or `None` when the database must be asked:
/// the permit is not remembered at `generation`, the code is not a valid one
/// of ours, or the check needs what only the full check reads (a zone
/// manager's right to the gate, another zone's door).
pub fn check_remembered(
    memory: &GateMemory,
    generation: u64,
    settings: &Settings,
    by: &Principal,
    code: &str,
    zone_id: i64,
) -> Option<GateCheck> {
    let keys = super::super::cached_keys(settings).ok()?;
    let claims = verify_code(&keys, code).ok()?;
    let found = memory.permits.get(generation, &claims.pid)?;
    // A row the vocabulary does not know is left to the database path, which reports it.
    let resolved = judge(&claims, Some(&found), code, zone_id, db::now()).ok()?;
    guard_at_own_zone(&resolved, by, zone_id).then(|| answer(&resolved, verdict_of(&resolved)))
}
