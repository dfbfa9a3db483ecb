//! Identity: sign-in, lockout, password rules and expiry, users, departments, roles.

use crate::common::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, assert_error, body};
use daicho::db::schema::users;
use diesel::prelude::*;
use serde_json::json;

#[test]
fn admin_signs_in_and_sees_itself() {
    let app = TestApp::spawn();
    let response = app.login_response("admin", ADMIN_PASSWORD);
    assert_eq!(response.status(), 200);
    let login = body(response);
    assert_eq!(login["password_change_required"], false);
    assert_eq!(login["user"]["username"], "admin");
    assert_eq!(login["user"]["roles"], json!(["admin"]));
    assert!(login["expires_at"].as_str().unwrap().ends_with("+09:00"));
    let me = body(app.get("/api/v1/me", login["token"].as_str().unwrap()));
    assert_eq!(me["username"], "admin");
    assert_eq!(me["display_name"], "システム管理者");
}

#[test]
fn wrong_credentials_are_refused_and_recorded() {
    let app = TestApp::spawn();
    assert_error(
        app.login_response("admin", "wrong-password-123"),
        401,
        "invalid_credentials",
    );
    assert_error(
        app.login_response("nobody", "wrong-password-123"),
        401,
        "invalid_credentials",
    );
    let failures = app
        .audit_actions()
        .iter()
        .filter(|a| *a == "auth.login_failed")
        .count();
    assert_eq!(failures, 2, "each failure is recorded");
}

#[test]
fn five_failures_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn();
    for _ in 0..4 {
        assert_error(
            app.login_response("admin", "wrong-password-123"),
            401,
            "invalid_credentials",
        );
    }
    assert_error(
        app.login_response("admin", "wrong-password-123"),
        423,
        "account_locked",
    );
    // Even the right password is refused while locked.
    assert_error(
        app.login_response("admin", ADMIN_PASSWORD),
        423,
        "account_locked",
    );
    let actions = app.audit_actions();
    assert_eq!(
        actions.iter().filter(|a| *a == "auth.login_failed").count(),
        5
    );
    assert!(actions.iter().any(|a| a == "auth.login_refused"));
    // Once the lock has passed, the right password works again.
    let mut conn = app.db();
    let past = daicho::db::now() - chrono::TimeDelta::minutes(1);
    diesel::update(users::table.filter(users::username.eq("admin")))
        .set(users::locked_until.eq(Some(past)))
        .execute(&mut conn)
        .unwrap();
    app.login("admin", ADMIN_PASSWORD);
}

#[test]
fn a_user_created_by_an_admin_must_change_the_password_first() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let created = app.post(
        "/api/v1/users",
        &admin,
        &json!({"username": "Sato", "display_name": "佐藤 花子", "password": "Shoki-Passw0rd-1111", "roles": ["staff"]}),
    );
    assert_eq!(created.status(), 201);
    let created = body(created);
    assert_eq!(
        created["username"], "sato",
        "login names are stored in lower case"
    );
    assert_eq!(created["password_change_required"], true);
    assert!(created.get("password_hash").is_none());

    let login = body(app.login_response("sato", "Shoki-Passw0rd-1111"));
    assert_eq!(login["password_change_required"], true);
    let limited = login["token"].as_str().unwrap();
    assert_error(
        app.get("/api/v1/me", limited),
        403,
        "password_change_required",
    );
    assert_error(
        app.get("/api/v1/departments", limited),
        403,
        "password_change_required",
    );

    let weak = app.post(
        "/api/v1/auth/password",
        limited,
        &json!({"current_password": "Shoki-Passw0rd-1111", "new_password": "short"}),
    );
    let weak = assert_error(weak, 422, "weak_password");
    assert!(weak["error"]["fields"]["new_password"].is_string());

    let ok = app.post(
        "/api/v1/auth/password",
        limited,
        &json!({"current_password": "Shoki-Passw0rd-1111", "new_password": USER_PASSWORD}),
    );
    assert_eq!(ok.status(), 204);
    // The change ends every session, the limited one included.
    assert_error(app.get("/api/v1/me", limited), 401, "unauthorized");
    let full = app.login("sato", USER_PASSWORD);
    assert_eq!(body(app.get("/api/v1/me", &full))["username"], "sato");
}

