//! Permit codes: compact Ed25519-signed tokens (JWT, `alg` EdDSA, audience
//! `permit`) with their own key, separate from session tokens.
//!
//! Keys live in the data directory: `permit.key` holds the current signing
//! seed (hex, mode 0600, generated on first use through
//! `crate::kit::secrets`); `permit-retired.pub` holds one retired public key
//! per line (hex). A key's id (`kid`) is derived from its public key, so it
//! never needs storing. Rotation moves the current public key to the retired
//! list and makes a new seed: codes signed before keep verifying (the gate and
//! the published JWK set still know their key) until their own `exp`.
//!
//! Instances sharing a database publish, accept and sign with the keys the
//! database lists (`permit_keys`, public halves only; see
//! `access::service::keys`): [`PermitKeys::published`] merges that list in
//! and drops the signer when this directory's key is not the one listed as
//! signing, so an instance never signs with a key it knows is retired.

use crate::kit::verified::VerifiedTokens;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

mod store;

pub const AUDIENCE: &str = "permit";
const CURRENT_FILE: &str = "permit.key";
const RETIRED_FILE: &str = "permit-retired.pub";

/// What a permit code says. Short names keep the QR small.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PermitClaims {
    pub aud: String,
    /// The permit's id.
    pub pid: i64,
    /// The zone it opens.
    pub zid: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iat: i64,
}

/// Why a presented code is not a valid permit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Not a token of ours at all (garbage, a label URL, a session token's shape…).
    Malformed,
    /// Shaped like a permit code, but no key of ours signed it as it stands.
    BadSignature,
}

struct PublicKey {
    kid: String,
    raw: [u8; 32],
    decoding: DecodingKey,
}

struct Signer {
    kid: String,
    encoding: EncodingKey,
}

pub struct PermitKeys {
    dir: PathBuf,
    /// `None` when the database lists another key as the signing one.
    signer: Option<Signer>,
    /// This directory's current key (what the files say).
    own_kid: String,
    /// The database's list these keys were built from (kids, signing first);
    /// empty until merged.
    listed: Vec<String>,
    /// Current first, then retired keys, newest first.
    public: Vec<PublicKey>,
    validation: Validation,
    /// Codes already verified against `public` (a rotation makes a new
    /// `PermitKeys`, so a new cache). Expiry is not the code's business here:
    /// the gate reads the permit's window from the database on every check.
    verified: VerifiedTokens<PermitClaims>,
}

fn kid_of(public: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public)[..8])
}

fn public_key(raw: [u8; 32]) -> PublicKey {
    PublicKey {
        kid: kid_of(&raw),
        raw,
        decoding: DecodingKey::from_ed_der(&raw),
    }
}

/// A JSON Web Key (RFC 8037 OKP / Ed25519).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

impl PermitKeys {
    /// The key that signs: the listed signing key once merged, else this
    /// directory's own.
    pub fn current_kid(&self) -> &str {
        self.listed.first().unwrap_or(&self.own_kid)
    }

    /// This directory's current key: `(kid, public key)`.
    pub fn own_key(&self) -> (String, [u8; 32]) {
        let raw = self
            .public
            .iter()
            .find(|k| k.kid == self.own_kid)
            .map_or([0; 32], |k| k.raw);
        (self.own_kid.clone(), raw)
    }

    /// Every key these keys verify, signing first: `(kid, public key)`.
    pub fn public_keys(&self) -> Vec<(String, [u8; 32])> {
        self.public.iter().map(|k| (k.kid.clone(), k.raw)).collect()
    }

    /// Whether this directory's key signs (it is the one the database lists).
    pub fn can_sign(&self) -> bool {
        self.signer.is_some()
    }

    /// Whether these keys were built from this list (kids, signing first).
    pub fn built_from(&self, listed: &[String]) -> bool {
        !self.listed.is_empty() && self.listed == listed
    }

    /// These keys with the database's list merged in: its keys verify and
    /// are published (signing first, then retired, newest first, then any of
    /// this directory's own it does not list), and this directory's key
    /// signs only if the list names it as the signing key.
    pub fn published(mut self, listed: &[(String, [u8; 32])]) -> PermitKeys {
        let Some((signing, _)) = listed.first() else {
            return self;
        };
        if signing != &self.own_kid {
            self.signer = None;
        }
        let own = std::mem::take(&mut self.public);
        self.public = listed.iter().map(|(_, raw)| public_key(*raw)).collect();
        for key in own {
            if !self.public.iter().any(|k| k.raw == key.raw) {
                self.public.push(key);
            }
        }
        self.listed = listed.iter().map(|(kid, _)| kid.clone()).collect();
        self.verified = VerifiedTokens::default();
        self
    }

