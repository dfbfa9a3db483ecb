//! Signed checkpoints (第16条): taken on a schedule and at every inspection
//! sign-off, listed for auditors, and the keys that verify them published as
//! a JWK set. The signing seed lives in the data directory, never in the
//! database, so whoever can rewrite the database cannot re-sign the chain.

use super::{READERS, record};
use crate::audit::model::checkpoints::{self as model, CheckpointRow, NewCheckpoint};
use crate::audit::rules::checkpoint::{
    Anchors, CheckpointClaims, CheckpointFile, JwkSet, SignedCheckpoint, jwk, kid_of, sign,
};
use crate::audit::rules::format_time;
use crate::audit::service::Actor;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use chrono::NaiveDateTime;
use diesel::QueryResult;
use ed25519_dalek::SigningKey;
use std::path::Path;

/// The seed's file in the data directory (hex, mode 0600).
pub const KEY_FILE: &str = "audit-checkpoint.key";

/// Why a checkpoint was taken.
pub const SCHEDULE: &str = "schedule";
pub const INSPECTION: &str = "inspection";

/// The key that signs this instance's checkpoints.
pub struct CheckpointSigner {
    key: SigningKey,
    kid: String,
}

impl CheckpointSigner {
    /// Reads the seed from `dir`, or makes one on first use.
    pub fn load(dir: &Path) -> Result<CheckpointSigner, AppError> {
        let seed: [u8; 32] = crate::kit::secrets::load_or_create(dir, KEY_FILE, 32)
            .map_err(AppError::internal)?
            .try_into()
            .map_err(|_| AppError::internal(format!("{KEY_FILE} must hold 32 bytes")))?;
        let key = SigningKey::from_bytes(&seed);
        let kid = kid_of(&key.verifying_key().to_bytes());
        Ok(CheckpointSigner { key, kid })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Lists this key's public half, once, so every instance and every
    /// verification knows it.
    pub fn publish(&self, conn: &mut DbConn) -> Result<(), AppError> {
        db::write_tx(conn, |conn| -> Result<(), AppError> {
            if model::key_known(conn, &self.kid)? {
                return Ok(());
            }
            let public = hex::encode(self.key.verifying_key().to_bytes());
            model::publish_key(conn, &self.kid, &public, db::now())?;
            record(
                conn,
                &Actor::system("startup"),
                "audit.checkpoint_key_publish",
                "audit_checkpoint_key",
                &self.kid,
                serde_json::json!({ "public_key": public }),
            )?;
            Ok(())
        })
    }
}

/// A checkpoint as listed.
pub fn listed(row: CheckpointRow) -> SignedCheckpoint {
    SignedCheckpoint {
        seq: row.seq,
        hash: row.hash,
        at: format_time(row.at),
        kid: row.kid,
        jws: row.jws,
    }
}

/// Takes a checkpoint inside the caller's `db::write_tx`: records the
/// `audit.checkpoint` event, then signs the head, that event included.
pub fn take_in_tx(
    conn: &mut DbConn,
    signer: &CheckpointSigner,
    actor: &Actor,
    cause: &str,
    slot: Option<i64>,
) -> QueryResult<CheckpointRow> {
    let event = record(
        conn,
        actor,
        "audit.checkpoint",
        "audit_checkpoint",
        &slot.map_or_else(|| "-".to_owned(), |s| s.to_string()),
        serde_json::json!({ "cause": cause, "slot": slot, "kid": signer.kid }),
    )?;
    let at = db::now();
    let claims = CheckpointClaims {
        seq: event.seq,
        hash: event.hash.clone(),
        at: format_time(at),
    };
    let jws = sign(&signer.key, &claims);
    model::insert(
        conn,
        &NewCheckpoint {
            seq: event.seq,
            hash: &event.hash,
            at,
            kid: &signer.kid,
            jws: &jws,
            cause,
            slot,
        },
    )
}

/// The interval `now` falls in, as its start in minutes since the epoch.
pub fn slot_of(now: NaiveDateTime, minutes: u64) -> i64 {
    let minutes = minutes.max(1) as i64;
    now.and_utc().timestamp().div_euclid(60).div_euclid(minutes) * minutes
}

/// The scheduled checkpoint of the interval `now` falls in, unless one was
/// taken for it already (by this instance or another on the same database:
/// the chain head's lock serialises the look and the write, and the slot's
/// UNIQUE constraint stands behind it) or nothing was recorded since the last
/// checkpoint. `None` when none was due.
pub fn scheduled(
    conn: &mut DbConn,
    signer: &CheckpointSigner,
    minutes: u64,
    now: NaiveDateTime,
) -> Result<Option<SignedCheckpoint>, AppError> {
    let slot = slot_of(now, minutes);
    let taken = db::write_tx(conn, |conn| -> QueryResult<Option<CheckpointRow>> {
        if model::slot_taken(conn, slot)? {
            return Ok(None);
        }
        let (head_seq, _) = crate::audit::model::head(conn)?;
        if model::latest(conn)?.is_some_and(|last| last.seq == head_seq) {
            return Ok(None);
        }
        take_in_tx(
            conn,
            signer,
            &Actor::system("checkpoint"),
            SCHEDULE,
            Some(slot),
        )
        .map(Some)
    })?;
    Ok(taken.map(listed))
}

/// A page of checkpoints, newest first, for admins and auditors.
pub fn page(
    conn: &mut DbConn,
    reader: &Principal,
    offset: i64,
    limit: i64,
) -> Result<(Vec<SignedCheckpoint>, i64), AppError> {
    reader.require_any(READERS)?;
    let (rows, total) = model::page(conn, offset, limit)?;
    Ok((rows.into_iter().map(listed).collect(), total))
}

/// The newest checkpoint, for the report's 第16条.
pub fn latest(conn: &mut DbConn) -> QueryResult<Option<SignedCheckpoint>> {
    Ok(model::latest(conn)?.map(listed))
}

/// The `(id, hash)` of the event at `seq`, as stored now.
pub(super) fn stored_hash(conn: &mut DbConn, seq: i64) -> QueryResult<Option<(i64, String)>> {
    model::hash_at(conn, seq)
}

/// Every published key, as `(kid, public key)`; a key stored malformed is left out
/// (what it signed then fails verification, naming the checkpoint).
pub fn public_keys(conn: &mut DbConn) -> QueryResult<Vec<(String, [u8; 32])>> {
    Ok(model::keys(conn)?
        .into_iter()
        .filter_map(|(kid, public)| {
            let raw: [u8; 32] = hex::decode(public).ok()?.try_into().ok()?;
            (kid_of(&raw) == kid).then_some((kid, raw))
        })
        .collect())
}

pub fn jwks(conn: &mut DbConn) -> QueryResult<JwkSet> {
    Ok(JwkSet {
        keys: public_keys(conn)?.iter().map(|(_, raw)| jwk(raw)).collect(),
    })
}

/// What the checkpoints after `after_seq` vouch for, once each signature
/// holds (all of them from 0). The background check asks only for those
/// after what it verified, so a year of checkpoints is not re-verified each minute.
pub fn anchors(
    conn: &mut DbConn,
    after_seq: i64,
) -> QueryResult<Result<Anchors, crate::audit::rules::checkpoint::CheckpointFault>> {
    let keys = public_keys(conn)?;
    let items: Vec<SignedCheckpoint> = model::after(conn, after_seq)?
        .into_iter()
        .map(listed)
        .collect();
    Ok(Anchors::from_checkpoints(&items, &keys))
}

pub fn file(conn: &mut DbConn) -> QueryResult<CheckpointFile> {
    Ok(CheckpointFile {
        keys: jwks(conn)?.keys,
        items: model::all(conn)?.into_iter().map(listed).collect(),
    })
}
