//! Forms as people fill them in (issue 13 items 8–10): numbers as an IME
//! types them, limits the inputs know, dates in the past and in words.

use crate::common::session::Browser;
use crate::common::{TestApp, USER_PASSWORD, body};
use crate::register::{device, fixture};
use reqwest::Method;
use serde_json::json;

fn signed_in<'a>(app: &'a TestApp, username: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    assert_eq!(browser.sign_in(username, USER_PASSWORD).status(), 303);
    browser
}

fn location(response: &reqwest::blocking::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[test]
fn numbers_typed_with_an_ime_are_read_in_every_form_and_the_import() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let operator = signed_in(&app, "unyo");
    let csrf = operator.csrf("/equipment/new");
    let (dept, zone) = (f.dept.to_string(), f.zone.to_string());
    let created = operator.post(
        "/equipment/new",
        &[
            ("csrf", csrf.as_str()),
            ("asset_tag", "SRV-010"),
            ("name", "基幹サーバ"),
            ("kind", "server"),
            ("department_id", dept.as_str()),
            ("zone_id", zone.as_str()),
            ("classification", "secret"),
            ("status", "in_service"),
            ("required_shutdown_min", "１０"),
        ],
    );
    assert_eq!(created.status(), 303, "停止時間「１０」 is ten minutes");
    let device_now = body(app.get("/api/v1/equipment/SRV-010", &f.operator));
    assert_eq!(device_now["required_shutdown_min"], 10);

    // 数量「２」 and 「３８，５００」円 on the license form; the price reads with separators.
    let manager = signed_in(&app, "kacho");
    let software = body(app.post(
        "/api/v1/software",
        &f.admin,
        &json!({"name": "Office", "vendor": "Microsoft"}),
    ))["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let csrf = manager.csrf("/licenses");
    let license = manager.post(
        "/licenses/new",
        &[
            ("csrf", csrf.as_str()),
            ("software_id", software.as_str()),
            ("kind", "device"),
            ("seats", "２"),
            ("purchase_price_yen", "３８，５００"),
            ("valid_from", ""),
            ("valid_until", ""),
            ("certificate_number", ""),
            ("purchased_on", ""),
            ("purchased_from", ""),
            ("notes", ""),
            ("department_id", dept.as_str()),
        ],
    );
    assert_eq!(license.status(), 303, "{:?}", license.text());
    let page = manager.get("/licenses").text().unwrap();
    assert!(page.contains("38,500円"), "the price with its separator");
    let bad = manager.post(
        "/licenses/new",
        &[
            ("csrf", csrf.as_str()),
            ("software_id", software.as_str()),
            ("kind", "device"),
            ("seats", "1,2"),
            ("purchase_price_yen", ""),
            ("valid_from", ""),
            ("valid_until", ""),
            ("certificate_number", ""),
            ("purchased_on", ""),
            ("purchased_from", ""),
            ("notes", ""),
            ("department_id", dept.as_str()),
        ],
    );
    assert_eq!(
        bad.status(),
        422,
        "a separator out of place is not a number"
    );

    // The import (numbers arrive as text there too): 「２０」 minutes.
    let export = app.get("/api/v1/equipment/export.csv", &f.operator);
    let text = export.text().unwrap();
    let mut lines: Vec<String> = text
        .trim_start_matches('\u{FEFF}')
        .lines()
        .map(str::to_owned)
        .collect();
    let column = lines[0]
        .split(',')
        .position(|h| h == "必要停止時間（分）")
        .unwrap();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
    cells[column] = "２０".to_owned();
    lines[1] = cells.join(",");
    let imported = app
        .request(Method::POST, "/api/v1/equipment/import", Some(&f.operator))
        .header("content-type", "text/csv")
        .body(lines.join("\r\n"))
        .send()
        .unwrap();
    assert_eq!(imported.status(), 200, "{:?}", imported.text());
    let device_now = body(app.get("/api/v1/equipment/SRV-010", &f.operator));
    assert_eq!(device_now["required_shutdown_min"], 20);
}

#[test]
fn an_oversized_field_comes_back_as_the_form_with_the_error_beside_it() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-020", &f));
    let operator = signed_in(&app, "unyo");
    let form = operator.get("/movements/new").text().unwrap();
    assert!(
        form.contains(r#"name="reason" maxlength="500""#),
        "the input knows the server's limit"
    );
    assert!(form.contains(r#"name="destination" maxlength="200""#));
    let csrf = operator.csrf("/movements/new");
    let zone = f.zone.to_string();
    let long = "あ".repeat(10_000);
    let response = operator.post(
        "/movements/new",
        &[
            ("csrf", csrf.as_str()),
            ("direction", "out"),
            ("asset_tag", "SRV-020"),
            ("zone_id", zone.as_str()),
            ("reason", long.as_str()),
            ("planned_at", "2099-12-01"),
        ],
    );
    assert_eq!(response.status(), 422, "not a bare 413");
    let html = response.text().unwrap();
    assert!(
        html.contains("500文字以内で入力してください"),
        "the error beside the field"
    );
    assert!(html.contains(&long), "what was typed is kept");
    assert!(html.contains("<form"), "the form itself comes back");
}

#[test]
fn carry_outs_are_not_planned_in_the_past_and_dates_are_explained_in_japanese() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-030", &f));
    let plan = |planned_at: &str| {
        json!({"direction": "out", "asset_tag": "SRV-030", "zone_id": f.zone, "reason": "修理",
               "planned_at": planned_at, "return_due": "2099-12-20"})
    };
    let past = body(app.post("/api/v1/movements", &f.operator, &plan("2020-01-01")));
    let message = past["error"]["fields"]["planned_at"]
        .as_str()
        .unwrap_or_else(|| panic!("{past}"));
    assert!(message.contains("過ぎています"), "{message}");

    let garbled = body(app.post("/api/v1/movements", &f.operator, &plan("soon")));
    let message = garbled["error"]["fields"]["planned_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::hours(9 + 24))
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        message.contains(&format!("例：{tomorrow} 09:00")) && !message.contains("RFC"),
        "a future example in Japanese: {message}"
    );
    let permit = body(app.post(
        "/api/v1/permits",
        &f.operator,
        &json!({"zone_id": f.zone, "purpose": "保守", "valid_from": "明日", "valid_until": "2099-12-02"}),
    ));
    let message = permit["error"]["fields"]["valid_from"]
        .as_str()
        .unwrap_or_else(|| panic!("{permit}"));
    assert!(message.contains("例："), "{message}");

    // 「2099-12-01 09:00」 as people write it; a date alone shows no 00:00:00.
    let at_nine = app.post("/api/v1/movements", &f.operator, &plan("2099-12-01 09:00"));
    assert_eq!(at_nine.status(), 201);
    let laptop = json!({"direction": "in", "item_description": "保守用ノートPC", "zone_id": f.zone,
                        "reason": "保守", "planned_at": "2099-12-01"});
    let created = body(app.post("/api/v1/movements", &f.operator, &laptop));
    let id = created["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{created}"));
    let operator = signed_in(&app, "unyo");
    let html = operator.get(&format!("/movements/{id}")).text().unwrap();
    assert!(html.contains("12月1日"), "the planned day is shown");
    assert!(!html.contains("00:00:00"), "no midnight on a date");
}

#[test]
fn every_page_has_its_icon() {
    let app = TestApp::spawn();
    let icon = app.client.get(app.url("/favicon.ico")).send().unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/x-icon");
    let bytes = icon.bytes().unwrap();
    assert_eq!(&bytes[..4], &[0, 0, 1, 0], "an ICO");
    assert_eq!(&bytes[22..26], b"\x89PNG", "holding a PNG");
}

#[test]
fn each_successful_action_leaves_a_notice_for_the_next_page() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let operator = signed_in(&app, "unyo");
    let csrf = operator.csrf("/equipment/new");
    let (dept, zone) = (f.dept.to_string(), f.zone.to_string());
    let created = operator.post(
        "/equipment/new",
        &[
            ("csrf", csrf.as_str()),
            ("asset_tag", "SRV-040"),
            ("name", "基幹サーバ"),
            ("kind", "server"),
            ("department_id", dept.as_str()),
            ("zone_id", zone.as_str()),
            ("classification", "secret"),
        ],
    );
    assert_eq!(created.status(), 303);
    assert_eq!(location(&created), "/equipment/SRV-040");
    let cookie = created.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("daicho_notice=%E6%A9%9F%E5%99%A8%20SRV-040"),
        "「機器 SRV-040 を登録しました。」 rides with the redirect: {cookie}"
    );
    let page = operator.get("/equipment/SRV-040").text().unwrap();
    assert!(page.contains(r#"id="notice" class="notice" role="status""#));
    assert!(page.contains(r##"class="skip-link" href="#main""##));
}
