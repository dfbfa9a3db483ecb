//! Stocktaking (棚卸): campaigns per zone, every scan result, the manager's sign-off, the kept
//! report; and the operator's journey in headless Chromium on a phone-sized window.

use crate::common::{TestApp, USER_PASSWORD, assert_error, body};
use crate::register::{Fixture, device, fixture};
use serde_json::{Value, json};

pub struct Two {
    pub f: Fixture,
    other_zone: i64,
    other_manager: String,
}

/// The register fixture plus a second zone with its own manager, and devices:
/// SRV-001..003 in the first zone, NW-001 in the other.
pub fn setup(app: &TestApp) -> Two {
    let f = fixture(app);
    let (other_id, other_manager) =
        app.user(&f.admin, "kacho2", &["security_manager"], Some(f.dept));
    let zone = app.post(
        "/api/v1/zones",
        &f.admin,
        &json!({"code": "NW-ROOM", "name": "ネットワーク室", "department_id": f.dept, "manager_ids": [other_id]}),
    );
    let other_zone = body(zone)["id"].as_i64().unwrap();
    for tag in ["SRV-001", "SRV-002", "SRV-003"] {
        assert_eq!(
            app.post("/api/v1/equipment", &f.operator, &device(tag, &f))
                .status(),
            201
        );
    }
    let mut nw = device("NW-001", &f);
    nw["zone_id"] = json!(other_zone);
    nw["name"] = json!("コアスイッチ");
    nw["kind"] = json!("network");
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &nw).status(),
        201
    );
    Two {
        f,
        other_zone,
        other_manager,
    }
}

pub fn open(app: &TestApp, token: &str, zone: i64) -> i64 {
    let response = app.post("/api/v1/stocktakes", token, &json!({"zone_id": zone}));
    assert_eq!(response.status(), 201, "{:?}", response.text());
    body(response)["id"].as_i64().unwrap()
}

pub fn scan(app: &TestApp, token: &str, id: i64, code: &str) -> Value {
    let response = app.post(
        &format!("/api/v1/stocktakes/{id}/scans"),
        token,
        &json!({ "code": code }),
    );
    assert_eq!(response.status(), 200, "scan {code}");
    body(response)
}

fn tags(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["asset_tag"].as_str().unwrap())
        .collect()
}

#[test]
fn campaigns_are_opened_by_operators_and_zone_managers_one_at_a_time() {
    let app = TestApp::spawn();
    let t = setup(&app);
    let (_, staff) = app.user(&t.f.admin, "hira", &["staff"], Some(t.f.dept));
    let (_, guard) = app.user(&t.f.admin, "keibi", &["guard"], Some(t.f.dept));
    for token in [&staff, &guard, &t.other_manager, &t.f.admin] {
        assert_error(
            app.post("/api/v1/stocktakes", token, &json!({"zone_id": t.f.zone})),
            403,
            "forbidden",
        );
    }
    let created = body(app.post(
        "/api/v1/stocktakes",
        &t.f.manager,
        &json!({"zone_id": t.f.zone}),
    ));
    assert_eq!(created["state"], "open");
    assert_eq!(created["zone_name"], "サーバ室");
    assert_eq!(created["expected"], 3);
    assert_eq!(created["opened_by_name"], "kacho 氏名");
    assert!(created["opened_at"].as_str().unwrap().ends_with("+09:00"));
    assert!(created["closed_at"].is_null());
    assert_error(
        app.post(
            "/api/v1/stocktakes",
            &t.f.operator,
            &json!({"zone_id": t.f.zone}),
        ),
        409,
        "stocktake_open",
    );
    // Another zone may have its own campaign at the same time.
    open(&app, &t.f.operator, t.other_zone);
    let missing = assert_error(
        app.post(
            "/api/v1/stocktakes",
            &t.f.operator,
            &json!({"zone_id": 9999}),
        ),
        422,
        "invalid_field",
    );
    assert!(missing["error"]["fields"]["zone_id"].is_string());
    assert_error(
        app.post("/api/v1/stocktakes", &t.f.operator, &json!({"zone": 1})),
        422,
        "invalid_field",
    );
    let list = body(app.get("/api/v1/stocktakes", &t.f.operator));
    assert_eq!(list["total"], 2);
    assert_error(app.get("/api/v1/stocktakes", &staff), 403, "forbidden");
    assert_error(
        app.get("/api/v1/stocktakes/999", &t.f.operator),
        404,
        "not_found",
    );
    assert_eq!(
        app.audit_actions()
            .iter()
            .filter(|a| *a == "stocktake.open")
            .count(),
        2
    );
}

