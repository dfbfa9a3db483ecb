//! Bad input of every kind gets a clear 4xx and never a 5xx (CONTRACT.md, Errors).

use crate::common::{TestApp, assert_error};
use reqwest::Method;
use serde_json::json;

#[test]
fn malformed_oversized_unknown_and_wrong_types() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let raw = |body: &'static [u8]| {
        app.request(Method::POST, "/api/v1/departments", Some(&admin))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap()
    };
    assert_error(raw(b"{\"code\": "), 400, "malformed_json");
    assert_error(raw(b"not json at all"), 400, "malformed_json");
    let unknown = assert_error(
        raw(b"{\"code\": \"A\", \"name\": \"a\", \"is_admin\": true}"),
        422,
        "invalid_field",
    );
    assert!(
        unknown["error"]["fields"]["is_admin"].is_string(),
        "names the field: {unknown}"
    );
    let wrong = assert_error(
        raw(b"{\"code\": 12, \"name\": \"a\"}"),
        422,
        "invalid_field",
    );
    assert!(wrong["error"]["fields"]["code"].is_string());
    let missing = assert_error(raw(b"{\"code\": \"A\"}"), 422, "invalid_field");
    assert!(missing["error"]["fields"]["name"].is_string());

    let huge = json!({"code": "A", "name": "あ".repeat(100_000)});
    assert_error(
        app.post("/api/v1/departments", &admin, &huge),
        413,
        "payload_too_large",
    );
    let plain = app
        .request(Method::POST, "/api/v1/departments", Some(&admin))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .unwrap();
    assert_error(plain, 415, "unsupported_media_type");
    assert_error(app.get("/api/v1/no-such-thing", &admin), 404, "not_found");
    assert_error(
        app.get("/api/v1/users/not-a-number", &admin),
        404,
        "not_found",
    );
}

/// Odd values for every identity endpoint: none may produce a 5xx or a panic.
#[test]
fn odd_input_never_produces_a_server_error() {
    let app = TestApp::spawn();
    let admin = app.admin();
    // A separate user to patch and reset, so the admin's own session survives the run.
    let (target, _) = app.user(&admin, "target", &["staff"], None);
    let patch_path = format!("/api/v1/users/{target}");
    let reset_path = format!("/api/v1/users/{target}/reset-password");
    let long = "x".repeat(10_000);
    let odd_strings: Vec<serde_json::Value> = vec![
        json!(""),
        json!(" "),
        json!(long),
        json!("\u{0000}\u{0007}\u{001b}[31m"),
        json!("'; DROP TABLE users; --"),
        json!("\" OR 1=1 --"),
        json!("ｆｕｌｌ－ｗｉｄｔｈ"),
        json!("😀🏯"),
        json!("\u{202e}reversed"),
        json!(12345),
        json!(-1),
        json!(1.5e300),
        json!(true),
        json!(null),
        json!([]),
        json!({"nested": {"deep": [1, 2, 3]}}),
    ];
    let templates: Vec<(Method, &str, serde_json::Value)> = vec![
        (
            Method::POST,
            "/api/v1/auth/login",
            json!({"username": "nobody", "password": "x"}),
        ),
        (
            Method::POST,
            "/api/v1/auth/password",
            json!({"current_password": "x", "new_password": "y"}),
        ),
        (
            Method::POST,
            "/api/v1/departments",
            json!({"code": "A", "name": "b"}),
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"username": "u", "display_name": "d", "password": "p", "roles": ["staff"], "department_id": 1, "staff_number": "1", "birth_date": "2000-01-01"}),
        ),
        (
            Method::PATCH,
            &patch_path,
            json!({"display_name": "d", "roles": ["admin"], "department_id": 1, "active": true}),
        ),
        (Method::POST, &reset_path, json!({"password": "p"})),
    ];
    let mut tried = 0;
    for (method, path, template) in &templates {
        for field in template.as_object().unwrap().keys() {
            for value in &odd_strings {
                let mut body = template.clone();
                body[field] = value.clone();
                let status = app
                    .request(method.clone(), path, Some(&admin))
                    .json(&body)
                    .send()
                    .unwrap()
                    .status();
                assert!(
                    status.as_u16() < 500,
                    "{method} {path} with {field}={value} gave {status}"
                );
                tried += 1;
            }
        }
        for raw in [
            &b"\xff\xfe\x00"[..],
            b"{\"username\": \"\xc3\x28\"}",
            b"[",
            b"{}",
            b"null",
            b"{\"a\":1}{\"b\":2}",
        ] {
            let status = app
                .request(method.clone(), path, Some(&admin))
                .header("content-type", "application/json")
                .body(raw.to_vec())
                .send()
                .unwrap()
                .status();
            assert!(
                status.is_client_error() || status.is_success(),
                "{method} {path} raw {raw:?} gave {status}"
            );
        }
    }
    for query in [
        "page=-1",
        "page=abc",
        "per_page=0",
        "page=99999999999999999999",
        "actor_id=x",
        "from=%00",
    ] {
        let status = app.get(&format!("/api/v1/audit?{query}"), &admin).status();
        assert!(status.is_client_error(), "audit?{query} gave {status}");
        let status = app.get(&format!("/api/v1/users?{query}"), &admin).status();
        assert!(status.as_u16() < 500, "users?{query} gave {status}");
    }
    assert!(tried >= 250, "{tried} bodies tried");
    // After all that the service still works and the chain is whole.
    assert_eq!(app.verify(&admin)["ok"], true);
}

#[test]
fn empty_query_parameters_mean_no_filter() {
    let app = TestApp::spawn();
    let admin = app.admin();
    for path in [
        "/api/v1/movements/export.csv?state=&zone_id=&asset_tag=",
        "/api/v1/movements?state=&zone_id=&asset_tag=&page=",
        "/api/v1/equipment?q=&zone_id=&status=&kind=&per_page=",
        "/api/v1/permits?state=&zone_id=",
        "/api/v1/access-events/export.csv?zone_id=&from=&to=",
        "/api/v1/audit?entity_type=&entity_id=&actor_id=&from=&to=",
    ] {
        let r = app.get(path, &admin);
        assert_eq!(r.status(), 200, "{path}: {:?}", r.text());
    }
    // A filter that is given is still read, and still checked.
    let r = app.get("/api/v1/movements?zone_id=abc&state=", &admin);
    assert_eq!(r.status(), 422, "{:?}", r.text());
}
