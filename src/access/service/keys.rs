//! Which permit keys sign, verify and are published: the ones the database
//! lists (`permit_keys`), so that a rotation on one instance reaches every
//! instance on the same database at their next read of that list. The list
//! is read where it matters and nowhere else: before signing (approval),
//! when publishing the JWK set, and when a presented code names a key this
//! process does not know yet. The signing seeds stay in the data directory,
//! which instances share (README: Running several instances).

use crate::access::codes::PermitKeys;
use crate::access::model::{self, PublishedKey};
use crate::audit::{self, Actor};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use serde_json::json;
use std::sync::Arc;

/// The keys as this process last built them, without asking the database:
/// for the gate's memory path (a code they do not know goes to the database).
pub fn cached_keys(settings: &Settings) -> Result<Arc<PermitKeys>, AppError> {
    PermitKeys::for_dir(&settings.data_dir).map_err(AppError::internal)
}

fn listed(conn: &mut DbConn) -> Result<Vec<(String, [u8; 32])>, AppError> {
    model::published_keys(conn)?
        .into_iter()
        .map(|key| {
            let raw: [u8; 32] = hex::decode(&key.public_key)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    AppError::internal(format!("permit_keys: bad public key for {}", key.kid))
                })?;
            Ok((key.kid, raw))
        })
        .collect()
}

/// The keys as the database lists them now (one small read; rebuilt from
/// the data directory only when the list changed).
pub fn keys(conn: &mut DbConn, settings: &Settings) -> Result<Arc<PermitKeys>, AppError> {
    let listed = listed(conn)?;
    let cached = cached_keys(settings)?;
    let kids: Vec<String> = listed.iter().map(|(kid, _)| kid.clone()).collect();
    // Keys that cannot sign are rebuilt every time: the data directory may
    // have caught up (a shared directory seen a moment late).
    if listed.is_empty() || (cached.built_from(&kids) && cached.can_sign()) {
        return Ok(cached);
    }
    let fresh = PermitKeys::load(&settings.data_dir)
        .map_err(AppError::internal)?
        .published(&listed);
    if !fresh.can_sign() {
        log::error!(
            "the permit key in {} is not the signing key this database lists ({}): \
             permits cannot be approved here until the data directory is shared",
            settings.data_dir.display(),
            fresh.current_kid()
        );
    } else if fresh.current_kid() != cached.current_kid() {
        log::info!("permit keys: signing with {} now", fresh.current_kid());
    }
    Ok(PermitKeys::install(fresh))
}

/// The keys to verify `code` with: those in memory, unless the code names a
/// key they do not know, when the database's list is read first.
pub fn keys_for_code(
    conn: &mut DbConn,
    settings: &Settings,
    code: &str,
) -> Result<Arc<PermitKeys>, AppError> {
    let cached = cached_keys(settings)?;
    if cached.names_unknown_key(code) {
        keys(conn, settings)
    } else {
        Ok(cached)
    }
}

/// At start-up: a database that lists no keys yet (new, or from before the
/// list existed) gets this data directory's, the current one signing.
pub fn publish_own_keys(conn: &mut DbConn, settings: &Settings) -> Result<(), AppError> {
    db::write_tx(conn, |conn| -> Result<(), AppError> {
        if !model::published_keys(conn)?.is_empty() {
            return Ok(());
        }
        let own = PermitKeys::load(&settings.data_dir).map_err(AppError::internal)?;
        let now = db::now();
        let keys = own.public_keys();
        for (i, (kid, raw)) in keys.iter().enumerate() {
            // Retired ones after the current one, newest first.
            let created_at = now - chrono::TimeDelta::seconds(i as i64);
            model::publish_key(
                conn,
                &PublishedKey {
                    kid: kid.clone(),
                    public_key: hex::encode(raw),
                    created_at,
                    retired_at: (i > 0).then_some(now),
                },
            )?;
        }
        let kids: Vec<&String> = keys.iter().map(|(kid, _)| kid).collect();
        audit::record(
            conn,
            &Actor::system("startup"),
            "permit.key_publish",
            "permit_key",
            own.current_kid(),
            json!({ "kids": kids }),
        )?;
        Ok(())
    })?;
    keys(conn, settings).map(|_| ())
}

/// Retires the signing key and starts a new one, in the data directory and
/// in the database's list together. Returns the keys now published.
pub(super) fn rotate(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
) -> Result<crate::access::codes::JwkSet, AppError> {
    db::write_tx(conn, |conn| {
        let old = keys(conn, settings)?.current_kid().to_owned();
        let rotated = PermitKeys::rotate(&settings.data_dir).map_err(AppError::internal)?;
        let (kid, raw) = rotated.own_key();
        let now = db::now();
        model::retire_signing_keys(conn, now)?;
        model::publish_key(
            conn,
            &PublishedKey {
                kid: kid.clone(),
                public_key: hex::encode(raw),
                created_at: now,
                retired_at: None,
            },
        )?;
        audit::record(
            conn,
            actor,
            "permit.key_rotate",
            "permit_key",
            &kid,
            json!({ "retired_kid": old, "kid": kid }),
        )?;
        Ok(keys(conn, settings)?.jwks())
    })
}
