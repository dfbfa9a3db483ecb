//! The export format and its offline verification (第16条, 第32条): one JSON
//! object per line, each holding every field the hash covers, in the order the
//! hash takes them, then `prev_hash` and `hash`. An auditor can check a file
//! with `daicho audit verify --file` or with their own tools (see the README).

use super::checkpoint::Anchors;
use super::{ChainWalk, GENESIS_HASH, Link, LinkCheck, format_time, parse_time};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::BufRead;

/// One line of an export. `detail` is the stored JSON text as a string (the hash
/// covers that exact text, not a re-serialisation of it); `occurred_at` is written
/// as the hash writes it. Unknown fields are refused: a line may carry nothing the
/// hash does not cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedEvent {
    pub seq: i64,
    pub occurred_at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl ExportedEvent {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        seq: i64,
        occurred_at: NaiveDateTime,
        actor_id: Option<i64>,
        actor_name: String,
        action: String,
        entity_type: String,
        entity_id: String,
        detail: String,
        prev_hash: String,
        hash: String,
    ) -> ExportedEvent {
        ExportedEvent {
            seq,
            occurred_at: format_time(occurred_at),
            actor_id,
            actor_name,
            action,
            entity_type,
            entity_id,
            detail,
            prev_hash,
            hash,
        }
    }

    /// The line's link, or `None` when its time is not written as the hash writes it.
    pub fn link(&self) -> Option<Link<'_>> {
        Some(Link {
            seq: self.seq,
            occurred_at: parse_time(&self.occurred_at)?,
            actor_id: self.actor_id,
            actor_name: &self.actor_name,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: &self.entity_id,
            detail: &self.detail,
        })
    }

    /// Appends the event as one line (JSON, then `\n`).
    pub fn write_line(&self, out: &mut Vec<u8>) {
        serde_json::to_writer(&mut *out, self).expect("strings and numbers always serialise");
        out.push(b'\n');
    }
}

/// What a file that verifies holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub events: i64,
    pub first_seq: i64,
    pub last_seq: i64,
    /// The first line's `prev_hash`: [`GENESIS_HASH`] when the file starts the
    /// chain, otherwise the hash of the event before it, to be matched against
    /// an earlier export or a recorded head.
    pub starts_after: String,
    /// The last line's hash: compare it with a head recorded elsewhere.
    pub head_hash: String,
}

impl ExportSummary {
    pub fn from_genesis(&self) -> bool {
        self.first_seq == 1 && self.starts_after == GENESIS_HASH
    }
}

/// Why a file does not verify, at which line and, where known, which `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFault {
    /// 1-based; 0 when the file as a whole is at fault (empty, unreadable).
    pub line: u64,
    pub seq: Option<i64>,
    /// `sequence_gap`, `broken_link`, `content_changed`, `not_an_event`,
    /// `unreadable` or `empty`.
    pub reason: &'static str,
    pub explanation: String,
    /// Lines verified before this one.
    pub verified: i64,
}

impl fmt::Display for ExportFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "seq {seq} (line {})", self.line)?,
            None if self.line > 0 => write!(f, "line {}", self.line)?,
            None => write!(f, "the file")?,
        }
        write!(
            f,
            ": {} ({}); {} events verified before it",
            self.reason, self.explanation, self.verified
        )
    }
}

/// Verifies an export line by line, holding one line at a time. The first line
/// is trusted for where the file starts (its `seq` and `prev_hash`, unless it is
/// `seq` 1, whose predecessor must be [`GENESIS_HASH`]); every hash is
/// recomputed and every later link checked with the walk the database's own
/// verification uses.
pub fn verify_export(input: impl BufRead) -> Result<ExportSummary, ExportFault> {
    verify_export_with(input, &Anchors::default())
}

