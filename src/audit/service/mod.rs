//! Appending to the chain, verifying it, and reading it.

pub mod checkpoints;
pub mod export;
pub mod health;
pub mod oversight;
mod query;

pub use query::AuditQuery;

use super::model::{self, NewAuditEvent};
pub use super::model::{AuditEvent, AuditFilter};
use super::rules::{ChainWalk, Link};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use diesel::QueryResult;
use serde::Serialize;

/// Who did something: a signed-in user, or the system itself (CLI, start-up, poller).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn system(name: &str) -> Actor {
        Actor {
            id: None,
            name: format!("system:{name}"),
        }
    }
}

/// The chain's head as it stands: `(seq, hash)` of the newest event.
pub fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    model::head(conn)
}

/// Appends one event. Must run inside `db::write_tx`, which already holds the
/// chain head, so the event joins the caller's transaction: both commit or neither.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    detail: serde_json::Value,
) -> QueryResult<AuditEvent> {
    let (head_seq, head_hash) = model::head(conn)?;
    let detail = detail.to_string();
    let link = Link {
        seq: head_seq + 1,
        occurred_at: db::now(),
        actor_id: actor.id,
        actor_name: &actor.name,
        action,
        entity_type,
        entity_id,
        detail: &detail,
    };
    let hash = link.hash(&head_hash);
    model::append(
        conn,
        &NewAuditEvent {
            seq: link.seq,
            occurred_at: link.occurred_at,
            actor_id: link.actor_id,
            actor_name: link.actor_name,
            action,
            entity_type,
            entity_id,
            detail: &detail,
            prev_hash: &head_hash,
            hash: &hash,
        },
    )
}

/// Events per multi-row INSERT: 10 columns each keeps a statement well under
/// SQLite's 32,766 bound parameters.
const BATCH_ROWS: usize = 2000;

/// Many events appended at once (a bulk change such as a CSV import): the chain
/// head is read once and kept in memory, each event is hashed onto the one
/// before it, and the events are written with multi-row INSERTs, moving
/// `audit_head` once per INSERT. Like [`record`], it must run inside
/// `db::write_tx`, and nothing else may append until [`Batch::finish`]: an
/// event appended meanwhile makes the next write fail rather than fork the chain.
pub struct Batch {
    actor: Actor,
    /// The head as stored.
    stored_seq: i64,
    /// The head including the events not written yet.
    seq: i64,
    hash: String,
    pending: Vec<Pending>,
}