#[test]
fn passwords_follow_article_11() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let cases = [
        ("Tanaka-2026-pass", "contains the login"),
        ("x-778899-long-pass", "contains the staff number"),
        ("born19800412here", "contains the birth date"),
        ("born-1980-04-12!", "contains the birth date with dashes"),
        ("elevenchars", "shorter than 12"),
    ];
    for (password, why) in cases {
        let response = app.post(
            "/api/v1/users",
            &admin,
            &json!({
                "username": "tanaka", "display_name": "田中", "password": password, "roles": ["staff"],
                "staff_number": "778899", "birth_date": "1980-04-12",
            }),
        );
        let error = assert_error(response, 422, "weak_password");
        assert!(
            error["error"]["fields"]["password"].is_string(),
            "{why}: {error}"
        );
    }
    let (id, token) = app.user(&admin, "suzuki", &["staff"], None);
    let change = app.post(
        "/api/v1/auth/password",
        &token,
        &json!({"current_password": USER_PASSWORD, "new_password": "suzuki-password-1"}),
    );
    assert_error(change, 422, "weak_password");
    let wrong_current = app.post(
        "/api/v1/auth/password",
        &token,
        &json!({"current_password": "not-the-password", "new_password": "Another-Passw0rd-1"}),
    );
    assert_error(wrong_current, 422, "wrong_current_password");
    assert!(id > 1);
}

#[test]
fn an_old_password_must_be_changed() {
    let app = TestApp::spawn_with(|s| s.password_max_age_days = 90);
    let admin = app.admin();
    let (id, _) = app.user(&admin, "kato", &["operator"], None);
    let mut conn = app.db();
    let old = daicho::db::now() - chrono::TimeDelta::days(91);
    diesel::update(users::table.find(id))
        .set(users::password_changed_at.eq(old))
        .execute(&mut conn)
        .unwrap();
    let login = body(app.login_response("kato", USER_PASSWORD));
    assert_eq!(login["password_change_required"], true);
    assert_error(
        app.get("/api/v1/me", login["token"].as_str().unwrap()),
        403,
        "password_change_required",
    );
}

#[test]
fn roles_decide_who_may_do_what() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let (_, staff) = app.user(&admin, "staff1", &["staff"], None);
    let (_, auditor) = app.user(&admin, "auditor1", &["auditor"], None);
    assert_error(
        app.post(
            "/api/v1/departments",
            &staff,
            &json!({"code": "X", "name": "x"}),
        ),
        403,
        "forbidden",
    );
    assert_error(
        app.post("/api/v1/users", &staff, &json!({"username": "x", "display_name": "x", "password": "Long-enough-pass1", "roles": ["admin"]})),
        403,
        "forbidden",
    );
    assert_error(app.get("/api/v1/users", &staff), 403, "forbidden");
    assert_eq!(app.get("/api/v1/users", &auditor).status(), 200);
    assert_error(
        app.post(
            "/api/v1/departments",
            &auditor,
            &json!({"code": "X", "name": "x"}),
        ),
        403,
        "forbidden",
    );
    assert_error(app.get("/api/v1/audit", &staff), 403, "forbidden");
    assert_eq!(app.get("/api/v1/audit", &auditor).status(), 200);
    // No token, a bad token.
    assert_error(
        app.request(reqwest::Method::GET, "/api/v1/me", None)
            .send()
            .unwrap(),
        401,
        "unauthorized",
    );
    assert_error(app.get("/api/v1/me", "garbage"), 401, "unauthorized");
}

