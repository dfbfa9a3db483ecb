//! What the compliance report (第11条・第17条, 第18条, 第30条) asks of the
//! chain: when people last signed in, and who read the logs. The chain is the
//! source because it is kept whole (sessions are forgotten once they expire).

use super::super::model;
use crate::db::DbConn;
use crate::error::AppError;
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// The actions that read the audit log or the 入退室記録.
pub const LOG_READS: &[&str] = &["audit.view", "audit.export", "access.log_read"];

/// The latest sign-in of each of these users; absent when they never signed in.
pub fn last_sign_ins(
    conn: &mut DbConn,
    user_ids: &[i64],
) -> Result<HashMap<i64, NaiveDateTime>, AppError> {
    let mut out = HashMap::new();
    // One statement per slice keeps the bound parameters well under SQLite's limit.
    for ids in user_ids.chunks(500) {
        for (actor, at) in model::latest_by_actor(conn, "auth.login", ids)? {
            if let (Some(actor), Some(at)) = (actor, at) {
                out.insert(actor, at);
            }
        }
    }
    Ok(out)
}

/// One reader of the logs in a period.
pub struct LogReader {
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// The read action (`audit.view`, `audit.export`, `access.log_read`) and how often.
    pub reads: Vec<(String, i64)>,
}

/// Who read the audit log or the 入退室記録 in `[from, to)`, by name.
pub fn log_readers(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<LogReader>, AppError> {
    let mut out: Vec<LogReader> = Vec::new();
    for (actor_id, actor_name, action, n) in model::actors_of(conn, LOG_READS, from, to)? {
        match out.last_mut() {
            Some(last) if last.actor_id == actor_id && last.actor_name == actor_name => {
                last.reads.push((action, n));
            }
            _ => out.push(LogReader {
                actor_id,
                actor_name,
                reads: vec![(action, n)],
            }),
        }
    }
    Ok(out)
}
