//! Exports of the chain (第16条, 第32条): evidence an auditor verifies away from
//! the database. Read in batches, so a long log never sits in memory whole.

use super::{READERS, record};
use crate::audit::model::{self, AuditEvent};
use crate::audit::rules::export::ExportedEvent;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use diesel::QueryResult;

/// Events per batch of an export: one query, and one chunk of a download.
pub const EXPORT_BATCH: i64 = 1000;

/// The range an export covers: after `after_seq`, through `through_seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportRange {
    pub after_seq: i64,
    pub through_seq: i64,
}

fn check_from_seq(from_seq: i64) -> Result<(), AppError> {
    if from_seq < 1 {
        return Err(AppError::invalid(
            "from_seq",
            "1 以上の整数で指定してください。",
        ));
    }
    Ok(())
}

/// Starts an export for an admin or auditor: reading the log is recorded
/// (第30条), and the export runs through the head as it stands then, the
/// `audit.export` event itself included; later events are for the next export.
pub fn begin_export(
    conn: &mut DbConn,
    reader: &Principal,
    from_seq: i64,
) -> Result<ExportRange, AppError> {
    reader.require_any(READERS)?;
    check_from_seq(from_seq)?;
    db::write_tx(conn, |conn| {
        let event = record(
            conn,
            &reader.actor(),
            "audit.export",
            "audit_log",
            "-",
            serde_json::json!({ "from_seq": from_seq }),
        )?;
        Ok(ExportRange {
            after_seq: from_seq - 1,
            through_seq: event.seq,
        })
    })
}

/// Starts an export from the command line, whose user already holds the
/// database itself: through the head as it stands now, recording nothing.
pub fn begin_export_as_system(conn: &mut DbConn, from_seq: i64) -> Result<ExportRange, AppError> {
    check_from_seq(from_seq)?;
    let (head_seq, _) = model::head(conn)?;
    Ok(ExportRange {
        after_seq: from_seq - 1,
        through_seq: head_seq,
    })
}

/// The next batch of an export as lines, and the range that is left; no lines
/// when the export is done.
pub fn export_batch(conn: &mut DbConn, range: ExportRange) -> QueryResult<(Vec<u8>, ExportRange)> {
    if range.after_seq >= range.through_seq {
        return Ok((Vec::new(), range));
    }
    let events = model::chain_batch(conn, range.after_seq, range.through_seq, EXPORT_BATCH)?;
    let mut lines = Vec::with_capacity(events.len() * 384);
    let mut after_seq = range.through_seq;
    if let Some(last) = events.last() {
        after_seq = last.seq;
    }
    for event in events {
        exported(event).write_line(&mut lines);
    }
    Ok((
        lines,
        ExportRange {
            after_seq,
            through_seq: range.through_seq,
        },
    ))
}

fn exported(event: AuditEvent) -> ExportedEvent {
    ExportedEvent::new(
        event.seq,
        event.occurred_at,
        event.actor_id,
        event.actor_name,
        event.action,
        event.entity_type,
        event.entity_id,
        event.detail,
        event.prev_hash,
        event.hash,
    )
}
