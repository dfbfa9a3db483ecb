//! The hash chain itself: what a link's canonical bytes are and how its hash
//! follows from the previous one. Pure, so it can be checked by hand.

pub mod checkpoint;
pub mod export;

use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How a link's time enters its canonical bytes (and an export): UTC, exactly
/// six decimals, `Z`. Stored times are rounded to microseconds, so nothing is lost.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

pub fn format_time(time: NaiveDateTime) -> String {
    time.format(TIME_FORMAT).to_string()
}

/// A time written exactly as [`format_time`] writes it, and nothing else: two
/// spellings of one instant would let an export's line differ from what was hashed.
pub fn parse_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, TIME_FORMAT)
        .ok()
        .filter(|time| format_time(*time) == text)
}

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
        serde_json::to_vec(&(
            "daicho-audit-v1",
            self.seq,
            format_time(self.occurred_at),
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

impl LinkCheck {
    /// The stable name of the fault, as reports and the CLI give it.
    pub fn fault(self) -> Option<&'static str> {
        match self {
            LinkCheck::Ok => None,
            LinkCheck::SequenceGap => Some("sequence_gap"),
            LinkCheck::BrokenLink => Some("broken_link"),
            LinkCheck::ContentChanged => Some("content_changed"),
        }
    }
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

/// Walks a chain in order, link by link. The database's verification and an
/// export's offline verification both run this one walk, so they cannot disagree.
#[derive(Debug, Clone)]
pub struct ChainWalk {
    prev_seq: i64,
    prev_hash: String,
    checked: i64,
}

impl ChainWalk {
    /// A walk from the first event, whose predecessor is [`GENESIS_HASH`].
    pub fn from_genesis() -> ChainWalk {
        ChainWalk::after(0, GENESIS_HASH)
    }

    /// A walk that continues a chain after `seq`, whose hash was `hash`.
    pub fn after(seq: i64, hash: &str) -> ChainWalk {
        ChainWalk {
            prev_seq: seq,
            prev_hash: hash.to_owned(),
            checked: 0,
        }
    }

    /// Checks the next link; when it holds, it becomes the predecessor of the one after.
    pub fn step(&mut self, link: &Link<'_>, stored_prev: &str, stored_hash: &str) -> LinkCheck {
        let check = check_link(
            link,
            self.prev_seq,
            &self.prev_hash,
            stored_prev,
            stored_hash,
        );
        if check == LinkCheck::Ok {
            self.prev_seq = link.seq;
            stored_hash.clone_into(&mut self.prev_hash);
            self.checked += 1;
        }
        check
    }

    /// Links verified so far.
    pub fn checked(&self) -> i64 {
        self.checked
    }

    /// The `seq` of the last verified link (or of the walk's starting point).
    pub fn seq(&self) -> i64 {
        self.prev_seq
    }

    /// The hash of the last verified link (or of the walk's starting point).
    pub fn hash(&self) -> &str {
        &self.prev_hash
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

    #[test]
    fn times_are_read_only_as_they_are_written() {
        let time = link("{}").occurred_at;
        assert_eq!(format_time(time), "2026-11-25T09:00:00.123456Z");
        assert_eq!(parse_time("2026-11-25T09:00:00.123456Z"), Some(time));
        for other in [
            "2026-11-25T09:00:00.123456",
            "2026-11-25T09:00:00.1234560Z",
            "2026-11-25T09:00:00.12345Z",
            "2026-11-25 09:00:00.123456Z",
            "2026-11-25T09:00:00.123456+00:00",
        ] {
            assert_eq!(parse_time(other), None, "{other}");
        }
    }

    #[test]
    fn a_walk_moves_only_over_links_that_hold() {
        let first = link("{}");
        let h1 = first.hash(GENESIS_HASH);
        let mut second = link("{\"n\":2}");
        second.seq = 2;
        let h2 = second.hash(&h1);
        let mut walk = ChainWalk::from_genesis();
        assert_eq!(walk.step(&first, GENESIS_HASH, &h1), LinkCheck::Ok);
        assert_eq!(
            walk.step(&second, &h1, "f00d"),
            LinkCheck::ContentChanged,
            "a bad link leaves the walk where it was"
        );
        assert_eq!(
            (walk.checked(), walk.seq(), walk.hash()),
            (1, 1, h1.as_str())
        );
        assert_eq!(walk.step(&second, &h1, &h2), LinkCheck::Ok);
        assert_eq!(
            (walk.checked(), walk.seq(), walk.hash()),
            (2, 2, h2.as_str())
        );
        let mut resumed = ChainWalk::after(1, &h1);
        assert_eq!(resumed.step(&second, &h1, &h2), LinkCheck::Ok);
        assert_eq!(LinkCheck::SequenceGap.fault(), Some("sequence_gap"));
        assert_eq!(LinkCheck::Ok.fault(), None);
    }
}
