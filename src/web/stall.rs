//! A request never waits on a database that has stopped answering. Work may
//! take as long as it needs while the database answers (an import runs for
//! seconds); once the change watch has gone unheard for longer than its
//! heartbeat ([`ChangeWatch::stalled`]), a request that has already waited
//! that long answers 503 `database_unavailable` instead of hanging for the
//! whole outage. The abandoned work finishes (or fails) on its own thread
//! when the database returns; a write in it commits whole or not at all.

use crate::db::changes::{ChangeWatch, HEARTBEAT};
use crate::error::AppError;
use futures_util::future::{Either, select};
use std::future::Future;
use std::time::{Duration, Instant};

/// How often a waiting request looks at the watch.
const TICK: Duration = Duration::from_millis(100);

/// `work`'s output, or 503 once it has waited [`HEARTBEAT`] on a stalled database.
pub async fn unless_stalled<T>(
    watch: &ChangeWatch,
    work: impl Future<Output = T>,
) -> Result<T, AppError> {
    let started = Instant::now();
    let mut work = std::pin::pin!(work);
    loop {
        let tick = std::pin::pin!(actix_web::rt::time::sleep(TICK));
        match select(work.as_mut(), tick).await {
            Either::Left((done, _)) => return Ok(done),
            Either::Right(((), _)) => {
                if started.elapsed() >= HEARTBEAT && watch.stalled() {
                    return Err(AppError::unavailable(format!(
                        "no answer from the database for {:?}; the request is given up",
                        started.elapsed()
                    )));
                }
            }
        }
    }
}
