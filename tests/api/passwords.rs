//! 第11条 completely: digit runs of the staff number, the birth date in every
//! usual form, a strength estimate, no return of the last five passwords, and
//! a forced first change for the configured admin.

use crate::common::{
    ADMIN_INITIAL_PASSWORD, ADMIN_PASSWORD, TestApp, USER_PASSWORD, assert_error, body,
};
use serde_json::json;

fn change(app: &TestApp, token: &str, current: &str, new: &str) -> reqwest::blocking::Response {
    app.post(
        "/api/v1/auth/password",
        token,
        &json!({"current_password": current, "new_password": new}),
    )
}

#[test]
fn the_configured_admin_password_must_be_changed_at_first_sign_in() {
    let app = TestApp::spawn_fresh_with(|_| {});
    let login = body(app.login_response("admin", ADMIN_INITIAL_PASSWORD));
    assert_eq!(login["password_change_required"], true);
    let limited = login["token"].as_str().unwrap();
    assert_error(
        app.get("/api/v1/users", limited),
        403,
        "password_change_required",
    );
    // Nor may the change keep it.
    assert_error(
        change(
            &app,
            limited,
            ADMIN_INITIAL_PASSWORD,
            ADMIN_INITIAL_PASSWORD,
        ),
        422,
        "weak_password",
    );
    assert_eq!(
        change(&app, limited, ADMIN_INITIAL_PASSWORD, ADMIN_PASSWORD).status(),
        204
    );
    let full = app.admin();
    assert_eq!(app.get("/api/v1/users", &full).status(), 200);
}

#[test]
fn guessable_passwords_are_refused() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let cases = [
        ("Blue-Kettle-12345", "a run of the staff number A12345"),
        ("Blue-Kettle-2345x", "four digits of the staff number"),
        ("Blue-Kettle-0412x", "the birth date as mmdd"),
        ("Blue-Kettle-600412", "the birth date as 和暦 yymmdd"),
        (
            "Blue-Kettle-S600412",
            "the birth date with the era's letter",
        ),
        ("Blue-Kettle-昭和60年4月12日", "the birth date in 和暦"),
        (
            "Blue-Kettle-１９８５／４／１２",
            "the birth date in full-width digits",
        ),
        ("Blue-Kettle-04/12/1985", "the birth date month first"),
        ("password654321", "a common password"),
        ("aaaaaaaaaaaa", "one letter repeated"),
    ];
    for (password, why) in cases {
        let response = app.post(
            "/api/v1/users",
            &admin,
            &json!({
                "username": "tanaka", "display_name": "田中 一郎", "password": password,
                "roles": ["staff"], "staff_number": "A12345", "birth_date": "1985-04-12",
            }),
        );
        let error = assert_error(response, 422, "weak_password");
        assert!(
            error["error"]["fields"]["password"].is_string(),
            "{why}: {error}"
        );
    }
    // The same rules on an admin's reset and on the user's own change.
    let (id, token) = app.user(&admin, "suzuki", &["staff"], None);
    let patched = app.patch(
        &format!("/api/v1/users/{id}"),
        &admin,
        &json!({"staff_number": "A12345", "birth_date": "1985-04-12"}),
    );
    assert_eq!(patched.status(), 200);
    let token = if app.get("/api/v1/me", &token).status() == 200 {
        token
    } else {
        app.login("suzuki", USER_PASSWORD)
    };
    for password in ["Blue-Kettle-12345", "Blue-Kettle-H600412", "password654321"] {
        assert_error(
            app.post(
                &format!("/api/v1/users/{id}/reset-password"),
                &admin,
                &json!({ "password": password }),
            ),
            422,
            "weak_password",
        );
    }
    for password in ["Blue-Kettle-S600412", "aaaaaaaaaaaa"] {
        assert_error(
            change(&app, &token, USER_PASSWORD, password),
            422,
            "weak_password",
        );
    }
    // Three digits of the number are a fragment any password may hold.
    assert_eq!(
        change(&app, &token, USER_PASSWORD, "Blue-Kettle-123-Moss").status(),
        204
    );
}

#[test]
fn the_last_five_passwords_cannot_come_back() {
    let app = TestApp::spawn();
    let admin = app.admin();
    // USER_PASSWORD follows the admin's initial "Shoki-Passw0rd-9999".
    let (id, token) = app.user(&admin, "kimura", &["staff"], None);
    let initial = "Shoki-Passw0rd-9999";
    assert_error(
        change(&app, &token, USER_PASSWORD, initial),
        422,
        "weak_password",
    );
    let next = [
        "Violet-Harbor-2031",
        "Amber-Lantern-2032",
        "Silver-Meadow-2033",
        "Copper-Canyon-2034",
    ];
    let mut current = USER_PASSWORD.to_owned();
    let mut token = token;
    for new in next {
        assert_eq!(change(&app, &token, &current, new).status(), 204, "{new}");
        token = app.login("kimura", new);
        // The one before is refused at once.
        let refused = assert_error(change(&app, &token, new, &current), 422, "weak_password");
        assert!(refused["error"]["fields"]["new_password"].is_string());
        current = new.to_owned();
    }
    // An admin's reset is held to the same history.
    assert_error(
        app.post(
            &format!("/api/v1/users/{id}/reset-password"),
            &admin,
            &json!({ "password": USER_PASSWORD }),
        ),
        422,
        "weak_password",
    );
    // Five changes on, the admin's initial password has left the history of five.
    assert_eq!(change(&app, &token, &current, initial).status(), 204);
}
