//! Permit codes: compact Ed25519-signed tokens (JWT, `alg` EdDSA, audience
//! `permit`) with their own key, separate from session tokens.
//!
//! Keys live in the data directory: `permit.key` holds the current signing
//! seed (hex, mode 0600, generated on first use through
//! `crate::web::secrets`); `permit-retired.pub` holds one retired public key
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

use crate::web::verified::VerifiedTokens;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

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

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&tmp)
        .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot replace {}: {e}", path.display()))
}

impl PermitKeys {
    /// Loads (or creates) the keys in `dir`.
    pub fn load(dir: &Path) -> Result<PermitKeys, String> {
        let seed = crate::web::secrets::load_or_create(dir, CURRENT_FILE, 32)?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| format!("{CURRENT_FILE} must hold 32 bytes"))?;
        let signing = SigningKey::from_bytes(&seed);
        let der = signing
            .to_pkcs8_der()
            .map_err(|e| format!("cannot encode the permit key: {e}"))?;
        let current = public_key(signing.verifying_key().to_bytes());
        let signer = Some(Signer {
            kid: current.kid.clone(),
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
        });
        let own_kid = current.kid.clone();
        let mut public = vec![current];
        match std::fs::read_to_string(dir.join(RETIRED_FILE)) {
            Ok(text) => {
                for line in text.lines().rev().map(str::trim).filter(|l| !l.is_empty()) {
                    let raw: [u8; 32] = hex::decode(line)
                        .ok()
                        .and_then(|b| b.try_into().ok())
                        .ok_or_else(|| format!("{RETIRED_FILE}: bad line {line:?}"))?;
                    if !public.iter().any(|k| k.raw == raw) {
                        public.push(public_key(raw));
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {RETIRED_FILE}: {e}")),
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[AUDIENCE]);
        // The gate answers `expired` / `not_yet_valid` itself, from the permit row.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["aud", "exp"]);
        Ok(PermitKeys {
            dir: dir.to_owned(),
            signer,
            own_kid,
            listed: Vec::new(),
            public,
            validation,
            verified: VerifiedTokens::default(),
        })
    }

    /// The keys for a data directory, loaded once per process.
    pub fn for_dir(dir: &Path) -> Result<Arc<PermitKeys>, String> {
        let cache = registry();
        if let Some(keys) = cache.read().expect("permit key cache").get(dir) {
            return Ok(keys.clone());
        }
        let mut map = cache.write().expect("permit key cache");
        if let Some(keys) = map.get(dir) {
            return Ok(keys.clone());
        }
        let keys = Arc::new(PermitKeys::load(dir)?);
        map.insert(dir.to_owned(), keys.clone());
        Ok(keys)
    }

    /// Retires the current key (its public half stays published) and starts a
    /// new one. Returns the new key's id.
    pub fn rotate(dir: &Path) -> Result<Arc<PermitKeys>, String> {
        static ROTATING: Mutex<()> = Mutex::new(());
        let _one_at_a_time = ROTATING.lock().expect("rotation lock");
        let old = PermitKeys::load(dir)?;
        let mut retired = std::fs::read_to_string(dir.join(RETIRED_FILE)).unwrap_or_default();
        for key in old.public.iter().rev() {
            let line = hex::encode(key.raw);
            if !retired.contains(&line) {
                retired.push_str(&line);
                retired.push('\n');
            }
        }
        write_private(&dir.join(RETIRED_FILE), &retired)?;
        let seed: [u8; 32] = rand::random();
        write_private(&dir.join(CURRENT_FILE), &hex::encode(seed))?;
        let keys = Arc::new(PermitKeys::load(dir)?);
        registry()
            .write()
            .expect("permit key cache")
            .insert(dir.to_owned(), keys.clone());
        Ok(keys)
    }

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

    /// Makes `keys` the ones [`PermitKeys::for_dir`] answers for their directory.
    pub fn install(keys: PermitKeys) -> Arc<PermitKeys> {
        let keys = Arc::new(keys);
        registry()
            .write()
            .expect("permit key cache")
            .insert(keys.dir.clone(), keys.clone());
        keys
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

type Registry = RwLock<HashMap<PathBuf, Arc<PermitKeys>>>;

fn registry() -> &'static Registry {
    static KEYS: OnceLock<Registry> = OnceLock::new();
    KEYS.get_or_init(Default::default)
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