#[test]
fn every_scan_result_is_answered_stored_and_audited() {
    let app = TestApp::spawn();
    let t = setup(&app);
    let id = open(&app, &t.f.operator, t.f.zone);

    let confirmed = scan(&app, &t.f.operator, id, "SRV-001");
    assert_eq!(confirmed["result"], "confirmed");
    assert_eq!(confirmed["asset_tag"], "SRV-001");
    assert_eq!(confirmed["equipment"]["name"], "基幹サーバ");
    assert_eq!(
        (
            &confirmed["confirmed"],
            &confirmed["expected"],
            &confirmed["scanned"]
        ),
        (&json!(1), &json!(3), &json!(1))
    );
    // A label URL and full-width input are normalised.
    let by_url = scan(
        &app,
        &t.f.operator,
        id,
        &format!("{}/e/SRV-002", app.settings.public_url),
    );
    assert_eq!(by_url["result"], "confirmed");
    assert_eq!(by_url["asset_tag"], "SRV-002");
    let wide = scan(&app, &t.f.manager, id, "ｓｒｖ－００１");
    assert_eq!(wide["result"], "duplicate");
    assert_eq!(wide["asset_tag"], "SRV-001");
    let misplaced = scan(&app, &t.f.operator, id, "nw-001");
    assert_eq!(misplaced["result"], "misplaced");
    assert_eq!(misplaced["equipment"]["zone_id"], t.other_zone);
    let unknown = scan(&app, &t.f.operator, id, "GHOST-9");
    assert_eq!(unknown["result"], "unknown");
    assert!(unknown["equipment"].is_null());
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("登録されていません")
    );
    assert_eq!(
        scan(&app, &t.f.operator, id, "GHOST-9")["result"],
        "duplicate"
    );

    // Kana from a scanner typing through the IME: refused with advice, nothing stored.
    let kana = assert_error(
        app.post(
            &format!("/api/v1/stocktakes/{id}/scans"),
            &t.f.operator,
            &json!({"code": "さーばー"}),
        ),
        422,
        "invalid_field",
    );
    assert!(
        kana["error"]["fields"]["code"]
            .as_str()
            .unwrap()
            .contains("IME")
    );
    // Wrong roles: a staff member, a guard, the manager of another zone.
    let (_, staff) = app.user(&t.f.admin, "hira", &["staff"], Some(t.f.dept));
    for token in [&staff, &t.other_manager] {
        assert_error(
            app.post(
                &format!("/api/v1/stocktakes/{id}/scans"),
                token,
                &json!({"code": "SRV-003"}),
            ),
            403,
            "forbidden",
        );
    }
    assert_error(
        app.post(
            "/api/v1/stocktakes/999/scans",
            &t.f.operator,
            &json!({"code": "SRV-003"}),
        ),
        404,
        "not_found",
    );

    let scans = app
        .audit_actions()
        .iter()
        .filter(|a| *a == "stocktake.scan")
        .count();
    assert_eq!(scans, 6, "every accepted scan is audited");
    use daicho::db::schema::stocktake_scans;
    use diesel::prelude::*;
    let stored: Vec<(String, String, String)> = stocktake_scans::table
        .order(stocktake_scans::id.asc())
        .select((
            stocktake_scans::code,
            stocktake_scans::asset_tag,
            stocktake_scans::result,
        ))
        .load(&mut app.db())
        .unwrap();
    assert_eq!(stored.len(), 6);
    assert_eq!(
        stored[2],
        (
            "ｓｒｖ－００１".to_owned(),
            "SRV-001".to_owned(),
            "duplicate".to_owned()
        ),
        "what the scanner typed is kept beside the tag"
    );
    assert_eq!(app.verify(&t.f.admin)["ok"], true);
}

