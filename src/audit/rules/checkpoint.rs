//! Signed checkpoints of the chain (第16条): the head `{seq, hash, at}` as a
//! compact JWS (alg EdDSA, the key's `kid` in its header), and what a chain
//! must agree with once checkpoints exist: at every checkpoint's `seq` the
//! event's hash is the signed one, and the chain reaches the highest signed
//! `seq`. Pure, so the database's verification and an export's offline one
//! hold a chain to the same checkpoints in the same way.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What a checkpoint signs, in this field order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointClaims {
    pub seq: i64,
    pub hash: String,
    /// UTC, written as the chain writes times (`…T…:…:….ffffffZ`).
    pub at: String,
}

/// A checkpoint as the API lists it and a checkpoints file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignedCheckpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    pub kid: String,
    /// Compact JWS (alg EdDSA) whose payload is `{seq, hash, at}`.
    pub jws: String,
}

/// A JSON Web Key (RFC 8037 OKP / Ed25519).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// A key's id: the first 8 bytes of the SHA-256 of its public half, as hex,
/// so it never needs storing beside the key.
pub fn kid_of(public: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public)[..8])
}

pub fn jwk(public: &[u8; 32]) -> Jwk {
    Jwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        x: URL_SAFE_NO_PAD.encode(public),
        kid: kid_of(public),
        alg: "EdDSA".into(),
        use_: "sig".into(),
    }
}

/// The public key a JWK carries, when it is an Ed25519 key whose `kid` is its own.
pub fn jwk_key(jwk: &Jwk) -> Option<[u8; 32]> {
    if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
        return None;
    }
    let raw: [u8; 32] = URL_SAFE_NO_PAD.decode(&jwk.x).ok()?.try_into().ok()?;
    (kid_of(&raw) == jwk.kid).then_some(raw)
}

/// Signs the claims with `key`: a compact JWS naming the key's kid.
pub fn sign(key: &SigningKey, claims: &CheckpointClaims) -> String {
    let kid = kid_of(&key.verifying_key().to_bytes());
    let header = serde_json::json!({ "alg": "EdDSA", "kid": kid });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialise"))
    );
    let signature = key.sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// The claims of a JWS one of `keys` (`(kid, public key)`) signed, or why not.
pub fn verify_jws(jws: &str, keys: &[(String, [u8; 32])]) -> Result<CheckpointClaims, String> {
    let parts: Vec<&str> = jws.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err("not a compact JWS".into());
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|e| e.to_string());
    let header: Header = serde_json::from_slice(&decode(header)?).map_err(|e| e.to_string())?;
    if header.alg != "EdDSA" {
        return Err(format!("alg {} is not EdDSA", header.alg));
    }
    let kid = header.kid.ok_or("no kid in the header")?;
    let (_, raw) = keys
        .iter()
        .find(|(k, _)| *k == kid)
        .ok_or_else(|| format!("no key {kid}"))?;
    let key = VerifyingKey::from_bytes(raw).map_err(|e| e.to_string())?;
    let signature: [u8; 64] = decode(signature)?
        .try_into()
        .map_err(|_| "a signature is 64 bytes".to_owned())?;
    let signing_input = &jws[..jws.len() - parts[2].len() - 1];
    key.verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| format!("the signature does not verify with key {kid}"))?;
    serde_json::from_slice(&decode(payload)?).map_err(|e| e.to_string())
}

/// A checkpoints file, as `daicho audit checkpoints` writes it and
/// `daicho audit verify --checkpoints` reads it: the keys (a JWK set's `keys`)
/// and the checkpoints. Other fields are ignored, so the answer of
/// `GET /api/v1/audit/checkpoints` with the JWK set's `keys` added reads as one.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckpointFile {
    pub keys: Vec<Jwk>,
    pub items: Vec<SignedCheckpoint>,
}

impl CheckpointFile {
    /// The keys as `(kid, public key)`; a JWK that is not an Ed25519 key
    /// under its own kid is refused.
    pub fn public_keys(&self) -> Result<Vec<(String, [u8; 32])>, String> {
        self.keys
            .iter()
            .map(|k| {
                jwk_key(k)
                    .map(|raw| (k.kid.clone(), raw))
                    .ok_or_else(|| format!("key {} is not an Ed25519 key under its own kid", k.kid))
            })
            .collect()
    }
}

/// Why checkpoints cannot be trusted, or where a chain disagrees with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFault {
    /// The checkpoint's (or the chain's) `seq` at fault.
    pub seq: i64,
    /// `checkpoint_invalid`, `checkpoint_mismatch` or `tail_cut`.
    pub reason: &'static str,
    pub explanation: String,
}

/// The hashes checkpoints vouch for, by `seq`, once every signature holds.
#[derive(Debug, Clone, Default)]
pub struct Anchors {
    by_seq: BTreeMap<i64, String>,
}