    /// Whether `code` names a key these keys do not know (worth asking the
    /// database about before calling it a bad signature).
    pub fn names_unknown_key(&self, code: &str) -> bool {
        jsonwebtoken::decode_header(code.trim())
            .ok()
            .and_then(|h| h.kid)
            .is_some_and(|kid| !self.public.iter().any(|k| k.kid == kid))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Signs a permit code for the permit's window. Returns the code and its kid.
    pub fn sign(
        &self,
        permit_id: i64,
        zone_id: i64,
        valid_from: NaiveDateTime,
        valid_until: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<(String, String), String> {
        let claims = PermitClaims {
            aud: AUDIENCE.to_owned(),
            pid: permit_id,
            zid: zone_id,
            nbf: valid_from.and_utc().timestamp(),
            exp: valid_until.and_utc().timestamp(),
            iat: now.and_utc().timestamp(),
        };
        let signer = self.signer.as_ref().ok_or_else(|| {
            format!(
                "the permit key in {} ({}) is not the signing key this database lists ({}): \
                 instances sharing a database must share their data directory (see README)",
                self.dir.display(),
                self.own_kid,
                self.current_kid()
            )
        })?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = None;
        header.kid = Some(signer.kid.clone());
        jsonwebtoken::encode(&header, &claims, &signer.encoding)
            .map(|code| (code, signer.kid.clone()))
            .map_err(|e| format!("cannot sign a permit code: {e}"))
    }

    /// Checks a presented code's signature (any key we published) and audience.
    pub fn verify(&self, code: &str) -> Result<PermitClaims, CodeError> {
        let code = code.trim();
        self.verified
            .get_or_verify(code, |code| self.verify_signature(code))
    }

    fn verify_signature(&self, code: &str) -> Result<PermitClaims, CodeError> {
        let header = jsonwebtoken::decode_header(code).map_err(|_| CodeError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(CodeError::Malformed);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.public.iter().find(|k| k.kid == kid))
            .ok_or(CodeError::BadSignature)?;
        jsonwebtoken::decode::<PermitClaims>(code, &key.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::Base64(_)
                | jsonwebtoken::errors::ErrorKind::Json(_)
                | jsonwebtoken::errors::ErrorKind::Utf8(_) => CodeError::Malformed,
                _ => CodeError::BadSignature,
            })
    }

    /// Every public key that verifies a live code, as a JWK set.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self
                .public
                .iter()
                .map(|k| Jwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    x: URL_SAFE_NO_PAD.encode(k.raw),
                    kid: k.kid.clone(),
                    alg: "EdDSA".into(),
                    use_: "sig".into(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(s, 0).unwrap().naive_utc()
    }

    #[test]
    fn sign_verify_rotate_and_refuse_forgeries() {
        let dir = tempfile::tempdir().unwrap();
        let keys = PermitKeys::load(dir.path()).unwrap();
        let (code, kid) = keys
            .sign(
                7,
                3,
                at(1_800_000_000),
                at(1_800_086_400),
                at(1_799_990_000),
            )
            .unwrap();
        assert!(code.len() < 260, "compact: {} chars", code.len());
        assert_eq!(kid, keys.current_kid());
        let claims = keys.verify(&code).unwrap();
        assert_eq!((claims.pid, claims.zid), (7, 3));
        let again = keys.verify(&format!(" {code}\n")).unwrap();
        assert_eq!(again, claims, "a remembered code answers the same");
        // Expired codes still verify: the gate decides `expired` from the permit.
        assert_eq!(keys.verify("not a code"), Err(CodeError::Malformed));
        assert_eq!(keys.verify(""), Err(CodeError::Malformed));
        let mut parts: Vec<String> = code.split('.').map(str::to_owned).collect();
        let forged = PermitClaims { pid: 8, ..claims };
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(keys.verify(&parts.join(".")), Err(CodeError::BadSignature));

        let rotated = PermitKeys::rotate(dir.path()).unwrap();
        assert_ne!(rotated.current_kid(), kid);
        assert!(rotated.verify(&code).is_ok(), "old codes keep verifying");
        let set = rotated.jwks();
        assert_eq!(set.keys.len(), 2);
        assert_eq!(set.keys[0].kid, rotated.current_kid());
        assert_eq!(set.keys[1].kid, kid);
        let reloaded = PermitKeys::load(dir.path()).unwrap();
        assert!(reloaded.verify(&code).is_ok());
        let other = PermitKeys::load(tempfile::tempdir().unwrap().path()).unwrap();
        assert_eq!(other.verify(&code), Err(CodeError::BadSignature));
    }
}