#[test]
fn closing_signs_off_and_keeps_the_report_unchanged() {
    let app = TestApp::spawn();
    let t = setup(&app);
    // A disposed device in the zone is not expected.
    {
        use daicho::db::schema::equipment;
        use diesel::prelude::*;
        diesel::update(equipment::table.filter(equipment::asset_tag.eq("SRV-003")))
            .set(equipment::status.eq("disposed"))
            .execute(&mut app.db())
            .unwrap();
    }
    let mut extra = device("SRV-004", &t.f);
    extra["name"] = json!("バックアップサーバ");
    assert_eq!(
        app.post("/api/v1/equipment", &t.f.operator, &extra)
            .status(),
        201
    );
    let id = open(&app, &t.f.operator, t.f.zone);
    scan(&app, &t.f.operator, id, "SRV-001");
    scan(&app, &t.f.operator, id, "SRV-001");
    scan(&app, &t.f.operator, id, "NW-001");
    scan(&app, &t.f.operator, id, "GHOST-9");

    let live = body(app.get(&format!("/api/v1/stocktakes/{id}/report"), &t.f.operator));
    assert_eq!(live["state"], "open");
    assert_eq!(
        live["expected"], 3,
        "SRV-001, 002, 004; the disposed SRV-003 is not expected"
    );
    assert_eq!(tags(&live["confirmed"]), ["SRV-001"]);
    assert_eq!(tags(&live["missing"]), ["SRV-002", "SRV-004"]);
    assert_eq!(tags(&live["misplaced"]), ["NW-001"]);
    assert_eq!(live["misplaced"][0]["zone_name"], "ネットワーク室");
    assert_eq!(tags(&live["unknown"]), ["GHOST-9"]);
    assert_eq!(live["unknown"][0]["code"], "GHOST-9");
    assert_eq!(live["scans"], 4);
    assert!(live["closed_by"].is_null());

    // Only a manager of this zone signs off.
    for token in [&t.f.operator, &t.other_manager, &t.f.admin] {
        assert_error(
            app.post(&format!("/api/v1/stocktakes/{id}/close"), token, &json!({})),
            403,
            "forbidden",
        );
    }
    let closed = body(app.post(
        &format!("/api/v1/stocktakes/{id}/close"),
        &t.f.manager,
        &json!({}),
    ));
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["closed_by"], t.f.manager_id);
    assert_eq!(closed["closed_by_name"], "kacho 氏名");
    assert!(closed["closed_at"].as_str().unwrap().ends_with("+09:00"));
    let hash = closed["report_hash"].as_str().unwrap().to_owned();
    assert_eq!(hash.len(), 64);

    let report = app.get(&format!("/api/v1/stocktakes/{id}/report"), &t.f.operator);
    assert_eq!(report.status(), 200);
    let text = report.text().unwrap();
    assert_eq!(
        daicho::register::stocktake::service::sha256_hex(&text),
        hash
    );
    let kept: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(kept["state"], "closed");
    assert_eq!(kept["closed_by"], "kacho 氏名");
    assert_eq!(kept["closed_by_id"], t.f.manager_id);
    assert_eq!(tags(&kept["missing"]), ["SRV-002", "SRV-004"]);

    // After closing nothing changes: scans and a second close are refused…
    assert_error(
        app.post(
            &format!("/api/v1/stocktakes/{id}/scans"),
            &t.f.operator,
            &json!({"code": "SRV-002"}),
        ),
        409,
        "stocktake_closed",
    );
    assert_error(
        app.post(
            &format!("/api/v1/stocktakes/{id}/close"),
            &t.f.manager,
            &json!({}),
        ),
        409,
        "stocktake_closed",
    );
    // …and the report stays as signed off even when the register changes.
    let moved = app.patch(
        "/api/v1/equipment/SRV-002",
        &t.f.operator,
        &json!({"zone_id": t.other_zone, "name": "改名後"}),
    );
    assert_eq!(moved.status(), 200);
    let again = app
        .get(&format!("/api/v1/stocktakes/{id}/report"), &t.f.admin)
        .text()
        .unwrap();
    assert_eq!(
        again, text,
        "the closed report is byte for byte the signed-off one"
    );
    let view = body(app.get(&format!("/api/v1/stocktakes/{id}"), &t.f.operator));
    assert_eq!(view["expected"], 3);

    // The hash is in the audit chain, and the chain verifies.
    use daicho::db::schema::audit_events;
    use diesel::prelude::*;
    let detail: String = audit_events::table
        .filter(audit_events::action.eq("stocktake.close"))
        .select(audit_events::detail)
        .first(&mut app.db())
        .unwrap();
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["report_sha256"], hash.as_str());
    assert_eq!(detail["missing"], 2);
    assert_eq!(app.verify(&t.f.admin)["ok"], true);

    // A new campaign may start once the last one is closed.
    open(&app, &t.f.operator, t.f.zone);
}