struct Pending {
    seq: i64,
    occurred_at: chrono::NaiveDateTime,
    action: String,
    entity_type: String,
    entity_id: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl Batch {
    #[must_use = "events are only written by Batch::finish"]
    pub fn begin(conn: &mut DbConn, actor: &Actor) -> QueryResult<Batch> {
        let (seq, hash) = model::head(conn)?;
        Ok(Batch {
            actor: actor.clone(),
            stored_seq: seq,
            seq,
            hash,
            pending: Vec::with_capacity(BATCH_ROWS),
        })
    }

    /// Adds one event to the chain; returns its `seq`.
    pub fn push(
        &mut self,
        conn: &mut DbConn,
        action: &str,
        entity_type: &str,
        entity_id: &str,
        detail: &serde_json::Value,
    ) -> QueryResult<i64> {
        let detail = detail.to_string();
        let link = Link {
            seq: self.seq + 1,
            occurred_at: db::now(),
            actor_id: self.actor.id,
            actor_name: &self.actor.name,
            action,
            entity_type,
            entity_id,
            detail: &detail,
        };
        let hash = link.hash(&self.hash);
        let pending = Pending {
            seq: link.seq,
            occurred_at: link.occurred_at,
            action: action.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id: entity_id.to_owned(),
            detail,
            prev_hash: std::mem::replace(&mut self.hash, hash.clone()),
            hash,
        };
        self.seq = pending.seq;
        self.pending.push(pending);
        if self.pending.len() >= BATCH_ROWS {
            self.flush(conn)?;
        }
        Ok(self.seq)
    }

    fn flush(&mut self, conn: &mut DbConn) -> QueryResult<()> {
        let rows: Vec<NewAuditEvent<'_>> = self
            .pending
            .iter()
            .map(|p| NewAuditEvent {
                seq: p.seq,
                occurred_at: p.occurred_at,
                actor_id: self.actor.id,
                actor_name: &self.actor.name,
                action: &p.action,
                entity_type: &p.entity_type,
                entity_id: &p.entity_id,
                detail: &p.detail,
                prev_hash: &p.prev_hash,
                hash: &p.hash,
            })
            .collect();
        model::append_many(conn, self.stored_seq, &rows)?;
        self.stored_seq = self.seq;
        self.pending.clear();
        Ok(())
    }

    /// The `seq` of the chain head, counting the events not written yet.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// Writes what is left; returns the `seq` of the chain head.
    pub fn finish(mut self, conn: &mut DbConn) -> QueryResult<i64> {
        self.flush(conn)?;
        Ok(self.seq)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    pub ok: bool,
    /// Events checked.
    pub events: i64,
    /// Signed checkpoints the chain was held to.
    pub checkpoints: i64,
    /// The first row that does not verify (its `id`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken_seq: Option<i64>,
    /// `sequence_gap`, `broken_link`, `content_changed`, `tail_missing`,
    /// `checkpoint_mismatch` (the hash at a checkpoint's seq is not the signed
    /// one: the chain was rewritten), `tail_cut` (the chain ends below a
    /// checkpoint's seq), `checkpoint_invalid` (a checkpoint's signature does
    /// not hold) or `changed_since_verified` (a background check found an
    /// event it had verified with another hash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The head hash: write it down somewhere else to detect a later rewrite of the whole chain.
    pub head_hash: String,
    /// The head's seq.
    pub head_seq: i64,
}

const VERIFY_BATCH: i64 = 2000;

/// The link an event's hash covers.
fn link_of(event: &AuditEvent) -> Link<'_> {
    Link {
        seq: event.seq,
        occurred_at: event.occurred_at,
        actor_id: event.actor_id,
        actor_name: &event.actor_name,
        action: &event.action,
        entity_type: &event.entity_type,
        entity_id: &event.entity_id,
        detail: &event.detail,
    }
}

/// Recomputes the chain up to the head as it stands when verification starts,
/// and holds it to every signed checkpoint; events appended meanwhile are left
/// for the next run.
pub fn verify(conn: &mut DbConn) -> QueryResult<VerifyReport> {
    verify_after(conn, None)
}

/// Like [`verify`], but from an event verified before (`(seq, hash)`): only
/// events after it are recomputed, once its stored hash is still the one
/// verified. What the background check runs every tick.
pub fn verify_after(conn: &mut DbConn, from: Option<(i64, &str)>) -> QueryResult<VerifyReport> {
    let (head_seq, head_hash) = model::head(conn)?;
    let mut report = VerifyReport {
        ok: false,
        events: 0,
        checkpoints: 0,
        first_broken_id: None,
        first_broken_seq: None,
        reason: None,
        head_hash,
        head_seq,
    };
    let anchors = match checkpoints::anchors(conn, from.map_or(0, |(seq, _)| seq))? {
        Ok(anchors) => anchors,
        Err(fault) => {
            report.first_broken_seq = Some(fault.seq);
            report.reason = Some(fault.reason.to_owned());
            return Ok(report);
        }
    };
    report.checkpoints = anchors.len() as i64;
    let mut walk = match from {
        None => ChainWalk::from_genesis(),
        Some((seq, hash)) => {
            let stored = checkpoints::stored_hash(conn, seq)?;
            if stored.as_ref().map(|(_, h)| h.as_str()) != Some(hash) {
                report.first_broken_id = stored.map(|(id, _)| id);
                report.first_broken_seq = Some(seq);
                report.reason = Some("changed_since_verified".to_owned());
                return Ok(report);
            }
            ChainWalk::after(seq, hash)
        }
    };
    while walk.seq() < head_seq {
        let batch = model::chain_batch(conn, walk.seq(), head_seq, VERIFY_BATCH)?;
        if batch.is_empty() {
            break;
        }
        for event in &batch {
            let check = walk.step(&link_of(event), &event.prev_hash, &event.hash);
            let fault = match check.fault() {
                Some(reason) => Some(reason),
                None => anchors
                    .check(event.seq, &event.hash)
                    .err()
                    .map(|f| f.reason),
            };
            if let Some(reason) = fault {
                report.events = walk.checked() - i64::from(check.fault().is_none());
                report.first_broken_id = Some(event.id);
                report.first_broken_seq = Some(event.seq);
                report.reason = Some(reason.to_owned());
                return Ok(report);
            }
        }
    }
    report.events = walk.checked();
    if walk.seq() != head_seq || walk.hash() != report.head_hash {
        report.first_broken_seq = Some(walk.seq() + 1);
        report.reason = Some("tail_missing".to_owned());
    } else if let Err(fault) = anchors.check_reach(head_seq) {
        report.first_broken_seq = Some(fault.seq);
        report.reason = Some(fault.reason.to_owned());
    } else {
        report.ok = true;
    }
    Ok(report)
}

/// Roles that may read the audit log (第16条, 第30条).
pub const READERS: &[Role] = &[Role::Admin, Role::Auditor];

/// A page of the log for an admin or auditor. Reading the log is itself recorded.
pub fn list(
    conn: &mut DbConn,
    reader: &Principal,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<AuditEvent>, i64), AppError> {
    reader.require_any(READERS)?;
    db::write_tx(conn, |conn| {
        let page = model::list(conn, filter, offset, limit)?;
        record(
            conn,
            &reader.actor(),
            "audit.view",
            "audit_log",
            "-",
            serde_json::json!({
                "actor_id": filter.actor_id,
                "entity_type": filter.entity_type,
                "entity_id": filter.entity_id,
                "action": filter.action,
                "from": filter.from.map(|t| t.to_string()),
                "to": filter.to.map(|t| t.to_string()),
                "offset": offset,
            }),
        )?;
        Ok(page)
    })
}

/// The history of one entity, for its own page: newest first, no role beyond the entity's readers.
pub fn history(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: &str,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let filter = AuditFilter {
        entity_type: Some(entity_type.to_owned()),
        entity_id: Some(entity_id.to_owned()),
        ..AuditFilter::default()
    };
    model::list(conn, &filter, 0, limit).map(|(items, _)| items)
}

/// The names the log shows for its actors: everyone, `(id, display_name, username)`.
pub fn people(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, String)>> {
    crate::identity::model::people(conn)
}

/// Display names of the actors of `events`, for histories that say who (not a login id).
pub fn actor_names(
    conn: &mut DbConn,
    events: &[AuditEvent],
) -> Result<std::collections::HashMap<i64, String>, AppError> {
    let ids: Vec<i64> = events.iter().filter_map(|e| e.actor_id).collect();
    crate::identity::service::user_names(conn, &ids)
}