impl Anchors {
    /// Checks every checkpoint's signature against `keys` and that its
    /// listed fields are the signed ones; two checkpoints may not vouch for
    /// two hashes at one `seq`.
    pub fn from_checkpoints(
        items: &[SignedCheckpoint],
        keys: &[(String, [u8; 32])],
    ) -> Result<Anchors, CheckpointFault> {
        let mut by_seq = BTreeMap::new();
        for item in items {
            let invalid = |explanation: String| CheckpointFault {
                seq: item.seq,
                reason: "checkpoint_invalid",
                explanation,
            };
            let claims = verify_jws(&item.jws, keys).map_err(invalid)?;
            if claims.seq != item.seq || claims.hash != item.hash || claims.at != item.at {
                return Err(invalid("its fields are not the signed ones".into()));
            }
            if let Some(other) = by_seq.insert(claims.seq, claims.hash.clone())
                && other != claims.hash
            {
                return Err(invalid("two checkpoints sign different hashes".into()));
            }
        }
        Ok(Anchors { by_seq })
    }

    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// How many checkpoints fall within `from..=through`.
    pub fn within(&self, from: i64, through: i64) -> usize {
        if from > through {
            return 0;
        }
        self.by_seq.range(from..=through).count()
    }

    /// The highest signed `seq`: a chain must reach it.
    pub fn highest(&self) -> Option<i64> {
        self.by_seq.keys().next_back().copied()
    }

    /// Whether the event at `seq` with `hash` agrees with the checkpoints.
    pub fn check(&self, seq: i64, hash: &str) -> Result<(), CheckpointFault> {
        match self.by_seq.get(&seq) {
            Some(signed) if signed != hash => Err(CheckpointFault {
                seq,
                reason: "checkpoint_mismatch",
                explanation: format!("a checkpoint signed hash {signed} for this seq"),
            }),
            _ => Ok(()),
        }
    }

    /// Whether a chain whose last event is `last_seq` reaches every checkpoint.
    pub fn check_reach(&self, last_seq: i64) -> Result<(), CheckpointFault> {
        match self.highest() {
            Some(highest) if highest > last_seq => Err(CheckpointFault {
                seq: highest,
                reason: "tail_cut",
                explanation: format!(
                    "the chain ends at seq {last_seq}, below a checkpoint signed at seq {highest}"
                ),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn checkpoint(key: &SigningKey, seq: i64, hash: &str) -> SignedCheckpoint {
        let claims = CheckpointClaims {
            seq,
            hash: hash.into(),
            at: "2026-12-01T00:00:00.000000Z".into(),
        };
        SignedCheckpoint {
            seq,
            hash: hash.into(),
            at: claims.at.clone(),
            kid: kid_of(&key.verifying_key().to_bytes()),
            jws: sign(key, &claims),
        }
    }

    fn keys(key: &SigningKey) -> Vec<(String, [u8; 32])> {
        let raw = key.verifying_key().to_bytes();
        vec![(kid_of(&raw), raw)]
    }

    #[test]
    fn a_checkpoint_verifies_with_its_key_only() {
        let cp = checkpoint(&key(1), 5, "aa");
        let claims = verify_jws(&cp.jws, &keys(&key(1))).unwrap();
        assert_eq!((claims.seq, claims.hash.as_str()), (5, "aa"));
        assert!(verify_jws(&cp.jws, &keys(&key(2))).is_err());
        let jwk = jwk(&key(1).verifying_key().to_bytes());
        assert_eq!(jwk_key(&jwk), Some(key(1).verifying_key().to_bytes()));
        assert_eq!(jwk.kid, cp.kid);
        // A payload swapped under the same signature is refused.
        let other = checkpoint(&key(1), 6, "bb");
        let parts: Vec<&str> = cp.jws.split('.').collect();
        let swapped = format!(
            "{}.{}.{}",
            parts[0],
            other.jws.split('.').nth(1).unwrap(),
            parts[2]
        );
        assert!(verify_jws(&swapped, &keys(&key(1))).is_err());
    }

    #[test]
    fn anchors_catch_a_rewrite_and_a_cut_tail() {
        let k = key(3);
        let anchors = Anchors::from_checkpoints(
            &[checkpoint(&k, 2, "h2"), checkpoint(&k, 4, "h4")],
            &keys(&k),
        )
        .unwrap();
        assert!(anchors.check(2, "h2").is_ok());
        assert!(anchors.check(3, "anything").is_ok());
        assert_eq!(
            anchors.check(4, "x").unwrap_err().reason,
            "checkpoint_mismatch"
        );
        assert!(anchors.check_reach(4).is_ok());
        let cut = anchors.check_reach(3).unwrap_err();
        assert_eq!((cut.seq, cut.reason), (4, "tail_cut"));
        let mut lying = checkpoint(&k, 2, "h2");
        lying.hash = "other".into();
        assert_eq!(
            Anchors::from_checkpoints(&[lying], &keys(&k))
                .unwrap_err()
                .reason,
            "checkpoint_invalid"
        );
    }
}