#[test]
fn stocktake_pages_list_scan_and_close() {
    use crate::labels::{Pages, location};
    let app = TestApp::spawn();
    let t = setup(&app);
    let operator = Pages::sign_in(&app, "unyo", USER_PASSWORD);
    let list = operator.get("/stocktakes").text().unwrap();
    assert!(list.contains("棚卸を開始") && list.contains("href=\"/stocktakes\""));
    let csrf = operator.csrf();
    let zone = t.f.zone.to_string();
    let opened = operator.post("/stocktakes", &[("csrf", &csrf), ("zone_id", &zone)]);
    assert_eq!(opened.status(), 303);
    let scan_path = location(&opened);
    assert!(scan_path.ends_with("/scan"));
    let id: i64 = scan_path.split('/').nth(2).unwrap().parse().unwrap();
    let again = operator.post("/stocktakes", &[("csrf", &csrf), ("zone_id", &zone)]);
    assert_eq!(again.status(), 409);
    assert!(again.text().unwrap().contains("実施中"));

    let page = operator.get(&scan_path).text().unwrap();
    for expected in [
        "id=\"scan-code\"",
        "autofocus",
        "autocomplete=\"off\"",
        "/assets/scan.js",
        "data-csrf=",
        "カメラで読み取る",
    ] {
        assert!(page.contains(expected), "{expected} on the scan page");
    }
    let script = app.client.get(app.url("/assets/scan.js")).send().unwrap();
    assert_eq!(script.status(), 200);
    let script = script.text().unwrap();
    for expected in [
        "isComposing",
        "compositionend",
        "BarcodeDetector",
        "AudioContext",
        "X-CSRF-Token",
    ] {
        assert!(script.contains(expected), "{expected} in scan.js");
    }
    scan(&app, &t.f.operator, id, "SRV-001");
    let report = operator.get(&format!("/stocktakes/{id}")).text().unwrap();
    assert!(report.contains("確認済 1台") && report.contains("所在不明（未確認） 2台"));
    assert!(
        !report.contains("確認して締め切る"),
        "operators do not sign off"
    );
    let refused = operator.post(&format!("/stocktakes/{id}/close"), &[("csrf", &csrf)]);
    assert_eq!(refused.status(), 403);

    let manager = Pages::sign_in(&app, "kacho", USER_PASSWORD);
    let report = manager.get(&format!("/stocktakes/{id}")).text().unwrap();
    assert!(report.contains("確認して締め切る"));
    let closed = manager.post(
        &format!("/stocktakes/{id}/close"),
        &[("csrf", &manager.csrf())],
    );
    assert_eq!(closed.status(), 303);
    let report = manager.get(&format!("/stocktakes/{id}")).text().unwrap();
    assert!(report.contains("確認者: kacho 氏名") && report.contains("締切済"));
    assert_eq!(operator.get(&scan_path).status(), 409);
}

#[test]
fn operator_journey_in_a_phone_sized_browser() {
    use crate::common::browser::Browser;
    let app = TestApp::spawn();
    let t = setup(&app);
    let id = open(&app, &t.f.operator, t.f.zone);
    let Some(browser) = Browser::start(390, 844, "operator_journey_in_a_phone_sized_browser")
    else {
        return;
    };
    // A label scanned by the phone camera opens /e/SRV-001: sign in first, then straight back.
    browser.goto(&app.url("/e/SRV-001"));
    browser.wait_for_url(|u| u.contains("/login?next="));
    browser.type_into("input[name=username]", "unyo");
    browser.type_into("input[name=password]", &format!("{USER_PASSWORD}\u{E007}"));
    browser.wait_for_path("/e/SRV-001");
    browser.wait_for_text(".device-name", "基幹サーバ");
    assert_eq!(browser.text(".device-tag"), "SRV-001");
    // The phone-sized window really is narrow.
    let width = browser.script("return window.innerWidth;");
    assert!(width.as_i64().unwrap() <= 400, "{width}");

    // On to the stocktake scan page, and a scan through the scan field: code + Enter.
    browser.click(&format!("a[href=\"/stocktakes/{id}/scan\"]"));
    browser.wait_for_url(|u| u.ends_with(&format!("/stocktakes/{id}/scan")));
    let focused = browser.script("return document.activeElement && document.activeElement.id;");
    assert_eq!(focused, "scan-code", "the scan field has the focus");
    browser.type_into("#scan-code", "srv-001\u{E007}");
    browser.wait_for_text("#scan-result .scan-word", "確認");
    assert!(
        browser
            .text("#scan-result .scan-detail")
            .contains("SRV-001")
    );
    assert_eq!(browser.text("#count-confirmed"), "1");
    // The result is seen whole without scrolling, the page no wider than the phone.
    assert!(
        browser.above_fold("#scan-result"),
        "the scan result is below the fold"
    );
    let (scroll, inner) = browser.page_widths();
    assert!(scroll <= inner, "{scroll} px wide in {inner}");
    browser.screenshot("stocktake-scan-390x844");
    assert!(
        browser
            .attribute("#scan-result", "class")
            .contains("scan-confirmed")
    );
    // A second read of the same label is a duplicate, announced differently.
    browser.type_into("#scan-code", "SRV-001\u{E007}");
    browser.wait_for_text("#scan-result .scan-word", "読取済");
    assert_eq!(
        browser.script("return document.getElementById('scan-code').value;"),
        ""
    );
    drop(browser);

    let report = body(app.get(&format!("/api/v1/stocktakes/{id}/report"), &t.f.operator));
    assert_eq!(tags(&report["confirmed"]), ["SRV-001"]);
    assert_eq!(report["scans"], 2);
}