#[test]
fn departments_and_users_are_managed_by_the_admin() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let dept = app.department(&admin, "joho", "情報政策課");
    let list = body(app.get("/api/v1/departments", &admin));
    assert_eq!(list[0]["code"], "JOHO");
    assert_error(
        app.post(
            "/api/v1/departments",
            &admin,
            &json!({"code": "JOHO", "name": "重複"}),
        ),
        409,
        "duplicate_code",
    );
    let bad = assert_error(
        app.post(
            "/api/v1/departments",
            &admin,
            &json!({"code": "情報", "name": ""}),
        ),
        422,
        "invalid_field",
    );
    assert!(
        bad["error"]["fields"]["code"].is_string() && bad["error"]["fields"]["name"].is_string()
    );

    let (id, token) = app.user(&admin, "yamada", &["staff"], Some(dept));
    assert_error(
        app.post("/api/v1/users", &admin, &json!({"username": "YAMADA", "display_name": "x", "password": "Long-enough-pass1", "roles": ["staff"]})),
        409,
        "duplicate_username",
    );
    let patched = body(app.patch(
        &format!("/api/v1/users/{id}"),
        &admin,
        &json!({"display_name": "山田 太郎", "roles": ["operator", "staff"]}),
    ));
    assert_eq!(patched["display_name"], "山田 太郎");
    assert_eq!(patched["roles"], json!(["operator", "staff"]));
    assert_eq!(
        patched["department_id"], dept,
        "an absent field is left alone"
    );
    // A role change ends the user's sessions.
    assert_error(app.get("/api/v1/me", &token), 401, "unauthorized");
    let cleared = body(app.patch(
        &format!("/api/v1/users/{id}"),
        &admin,
        &json!({"department_id": null}),
    ));
    assert!(cleared["department_id"].is_null(), "null clears a field");

    let token = app.login("yamada", crate::common::USER_PASSWORD);
    let off = body(app.patch(
        &format!("/api/v1/users/{id}"),
        &admin,
        &json!({"active": false}),
    ));
    assert_eq!(off["active"], false);
    assert_error(app.get("/api/v1/me", &token), 401, "unauthorized");
    assert_error(
        app.login_response("yamada", crate::common::USER_PASSWORD),
        401,
        "invalid_credentials",
    );

    let listed = body(app.get("/api/v1/users?page=1&per_page=1", &admin));
    assert_eq!(listed["total"], 2);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        (listed["page"].as_i64(), listed["per_page"].as_i64()),
        (Some(1), Some(1))
    );
    assert_error(
        app.get("/api/v1/users?per_page=500", &admin),
        422,
        "invalid_field",
    );
    assert_error(app.get("/api/v1/users/99999", &admin), 404, "not_found");
}

#[test]
fn the_last_admin_cannot_be_removed_and_resets_force_a_change() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let me = body(app.get("/api/v1/me", &admin))["id"].as_i64().unwrap();
    assert_error(
        app.patch(
            &format!("/api/v1/users/{me}"),
            &admin,
            &json!({"active": false}),
        ),
        409,
        "last_admin",
    );
    assert_error(
        app.patch(
            &format!("/api/v1/users/{me}"),
            &admin,
            &json!({"roles": ["auditor"]}),
        ),
        409,
        "last_admin",
    );

    let (id, _) = app.user(&admin, "ito", &["guard"], None);
    let reset = app.post(
        &format!("/api/v1/users/{id}/reset-password"),
        &admin,
        &json!({"password": "Reset-Passw0rd-42"}),
    );
    assert_eq!(reset.status(), 200);
    assert_eq!(
        body(app.login_response("ito", "Reset-Passw0rd-42"))["password_change_required"],
        true
    );
    assert_error(
        app.post(
            &format!("/api/v1/users/{id}/reset-password"),
            &admin,
            &json!({"password": "ito-is-weak-1234"}),
        ),
        422,
        "weak_password",
    );
}

#[test]
fn every_change_is_in_the_audit_chain() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let dept = app.department(&admin, "SOMU", "総務課");
    let (id, _) = app.user(&admin, "kimura", &["staff"], Some(dept));
    app.patch(
        &format!("/api/v1/users/{id}"),
        &admin,
        &json!({"display_name": "木村"}),
    );
    let actions = app.audit_actions();
    for expected in [
        "user.create",
        "auth.login",
        "department.create",
        "user.password_change",
        "user.update",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
    let history = body(app.get(
        &format!("/api/v1/audit?entity_type=user&entity_id={id}"),
        &admin,
    ));
    let kinds: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.first(),
        Some(&"user.update"),
        "newest first: {kinds:?}"
    );
    assert!(kinds.contains(&"user.create"));
    let update = &history["items"][0];
    assert_eq!(update["detail"]["after"]["display_name"], "木村");
    assert_eq!(update["detail"]["before"]["display_name"], "kimura 氏名");
    assert!(
        !history.to_string().contains("Passw0rd"),
        "no password ever reaches the log"
    );
    assert_eq!(app.verify(&admin)["ok"], true);
}
