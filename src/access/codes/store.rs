//! Where permit keys live: the data directory's files (`permit.key`, the
//! current seed; `permit-retired.pub`, retired public keys), written atomically
//! with mode 0600, rotation, and the per-process registry of loaded keys.

use super::{AUDIENCE, CURRENT_FILE, PermitKeys, RETIRED_FILE, Signer, public_key};
use crate::kit::verified::VerifiedTokens;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Validation};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

impl PermitKeys {
    /// Loads (or creates) the keys in `dir`.
    pub fn load(dir: &Path) -> Result<PermitKeys, String> {
        let seed = crate::kit::secrets::load_or_create(dir, CURRENT_FILE, 32)?;
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
        crate::kit::secrets::replace_private(&dir.join(RETIRED_FILE), &retired)?;
        let seed: [u8; 32] = rand::random();
        crate::kit::secrets::replace_private(&dir.join(CURRENT_FILE), &hex::encode(seed))?;
        let keys = Arc::new(PermitKeys::load(dir)?);
        registry()
            .write()
            .expect("permit key cache")
            .insert(dir.to_owned(), keys.clone());
        Ok(keys)
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
}

type Registry = RwLock<HashMap<PathBuf, Arc<PermitKeys>>>;

fn registry() -> &'static Registry {
    static KEYS: OnceLock<Registry> = OnceLock::new();
    KEYS.get_or_init(Default::default)
}