/// [`verify_export`], holding the file to signed checkpoints as well: at each
/// checkpoint's `seq` within the file the event's hash must be the signed one
/// (`checkpoint_mismatch`: the chain was rewritten), and the file must reach
/// the highest checkpoint (`tail_cut`).
pub fn verify_export_with(
    mut input: impl BufRead,
    anchors: &Anchors,
) -> Result<ExportSummary, ExportFault> {
    let mut walk: Option<(ChainWalk, i64, String)> = None;
    let mut text = String::new();
    let mut number = 0u64;
    loop {
        text.clear();
        let verified = walk.as_ref().map_or(0, |(w, _, _)| w.checked());
        let fault = |line, seq, reason, explanation: String| ExportFault {
            line,
            seq,
            reason,
            explanation,
            verified,
        };
        match input.read_line(&mut text) {
            Ok(0) => break,
            Ok(_) => number += 1,
            Err(e) => return Err(fault(number + 1, None, "unreadable", e.to_string())),
        }
        let event: ExportedEvent = serde_json::from_str(&text)
            .map_err(|e| fault(number, seq_of(&text), "not_an_event", e.to_string()))?;
        let link = event.link().ok_or_else(|| {
            fault(
                number,
                Some(event.seq),
                "not_an_event",
                "occurred_at is not written as YYYY-MM-DDTHH:MM:SS.ffffffZ".to_owned(),
            )
        })?;
        let (chain, _, _) = walk.get_or_insert_with(|| {
            let chain = if event.seq <= 1 {
                ChainWalk::from_genesis()
            } else {
                ChainWalk::after(event.seq - 1, &event.prev_hash)
            };
            (chain, event.seq, event.prev_hash.clone())
        });
        let (expected_seq, expected_prev) = (chain.seq() + 1, chain.hash().to_owned());
        let check = chain.step(&link, &event.prev_hash, &event.hash);
        if let Some(reason) = check.fault() {
            let explanation = match check {
                LinkCheck::SequenceGap => format!("seq {expected_seq} expected here"),
                LinkCheck::BrokenLink => format!(
                    "prev_hash is not the hash of seq {}: {expected_prev}",
                    expected_seq - 1
                ),
                _ => "the hash does not match the line's content".to_owned(),
            };
            return Err(fault(number, Some(event.seq), reason, explanation));
        }
        let first = chain.checked() == 1;
        let anchored = if first && event.seq > 1 {
            anchors.check(event.seq - 1, &event.prev_hash)
        } else {
            Ok(())
        }
        .and_then(|()| anchors.check(event.seq, &event.hash));
        if let Err(f) = anchored {
            let verified = chain.checked() - 1;
            return Err(ExportFault {
                line: number,
                seq: Some(event.seq),
                reason: f.reason,
                explanation: f.explanation,
                verified,
            });
        }
    }
    match walk {
        None => Err(ExportFault {
            line: 0,
            seq: None,
            reason: "empty",
            explanation: "the file holds no events".to_owned(),
            verified: 0,
        }),
        Some((chain, _, _)) if anchors.check_reach(chain.seq()).is_err() => {
            let f = anchors
                .check_reach(chain.seq())
                .expect_err("checked just now");
            Err(ExportFault {
                line: number,
                seq: Some(f.seq),
                reason: f.reason,
                explanation: f.explanation,
                verified: chain.checked(),
            })
        }
        Some((chain, first_seq, starts_after)) => Ok(ExportSummary {
            events: chain.checked(),
            first_seq,
            last_seq: chain.seq(),
            starts_after,
            head_hash: chain.hash().to_owned(),
        }),
    }
}

