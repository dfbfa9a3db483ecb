//! Turns at SQLite's one write lock, in order of arrival, within this process.
//!
//! SQLite lets one writer in at a time, and a writer that finds the lock taken
//! polls for it (`busy_timeout`), sleeping up to 100 ms between tries. A
//! writer that commits and begins again at once — an import writing batch
//! after batch — would nearly always win, and a gate entry waiting beside it
//! could poll for seconds. Here writers of one process queue instead: a fair
//! lock hands the turn to the writer that has waited longest, so a gate entry
//! waits at most for the batch being written.

use parking_lot::{FairMutex, FairMutexGuard};
use std::cell::Cell;
use std::time::Duration;

static TURN: FairMutex<()> = FairMutex::new(());

thread_local! {
    /// This thread holds the turn (a write transaction inside another takes none).
    static HOLDING: Cell<bool> = const { Cell::new(false) };
}

/// As long as SQLite itself would wait (`busy_timeout`): past it, the writer
/// goes on without a turn and SQLite's own wait decides.
const LONGEST_WAIT: Duration = Duration::from_secs(15);

/// This thread's turn to write; released when dropped.
pub struct Turn(Option<FairMutexGuard<'static, ()>>);

/// Waits for this thread's turn (at once when it already has one).
pub fn turn() -> Turn {
    if HOLDING.get() {
        return Turn(None);
    }
    let guard = TURN.try_lock_for(LONGEST_WAIT);
    if guard.is_some() {
        HOLDING.set(true);
    } else {
        log::warn!("a write waited {LONGEST_WAIT:?} for its turn; going on without one");
    }
    Turn(guard)
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(guard) = self.0.take() {
            HOLDING.set(false);
            // Hand the turn straight to the writer that waited longest.
            FairMutexGuard::unlock_fair(guard);
        }
    }
}
