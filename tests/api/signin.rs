//! Signing in under attack: answers that do not tell which names exist, a
//! brake on guessing from one address, no login CSRF, idle sessions ending,
//! and nothing personal cached.

use crate::common::session::Browser;
use crate::common::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, body};
use daicho::db::schema::{sessions, users};
use diesel::prelude::*;
use serde_json::{Value, json};

/// (status, body) of a sign-in attempt, through a trusted proxy from a
/// client address of its own (so that the per-address brake stays out of it).
fn attempt(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    static CLIENT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = CLIENT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header(
            "x-forwarded-for",
            format!("10.20.{}.{}", n / 250, n % 250 + 1),
        )
        .json(&json!({ "username": username, "password": password }))
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap())
}

#[test]
fn known_and_unknown_names_get_the_same_answers_all_the_way_to_the_lock() {
    let app = TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]);
    let admin = app.admin();
    app.user(&admin, "sato", &["staff"], None);
    for n in 1..=7 {
        let known = attempt(&app, "sato", "Wrong-Passw0rd-1234");
        let unknown = attempt(&app, "sato-nobody", "Wrong-Passw0rd-1234");
        assert_eq!(
            known, unknown,
            "attempt {n}: a known and an unknown name differ"
        );
        let expected = if n < 5 { 401 } else { 423 };
        assert_eq!(known.0, expected, "attempt {n}: {:?}", known.1);
    }
    // Even the right password is refused while locked, with the same answer.
    let right = attempt(&app, "sato", USER_PASSWORD);
    assert_eq!(right, attempt(&app, "sato-nobody", USER_PASSWORD));
    assert_eq!(right.0, 423);
}

#[test]
fn guessing_from_one_address_is_slowed_with_429() {
    let app = TestApp::spawn();
    let mut statuses = Vec::new();
    for i in 0..12 {
        let r = app.login_response(&format!("guess{i}"), "Wrong-Passw0rd-1234");
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            let retry: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry), "Retry-After {retry}");
            assert_eq!(
                r.json::<Value>().unwrap()["error"]["code"],
                "too_many_attempts"
            );
        }
    }
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(&statuses[10..], &[429, 429], "{statuses:?}");
    // Refused before any work: the throttled attempts wrote no audit rows.
    let failed = app
        .audit_actions()
        .iter()
        .filter(|a| a.as_str() == "auth.login_failed")
        .count();
    assert_eq!(failed, 10);
    // Even the right password waits.
    assert_eq!(app.login_response("admin", ADMIN_PASSWORD).status(), 429);
}

#[test]
fn wrong_current_passwords_count_toward_the_lock() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let (id, token) = app.user(&admin, "suzuki", &["staff"], None);
    let change = |token: &str| {
        app.post(
            "/api/v1/auth/password",
            token,
            &json!({"current_password": "Wrong-Passw0rd-1234", "new_password": "Atarashii-Passw0rd-77"}),
        )
    };
    for n in 1..5 {
        let r = change(&token);
        assert_eq!(r.status(), 422, "attempt {n}");
        assert_eq!(body(r)["error"]["code"], "wrong_current_password");
    }
    let fifth = change(&token);
    assert_eq!(fifth.status(), 423, "{:?}", fifth.text());
    // The lock ended the session and holds for sign-in too.
    assert_eq!(app.get("/api/v1/me", &token).status(), 401);
    assert_eq!(app.login_response("suzuki", USER_PASSWORD).status(), 423);
    let mut conn = app.db();
    let locked: Option<chrono::NaiveDateTime> = users::table
        .find(id)
        .select(users::locked_until)
        .get_result(&mut conn)
        .unwrap();
    assert!(locked.is_some());
}

#[test]
fn a_login_form_posted_from_another_site_is_refused() {
    let app = TestApp::spawn();
    let form = [
        ("username", "admin"),
        ("password", ADMIN_PASSWORD),
        ("next", "/"),
    ];
    let foreign = app
        .client
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(foreign.headers().get("set-cookie").is_none());
    let ours = app
        .client
        .post(app.url("/login"))
        .header("origin", app.base.as_str())
        .form(&form)
        .send()
        .unwrap();
    assert_eq!(ours.status(), 303);
    assert!(ours.headers().get("set-cookie").is_some());
}

#[test]
fn a_session_unused_past_the_idle_limit_ends_on_pages_and_api() {
    let app = TestApp::spawn();
    let token = app.admin();
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("admin", ADMIN_PASSWORD).status(), 303);
    assert_eq!(browser.get("/users").status(), 200);
    assert_eq!(app.get("/api/v1/me", &token).status(), 200);

    // Both sessions were last used 31 minutes ago (the default limit is 30).
    let mut conn = app.db();
    let long_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(31);
    let aged = diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(long_ago))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(aged, 2);

    let api = app.get("/api/v1/me", &token);
    assert_eq!(api.status(), 401);
    let page = browser.get("/users");
    assert_eq!(page.status(), 303);
    assert!(
        page.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    // Signing in again starts a fresh session.
    let fresh = app.admin();
    assert_eq!(app.get("/api/v1/me", &fresh).status(), 200);
}

#[test]
fn a_session_in_use_stays_alive_and_its_use_is_recorded() {
    let app = TestApp::spawn();
    let token = app.admin();
    let mut conn = app.db();
    let nearly = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(29);
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(nearly))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(app.get("/api/v1/me", &token).status(), 200);
    let seen: chrono::NaiveDateTime = sessions::table
        .select(sessions::last_seen_at)
        .first(&mut conn)
        .unwrap();
    assert!(
        seen > nearly + chrono::TimeDelta::minutes(28),
        "the use moved the idle clock: {seen}"
    );
}

#[test]
fn nothing_personal_is_cached() {
    let app = TestApp::spawn();
    let token = app.admin();
    let login = app.login_response("admin", ADMIN_PASSWORD);
    assert_eq!(login.headers()["cache-control"], "no-store");
    assert_eq!(
        app.get("/api/v1/me", &token).headers()["cache-control"],
        "no-store"
    );
    let refused = app.client.get(app.url("/api/v1/me")).send().unwrap();
    assert_eq!(refused.headers()["cache-control"], "no-store");
    let mut browser = Browser::new(&app);
    browser.sign_in("admin", ADMIN_PASSWORD);
    assert_eq!(browser.get("/users").headers()["cache-control"], "no-store");
    // Public, unchanging things may still be cached.
    let keys = app
        .client
        .get(app.url("/api/v1/permits/keys"))
        .send()
        .unwrap();
    assert_ne!(keys.headers()["cache-control"], "no-store");
}
