//! Inspections' vocabulary and checks (第32条): the period inspected, a
//! finding's disposition and comment, and what a signature covers. Pure.

use crate::kit::text::{clean_optional, clean_text};
use crate::kit::vocabulary::vocabulary;
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

vocabulary!(
    /// An inspection's state: open while findings are decided, signed after.
    InspectionState {
        Open = "open" / "点検中",
        Signed = "signed" / "署名済",
    }
);

vocabulary!(
    /// What was decided about a finding.
    Disposition {
        Resolved = "resolved" / "対応済",
        Planned = "planned" / "対応予定",
        Accepted = "accepted" / "許容",
    }
);

/// The longest note on an inspection and comment on a finding.
pub const NOTE_MAX: usize = 2000;
pub const COMMENT_MAX: usize = 2000;

/// The earliest date a period may start: before daicho, there is nothing to inspect.
fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date")
}

/// A period to inspect: `from` ≤ `to` ≤ today. Field messages by name.
pub fn check_period(
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<(), BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    if from < earliest() {
        errors.insert("from".into(), "2000年以降の日付を入力してください。".into());
    }
    if to > today {
        errors.insert(
            "to".into(),
            "点検期間の終わりは今日以前の日付にしてください。".into(),
        );
    }
    if from > to {
        errors.insert(
            "to".into(),
            "点検期間の終わりは始まり以後の日付にしてください。".into(),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// An inspection's note: optional, at most [`NOTE_MAX`] characters.
pub fn clean_note(note: Option<&str>) -> Result<String, String> {
    Ok(clean_optional(note, NOTE_MAX)?.unwrap_or_default())
}

/// A decision's comment: required (why it is resolved, when it will be, why
/// the risk is accepted), at most [`COMMENT_MAX`] characters.
pub fn clean_comment(comment: &str) -> Result<String, String> {
    clean_text(comment, COMMENT_MAX).map_err(|e| {
        if comment.trim().is_empty() {
            "対応内容・予定・許容の理由をコメントに記入してください。".to_owned()
        } else {
            e
        }
    })
}

/// The numbers of the findings not decided yet.
pub fn undecided(findings: &[(i32, Option<Disposition>)]) -> Vec<i32> {
    findings
        .iter()
        .filter(|(_, d)| d.is_none())
        .map(|(n, _)| *n)
        .collect()
}

/// SHA-256 of a signed report's exact text, as lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A decided finding as the signed report holds it.
#[derive(Debug, Clone, Serialize)]
pub struct SignedFinding<'a> {
    pub n: i32,
    pub article: &'a str,
    pub code: &'a str,
    pub message: &'a str,
    pub entity_type: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    pub disposition: &'a str,
    pub comment: &'a str,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
}

/// Everything a signature covers, in this field order: the inspection, the
/// report as frozen when it opened, every finding's decision, who signed and when.
#[derive(Debug, Clone, Serialize)]
pub struct SignedReport<'a> {
    pub kind: &'static str,
    pub inspection_id: i64,
    pub period_from: String,
    pub period_to: String,
    pub note: &'a str,
    pub opened_by: i64,
    pub opened_at: String,
    pub report: serde_json::Value,
    pub findings: Vec<SignedFinding<'a>>,
    pub signed_by: i64,
    pub signed_at: String,
}

impl SignedReport<'_> {
    /// The exact text stored and hashed.
    pub fn text(&self) -> String {
        serde_json::to_string(self).expect("strings and numbers always serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_period_runs_forward_and_ends_by_today() {
        let today = d("2026-12-01");
        assert!(check_period(d("2026-11-01"), d("2026-11-30"), today).is_ok());
        assert!(check_period(d("2026-12-01"), d("2026-12-01"), today).is_ok());
        assert!(
            check_period(d("2026-11-30"), d("2026-11-01"), today)
                .unwrap_err()
                .contains_key("to")
        );
        assert!(
            check_period(d("2026-11-01"), d("2026-12-02"), today)
                .unwrap_err()
                .contains_key("to")
        );
        assert!(
            check_period(d("1999-12-31"), d("2026-11-01"), today)
                .unwrap_err()
                .contains_key("from")
        );
    }

    #[test]
    fn a_decision_needs_a_comment_and_signing_needs_every_decision() {
        assert!(clean_comment("  ").unwrap_err().contains("コメント"));
        assert_eq!(clean_comment(" 交換済み ").unwrap(), "交換済み");
        assert!(clean_comment(&"あ".repeat(COMMENT_MAX + 1)).is_err());
        assert_eq!(
            undecided(&[(1, Some(Disposition::Resolved)), (2, None), (3, None)]),
            vec![2, 3]
        );
        assert_eq!(Disposition::stored("accepted").unwrap().label(), "許容");
        assert!(Disposition::stored("ignored").is_err());
        assert_eq!(sha256_hex("").len(), 64);
    }
}
