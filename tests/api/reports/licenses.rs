//! 第15条 in the report: licenses ending within 30 days, and software still
//! installed on licenses that have all ended.

use super::{article, codes, evidence, report, with_code};
use crate::common::TestApp;
use crate::licenses::{add_device, install, license, software};
use crate::register::fixture;
use chrono::{TimeDelta, Utc};

fn in_days(days: i64) -> Option<String> {
    Some(((Utc::now() + TimeDelta::hours(9)).date_naive() + TimeDelta::days(days)).to_string())
}

#[test]
fn ending_and_ended_licenses_are_findings_and_a_distant_end_is_not() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    let ending = software(&app, &f.manager, "Office");
    let ended = software(&app, &f.manager, "Acrobat");
    let distant = software(&app, &f.manager, "Visio");
    license(&app, &f, ending, 5, in_days(10));
    license(&app, &f, ended, 5, in_days(-3));
    license(&app, &f, distant, 5, in_days(31));
    let r = report(&app, &f.manager, "");
    let a15 = article(&r, "第15条");
    // Nothing installed yet: an ended license alone is no finding.
    assert_eq!(codes(a15), ["license_expiring"], "{a15}");
    let found = with_code(a15, "license_expiring");
    assert_eq!(found[0]["entity_id"], ending.to_string());
    assert_eq!(found[0]["link"], format!("/licenses#software-{ending}"));
    assert!(
        found[0]["message"].as_str().unwrap().contains("10 日"),
        "{a15}"
    );

    for id in [ending, ended, distant] {
        install(&app, &f.operator, "PC-001", id, "2024", None);
    }
    let r = report(&app, &f.manager, "");
    let a15 = article(&r, "第15条");
    let mut found = codes(a15);
    found.sort();
    assert_eq!(
        found,
        ["expired_license_installed", "license_expiring"],
        "{a15}"
    );
    assert_eq!(
        with_code(a15, "expired_license_installed")[0]["entity_id"],
        ended.to_string()
    );
    assert!(
        evidence(a15).contains("ソフトウェア 3製品、導入 3台"),
        "{a15}"
    );
}
