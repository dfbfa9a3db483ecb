//! The period a report covers, and who may read it.

use super::report;
use crate::common::{TestApp, assert_error};
use crate::register::fixture;
use chrono::{TimeDelta, Utc};

#[test]
fn the_period_defaults_to_the_last_thirty_days_and_is_read_strictly() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let today = (Utc::now() + TimeDelta::hours(9)).date_naive();
    let r = report(&app, &admin, "");
    assert_eq!(r["to"], today.to_string());
    assert_eq!(r["from"], (today - TimeDelta::days(30)).to_string());
    assert!(
        chrono::DateTime::parse_from_rfc3339(r["as_of"].as_str().unwrap()).is_ok(),
        "{r}"
    );

    let r = report(&app, &admin, "?from=2026-01-01&to=2026-01-31");
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("2026-01-01"), Some("2026-01-31"))
    );
    // Blank parameters mean the default, as on every list.
    let r = report(&app, &admin, "?from=&to=2026-01-31");
    assert_eq!(r["from"], "2026-01-01");

    let bad = assert_error(
        app.get("/api/v1/reports/compliance?from=2026-02-30", &admin),
        422,
        "invalid_field",
    );
    assert!(
        bad["error"]["fields"]["from"]
            .as_str()
            .unwrap()
            .contains("日付は"),
        "{bad}"
    );
    let reversed = assert_error(
        app.get(
            "/api/v1/reports/compliance?from=2026-02-01&to=2026-01-31",
            &admin,
        ),
        422,
        "invalid_field",
    );
    assert!(
        reversed["error"]["fields"]["to"]
            .as_str()
            .unwrap()
            .contains("開始日"),
        "{reversed}"
    );
}

#[test]
fn operators_staff_and_guards_may_not_read_the_report() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let (_, guard) = app.user(&f.admin, "keibi", &["guard"], None);
    let (_, auditor) = app.user(&f.admin, "kansa", &["auditor"], None);
    for token in [&f.operator, &staff, &guard] {
        assert_error(
            app.get("/api/v1/reports/compliance", token),
            403,
            "forbidden",
        );
    }
    for token in [&f.admin, &f.manager, &auditor] {
        report(&app, token, "");
    }
}
