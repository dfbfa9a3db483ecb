//! 第11条・第17条 and 第18条 in the report: expired passwords, accounts unused
//! for 90 days (last sign-in from the audit chain), locked accounts, and who
//! holds admin and security-manager rights.

use super::{article, codes, evidence, report, with_code};
use crate::common::{TestApp, body};
use crate::register::fixture;
use daicho::db::schema::users;
use diesel::prelude::*;
use serde_json::json;

/// An account registered 100 days ago that nobody has signed in with since.
fn dormant(app: &TestApp, admin: &str, username: &str, roles: &[&str]) -> i64 {
    let made = app.post(
        "/api/v1/users",
        admin,
        &json!({"username": username, "display_name": format!("{username} 氏名"),
                "password": "Shoki-Passw0rd-9999", "roles": roles}),
    );
    assert_eq!(made.status(), 201, "{:?}", made.text());
    let id = body(made)["id"].as_i64().unwrap();
    let long_ago = daicho::db::now() - chrono::TimeDelta::days(100);
    diesel::update(users::table.find(id))
        .set((
            users::created_at.eq(long_ago),
            users::password_changed_at.eq(daicho::db::now()),
        ))
        .execute(&mut app.db())
        .unwrap();
    id
}

#[test]
fn an_account_unused_for_ninety_days_is_a_finding_until_it_signs_in() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let r = report(&app, &f.admin, "");
    let a = article(&r, "第11条・第17条");
    assert_eq!(a["status"], "ok", "{a}");
    assert!(evidence(a).contains("パスワード有効期限 90日"), "{a}");

    let id = dormant(&app, &f.admin, "kyushoku", &["staff"]);
    let r = report(&app, &f.admin, "");
    let a = article(&r, "第11条・第17条");
    let found = with_code(a, "account_unused");
    assert_eq!(found.len(), 1, "{a}");
    assert_eq!(found[0]["entity_id"], id.to_string());
    assert_eq!(found[0]["link"], format!("/users/{id}/edit"));
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("ログインなし")
    );
    // Not an admin: 第18条 has nothing to say about it.
    assert_eq!(article(&r, "第18条")["status"], "ok");

    // A sign-in (even one that must change its password first) is use.
    app.login("kyushoku", "Shoki-Passw0rd-9999");
    let r = report(&app, &f.admin, "");
    assert!(with_code(article(&r, "第11条・第17条"), "account_unused").is_empty());
}

#[test]
fn a_locked_account_is_a_finding() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    for _ in 0..5 {
        app.login_response("unyo", "wrong-password-123");
    }
    let r = report(&app, &f.admin, "");
    let a = article(&r, "第11条・第17条");
    assert_eq!(codes(a), ["account_locked"], "{a}");
    assert!(evidence(a).contains("ロック中 1名"), "{a}");
}

#[test]
fn admins_and_security_managers_are_listed_and_an_idle_admin_is_a_finding() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let r = report(&app, &f.admin, "");
    let a18 = article(&r, "第18条");
    assert_eq!(a18["status"], "ok", "{a18}");
    let listed = evidence(a18);
    assert!(listed.contains("システム管理者 1名："), "{listed}");
    assert!(listed.contains("（admin）"), "{listed}");
    assert!(listed.contains("kacho 氏名（kacho）"), "{listed}");

    let id = dormant(&app, &f.admin, "kanri2", &["admin"]);
    let r = report(&app, &f.admin, "");
    let a18 = article(&r, "第18条");
    assert!(evidence(a18).contains("システム管理者 2名："), "{a18}");
    let found = with_code(a18, "admin_unused");
    assert_eq!(found.len(), 1, "{a18}");
    assert_eq!(found[0]["api"], format!("/api/v1/users/{id}"));
}
