//! 第16条, 第30条 and 第32条 in the report: the chain verified, who read the
//! audit log and the 入退室記録 in the period (reads of both are recorded), and
//! the last signed inspection.

use super::{article, codes, evidence, report, with_code};
use crate::common::TestApp;
use crate::register::fixture;
use serde_json::json;

#[test]
fn reading_the_access_log_is_recorded_on_the_list_and_the_csv() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let before = app.audit_actions().len();
    assert_eq!(app.get("/api/v1/access-events", &f.manager).status(), 200);
    assert_eq!(
        app.get("/api/v1/access-events/export.csv", &f.admin)
            .status(),
        200
    );
    let after = app.audit_actions();
    assert_eq!(
        after[before..]
            .iter()
            .filter(|a| *a == "access.log_read")
            .count(),
        2,
        "{after:?}"
    );
    // A refused read records nothing.
    assert_eq!(app.get("/api/v1/access-events", &f.operator).status(), 403);
    assert_eq!(app.audit_actions().len(), after.len());
}

#[test]
fn the_log_readers_of_the_period_are_evidence_and_one_without_the_role_a_finding() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let r = report(&app, &f.admin, "");
    let a30 = article(&r, "第30条");
    assert_eq!(a30["status"], "ok");
    assert!(evidence(a30).contains("閲覧 なし"), "{a30}");

    assert_eq!(app.get("/api/v1/audit", &f.admin).status(), 200);
    assert_eq!(app.get("/api/v1/access-events", &f.manager).status(), 200);
    let r = report(&app, &f.admin, "");
    let a30 = article(&r, "第30条");
    assert_eq!(a30["status"], "ok", "{a30}");
    let readers = evidence(a30);
    assert!(readers.contains("監査ログの閲覧 1回"), "{readers}");
    assert!(
        readers.contains("kacho 氏名（kacho）：入退室記録の閲覧 1回"),
        "{readers}"
    );

    // The manager read the access log, and no longer holds a role that reads it.
    let demoted = app.patch(
        &format!("/api/v1/users/{}", f.manager_id),
        &f.admin,
        &json!({"roles": ["staff"]}),
    );
    assert_eq!(demoted.status(), 200, "{:?}", demoted.text());
    let r = report(&app, &f.admin, "");
    let a30 = article(&r, "第30条");
    assert_eq!(codes(a30), ["log_read_by_non_auditor"], "{a30}");
    let found = with_code(a30, "log_read_by_non_auditor");
    assert_eq!(found[0]["entity_id"], f.manager_id.to_string());

    // Outside the period, nobody read anything.
    let old = report(&app, &f.admin, "?from=2026-01-01&to=2026-01-31");
    assert_eq!(article(&old, "第30条")["status"], "ok");
    assert!(evidence(article(&old, "第30条")).contains("閲覧 なし"));
}

#[test]
fn the_chain_is_evidence_and_no_signed_inspection_is_a_finding() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let r = report(&app, &admin, "");
    let a16 = article(&r, "第16条");
    assert_eq!(a16["status"], "ok");
    assert!(evidence(a16).contains("改ざん検証 正常"), "{a16}");
    let a32 = article(&r, "第32条");
    assert_eq!(codes(a32), ["no_recent_inspection"], "{a32}");
    assert!(
        with_code(a32, "no_recent_inspection")[0]["message"]
            .as_str()
            .unwrap()
            .contains("30日"),
        "{a32}"
    );
    let app = TestApp::spawn_with(|s| s.inspection_days = 7);
    let admin = app.admin();
    let r = report(&app, &admin, "");
    assert!(evidence(article(&r, "第32条")).contains("7日以内"));
}
