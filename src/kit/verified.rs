//! Signed tokens whose signature already checked out. Checking a signature
//! is the largest fixed cost of an authenticated request (an Ed25519 permit
//! code most of all), and the same token comes back again and again: a
//! session on every call, a badge at check, entry and exit. Whether a token
//! verifies depends only on its bytes and on the keys, so the answer can be
//! remembered for as long as the keys live; the owner of the cache makes a
//! new one when its keys change. Time-dependent checks (expiry) stay with the
//! caller and run on every use.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// Past this many remembered tokens the cache starts over: far more than a
/// ward's live sessions and badges, and small (a few hundred KiB at most).
const CAPACITY: usize = 4096;

pub struct VerifiedTokens<C> {
    /// Keyed by the token's SHA-256, so the cache holds no usable secret.
    seen: Mutex<HashMap<[u8; 32], C>>,
}

impl<C> Default for VerifiedTokens<C> {
    fn default() -> Self {
        VerifiedTokens {
            seen: Mutex::default(),
        }
    }
}

impl<C: Clone> VerifiedTokens<C> {
    /// The claims of `token`: remembered, or from `verify`, whose successes
    /// are remembered (failures are not, so nothing is learnt from garbage).
    pub fn get_or_verify<E>(
        &self,
        token: &str,
        verify: impl FnOnce(&str) -> Result<C, E>,
    ) -> Result<C, E> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(claims) = self.seen.lock().expect("verified tokens").get(&key) {
            return Ok(claims.clone());
        }
        let claims = verify(token)?;
        let mut seen = self.seen.lock().expect("verified tokens");
        if seen.len() >= CAPACITY {
            seen.clear();
        }
        seen.insert(key, claims.clone());
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn remembers_successes_only() {
        let cache = VerifiedTokens::<u32>::default();
        let calls = Cell::new(0);
        let verify = |t: &str| {
            calls.set(calls.get() + 1);
            if t == "good" { Ok(7) } else { Err("bad") }
        };
        assert_eq!(cache.get_or_verify("good", verify), Ok(7));
        assert_eq!(cache.get_or_verify("good", verify), Ok(7));
        assert_eq!(calls.get(), 1, "the second answer is remembered");
        assert_eq!(cache.get_or_verify("bad", verify), Err("bad"));
        assert_eq!(cache.get_or_verify("bad", verify), Err("bad"));
        assert_eq!(calls.get(), 3, "failures are checked every time");
    }

    #[test]
    fn starts_over_when_full() {
        let cache = VerifiedTokens::<usize>::default();
        for i in 0..CAPACITY + 1 {
            let token = i.to_string();
            assert_eq!(cache.get_or_verify(&token, |_| Ok::<_, ()>(i)), Ok(i));
        }
        assert_eq!(cache.seen.lock().unwrap().len(), 1);
    }
}
