//! The hash chain itself: what a link's canonical bytes are and how its hash
//! follows from the previous one. Pure, so it can be checked by hand.

use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Everything a hash covers. `detail` is the exact JSON text stored.
#[derive(Debug, Clone, Serialize)]
pub struct Link<'a> {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub detail: &'a str,
}

impl Link<'_> {
    /// A fixed-order JSON array: unambiguous (every string is quoted and escaped)
    /// and the same on every platform. Times are UTC with exactly six decimals.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let time = self
            .occurred_at
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string();
        serde_json::to_vec(&(
            "daicho-audit-v1",
            self.seq,
            time,
            self.actor_id,
            self.actor_name,
            self.action,
            self.entity_type,
            self.entity_id,
            self.detail,
        ))
        .expect("a tuple of strings and numbers always serialises")
    }

    /// SHA-256 over the previous hash and this link's canonical bytes, as hex.
    pub fn hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.canonical_bytes());
        hex::encode(hasher.finalize())
    }
}

/// What verification found at one row, given the expected predecessor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCheck {
    Ok,
    /// `seq` is not the predecessor's plus one: a row was removed or inserted.
    SequenceGap,
    /// `prev_hash` does not name the predecessor's hash.
    BrokenLink,
    /// The stored hash does not match the row's content.
    ContentChanged,
}

pub fn check_link(
    link: &Link<'_>,
    prev_seq: i64,
    prev_hash: &str,
    stored_prev: &str,
    stored_hash: &str,
) -> LinkCheck {
    if link.seq != prev_seq + 1 {
        LinkCheck::SequenceGap
    } else if stored_prev != prev_hash {
        LinkCheck::BrokenLink
    } else if link.hash(prev_hash) != stored_hash {
        LinkCheck::ContentChanged
    } else {
        LinkCheck::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn link(detail: &str) -> Link<'_> {
        Link {
            seq: 1,
            occurred_at: NaiveDate::from_ymd_opt(2026, 11, 25)
                .unwrap()
                .and_hms_micro_opt(9, 0, 0, 123456)
                .unwrap(),
            actor_id: Some(1),
            actor_name: "admin",
            action: "user.create",
            entity_type: "user",
            entity_id: "2",
            detail,
        }
    }

    #[test]
    fn hash_is_stable_and_covers_every_field() {
        let a = link("{}");
        let h = a.hash(GENESIS_HASH);
        assert_eq!(h.len(), 64);
        assert_eq!(h, link("{}").hash(GENESIS_HASH));
        assert_ne!(h, link("{ }").hash(GENESIS_HASH));
        assert_ne!(h, a.hash(&h));
        let mut other = link("{}");
        other.actor_id = None;
        assert_ne!(h, other.hash(GENESIS_HASH));
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let mut a = link("{}");
        a.entity_type = "user,";
        a.entity_id = "2";
        let mut b = link("{}");
        b.entity_type = "user";
        b.entity_id = ",2";
        assert_ne!(a.hash(GENESIS_HASH), b.hash(GENESIS_HASH));
    }

    #[test]
    fn check_link_names_the_fault() {
        let a = link("{}");
        let h = a.hash(GENESIS_HASH);
        assert_eq!(
            check_link(&a, 0, GENESIS_HASH, GENESIS_HASH, &h),
            LinkCheck::Ok
        );
        assert_eq!(
            check_link(&a, 1, GENESIS_HASH, GENESIS_HASH, &h),
            LinkCheck::SequenceGap
        );
        assert_eq!(
            check_link(&a, 0, GENESIS_HASH, &h, &h),
            LinkCheck::BrokenLink
        );
        assert_eq!(
            check_link(&link("{\"x\":1}"), 0, GENESIS_HASH, GENESIS_HASH, &h),
            LinkCheck::ContentChanged
        );
    }
}