/// The `seq` of a line that is JSON but not a well-formed event, to name it.
fn seq_of(text: &str) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()?
        .get("seq")?
        .as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// A chain of `n` events as export lines, starting at `seq` 1.
    fn chain(n: i64) -> Vec<ExportedEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let time = NaiveDate::from_ymd_opt(2026, 12, 1)
                    .unwrap()
                    .and_hms_micro_opt(0, 0, seq as u32, 5)
                    .unwrap();
                let mut event = ExportedEvent::new(
                    seq,
                    time,
                    Some(1),
                    "admin".into(),
                    "department.create".into(),
                    "department".into(),
                    seq.to_string(),
                    format!("{{\"name\":\"第{seq}課\"}}"),
                    prev.clone(),
                    String::new(),
                );
                event.hash = event.link().unwrap().hash(&prev);
                prev = event.hash.clone();
                event
            })
            .collect()
    }

    fn file(events: &[ExportedEvent]) -> Vec<u8> {
        let mut out = Vec::new();
        for event in events {
            event.write_line(&mut out);
        }
        out
    }

    #[test]
    fn an_export_round_trips_and_verifies() {
        let events = chain(4);
        let bytes = file(&events);
        let first = std::str::from_utf8(&bytes).unwrap().lines().next().unwrap();
        assert!(first.starts_with("{\"seq\":1,\"occurred_at\":\"2026-12-01T00:00:01.000005Z\","));
        let summary = verify_export(&bytes[..]).unwrap();
        assert_eq!(
            (summary.events, summary.first_seq, summary.last_seq),
            (4, 1, 4)
        );
        assert_eq!(summary.head_hash, events[3].hash);
        assert!(summary.from_genesis());
        // A file from a later seq verifies from its first line's prev_hash.
        let tail = verify_export(&file(&events[2..])[..]).unwrap();
        assert_eq!((tail.events, tail.first_seq, tail.last_seq), (2, 3, 4));
        assert_eq!(tail.starts_after, events[1].hash);
        assert!(!tail.from_genesis());
    }

    #[test]
    fn a_fault_names_its_seq_and_reason() {
        let events = chain(5);
        let fault = |events: &[ExportedEvent]| verify_export(&file(events)[..]).unwrap_err();

        let mut changed = events.clone();
        changed[2].actor_name = "someone".into();
        let f = fault(&changed);
        assert_eq!(
            (f.seq, f.reason, f.line, f.verified),
            (Some(3), "content_changed", 3, 2)
        );

        let mut removed = events.clone();
        removed.remove(2);
        let f = fault(&removed);
        assert_eq!((f.seq, f.reason), (Some(4), "sequence_gap"));

        let mut swapped = events.clone();
        swapped.swap(2, 3);
        let f = fault(&swapped);
        assert_eq!((f.seq, f.reason, f.line), (Some(4), "sequence_gap", 3));

        let mut relinked = events.clone();
        relinked[3].prev_hash = GENESIS_HASH.into();
        assert_eq!(fault(&relinked).reason, "broken_link");

        let mut not_first = events.clone();
        not_first[0].prev_hash = events[1].hash.clone();
        assert_eq!(
            fault(&not_first).reason,
            "broken_link",
            "seq 1 follows the genesis hash"
        );

        let mut retimed = events.clone();
        retimed[1].occurred_at = "2026-12-01T00:00:02.000005".into();
        let f = fault(&retimed);
        assert_eq!((f.seq, f.reason), (Some(2), "not_an_event"));
    }

    #[test]
    fn lines_that_are_not_events_are_refused() {
        let mut bytes = file(&chain(2));
        bytes.extend_from_slice(b"{\"seq\":3,\"note\":\"extra\"}\n");
        let f = verify_export(&bytes[..]).unwrap_err();
        assert_eq!((f.line, f.seq, f.reason), (3, Some(3), "not_an_event"));

        let mut extra = serde_json::to_value(&chain(1)[0]).unwrap();
        extra["comment"] = "not hashed".into();
        let f = verify_export(format!("{extra}\n").as_bytes()).unwrap_err();
        assert_eq!((f.seq, f.reason), (Some(1), "not_an_event"));

        assert_eq!(verify_export(&b""[..]).unwrap_err().reason, "empty");
        assert_eq!(
            verify_export(&b"\n"[..]).unwrap_err().reason,
            "not_an_event"
        );
    }
}
