use super::*;
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

#[test]
fn status_follows_findings() {
    assert_eq!(
        ArticleReport::new("第4条", "主要な機器等", vec![]).status,
        ArticleStatus::Ok
    );
    let f = Finding::new("x", "y").on("equipment", "SRV-1");
    assert_eq!(
        ArticleReport::new("第4条", "主要な機器等", vec![f]).status,
        ArticleStatus::Findings
    );
}

#[test]
fn a_finding_on_a_record_links_its_page_and_its_api() {
    let f = Finding::new("x", "y").on("equipment", "SRV 1");
    assert_eq!(f.link.as_deref(), Some("/equipment/SRV%201"));
    assert_eq!(f.api.as_deref(), Some("/api/v1/equipment/SRV%201"));
    let f = Finding::new("x", "y").on("cabling_change", 7);
    assert_eq!(f.link.as_deref(), Some("/cabling#change-7"));
    assert_eq!(f.api.as_deref(), Some("/api/v1/cabling-changes/7"));
    let f = Finding::new("x", "y").on("nothing_known", 7);
    assert_eq!((f.link, f.api), (None, None));
    assert_eq!(f.entity_id.as_deref(), Some("7"));
}

#[test]
fn the_period_defaults_to_the_last_thirty_days_and_must_read() {
    let today = day("2026-12-01");
    let now = at("2026-12-01 00:00");
    assert_eq!(
        period(None, None, today, now),
        Ok((day("2026-11-01"), today))
    );
    assert_eq!(
        period(Some(" "), Some("2026/10/31"), today, now),
        Ok((day("2026-10-01"), day("2026-10-31")))
    );
    let bad = period(Some("2026-13-01"), Some("x"), today, now).unwrap_err();
    assert!(period(None, Some("262142-12-31"), today, now).is_err());
    assert_eq!(bad.keys().collect::<Vec<_>>(), ["from", "to"]);
    let reversed = period(Some("2026-11-02"), Some("2026-11-01"), today, now).unwrap_err();
    assert!(reversed["to"].contains("開始日"));
    assert!(period(Some("2026-11-01"), Some("2026-11-01"), today, now).is_ok());
}

#[test]
fn an_account_is_unused_after_ninety_days_without_a_sign_in() {
    let now = at("2026-12-01 09:00");
    let created = at("2026-01-01 09:00");
    assert!(unused(None, created, now, 90));
    assert!(!unused(Some(at("2026-11-01 09:00")), created, now, 90));
    assert!(unused(Some(at("2026-08-01 09:00")), created, now, 90));
    // Created lately, never signed in: not yet.
    assert!(!unused(None, at("2026-11-20 09:00"), now, 90));
}

#[test]
fn logs_are_read_by_auditors_security_managers_and_admins() {
    assert!(may_read_logs(&[Role::Auditor]));
    assert!(may_read_logs(&[Role::Staff, Role::SecurityManager]));
    assert!(may_read_logs(&[Role::Admin]));
    assert!(!may_read_logs(&[Role::Operator, Role::Guard]));
    assert!(!may_read_logs(&[]));
}

#[test]
fn cabling_work_is_late_by_its_plan_and_unconfirmed_after_seven_days() {
    let now = at("2026-12-01 09:00");
    assert!(cabling_unverified(at("2026-11-23 09:00"), now));
    assert!(!cabling_unverified(at("2026-11-25 09:00"), now));
    assert!(cabling_late(day("2026-11-30"), day("2026-12-01")));
    assert!(!cabling_late(day("2026-12-01"), day("2026-12-01")));
}

#[test]
fn license_issues_say_each_thing_once() {
    assert_eq!(
        license_issues(Some(1), 2, 1, 0, None),
        [LicenseIssue::OverSeats(1)]
    );
    assert_eq!(
        license_issues(Some(0), 2, 2, 1, None),
        [LicenseIssue::ExpiredInstalled(2)]
    );
    assert_eq!(license_issues(Some(0), 0, 0, 1, None), []);
    assert_eq!(
        license_issues(Some(5), 1, 0, 1, Some(30)),
        [LicenseIssue::Expiring(30)]
    );
    assert_eq!(license_issues(Some(5), 1, 0, 0, Some(31)), []);
}

#[test]
fn article_32_wants_a_signed_inspection_within_the_days() {
    let now = at("2026-12-01 09:00");
    let none = article_32(None, now, 30);
    assert_eq!(none.status, ArticleStatus::Findings);
    assert_eq!(none.findings[0].code, "no_recent_inspection");
    assert!(!none.evidence.is_empty());
    let old = article_32(Some(at("2026-10-01 09:00")), now, 30);
    assert_eq!(old.status, ArticleStatus::Findings);
    let recent = article_32(Some(at("2026-11-20 09:00")), now, 30);
    assert_eq!(recent.status, ArticleStatus::Ok);
    assert!(recent.evidence[0].contains("令和"));
}
