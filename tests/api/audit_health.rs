//! The chain's health (第16条, issue 14 §3): a break found by any verification,
//! or by the background check on its own, shows as `daicho_audit_chain_ok 0`
//! and as a red warning on every page for admins and auditors, not others.

use crate::common::session::Browser;
use crate::common::{TestApp, USER_PASSWORD, eventually};
use diesel::connection::SimpleConnection;
use std::time::Duration;

const WARNING: &str = "監査ログの連鎖の検証に失敗しました";

fn metric(app: &TestApp) -> String {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    text.lines()
        .find(|l| l.starts_with("daicho_audit_chain_ok "))
        .unwrap_or_else(|| panic!("no daicho_audit_chain_ok in {text}"))
        .to_owned()
}

fn page(app: &TestApp, username: &str) -> String {
    let mut browser = Browser::new(app);
    browser.sign_in(username, USER_PASSWORD);
    browser.get("/").text().unwrap()
}

#[test]
fn a_broken_chain_shows_in_the_metric_and_to_auditors_only() {
    let app = TestApp::spawn();
    let admin = app.admin();
    app.user(&admin, "kansa", &["auditor"], None);
    app.user(&admin, "unyo", &["operator"], None);
    assert_eq!(app.verify(&admin)["ok"], true);
    assert_eq!(metric(&app), "daicho_audit_chain_ok 1");
    assert!(!page(&app, "kansa").contains(WARNING));

    let mut conn = app.disable_audit_guards();
    conn.batch_execute("UPDATE audit_events SET actor_name = 'someone' WHERE seq = 2")
        .unwrap();
    assert_eq!(app.verify(&admin)["ok"], false);
    assert_eq!(metric(&app), "daicho_audit_chain_ok 0");
    let auditor = page(&app, "kansa");
    assert!(auditor.contains(WARNING), "the auditor is warned");
    assert!(auditor.contains(r#"class="alert alarm" role="alert""#));
    assert!(!page(&app, "unyo").contains(WARNING), "not the operator");
}

#[test]
fn the_background_check_finds_a_change_to_what_it_verified() {
    let app = TestApp::spawn_with(|s| {
        s.audit_check_seconds = 1;
        // Scheduled checkpoints stay out of this test's way.
        s.audit_checkpoint_minutes = 0;
    });
    let admin = app.admin();
    app.user(&admin, "kansa", &["auditor"], None);
    eventually(Duration::from_secs(10), "a first check", || {
        metric(&app) == "daicho_audit_chain_ok 1"
    });
    // Let a check pass over the newest events first.
    std::thread::sleep(Duration::from_millis(1500));
    let mut conn = app.disable_audit_guards();
    conn.batch_execute(
        "UPDATE audit_events SET hash = 'ab' WHERE seq = (SELECT MAX(seq) FROM audit_events)",
    )
    .unwrap();
    eventually(Duration::from_secs(10), "the break noticed", || {
        metric(&app) == "daicho_audit_chain_ok 0"
    });
    assert!(page(&app, "kansa").contains(WARNING));
}
