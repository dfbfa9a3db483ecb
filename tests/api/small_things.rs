//! The small things people notice (issue 13): floors, names in histories,
//! messages without field names, a confirmed device, titles, the QR link.

use crate::common::session::Browser;
use crate::common::{TestApp, USER_PASSWORD, body};
use crate::licenses::{install, software};
use crate::register::{device, fixture};
use serde_json::json;

fn signed_in<'a>(app: &'a TestApp, username: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    assert_eq!(browser.sign_in(username, USER_PASSWORD).status(), 303);
    browser
}

fn title(html: &str) -> &str {
    let start = html.find("<title>").unwrap() + "<title>".len();
    &html[start..start + html[start..].find("</title>").unwrap()]
}

#[test]
fn device_pages_read_as_people_write() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let mut on_4f = device("SRV-001", &f);
    on_4f["location"] = json!({"building": "本庁舎", "floor": "4F", "room": "サーバ室"});
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &on_4f).status(),
        201
    );
    let mut on_3 = device("SRV-002", &f);
    on_3["location"] = json!({"floor": "3"});
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &on_3).status(),
        201
    );
    let office = software(&app, &f.admin, "Office");
    install(&app, &f.operator, "SRV-001", office, "2024", None);

    let operator = signed_in(&app, "unyo");
    let html = operator.get("/equipment/SRV-001").text().unwrap();
    assert!(html.contains("4F") && !html.contains("4F階"), "「4F階」");
    assert!(
        operator
            .get("/equipment/SRV-002")
            .text()
            .unwrap()
            .contains("3階")
    );
    // The history: who by name, installations in words.
    assert!(html.contains("<td>unyo 氏名</td>"), "names, not login ids");
    assert!(!html.contains("<td>unyo</td>"));
    assert!(html.contains("導入の記録"), "the action in Japanese");
    assert!(
        !html.contains("{&quot;") && !html.contains("{&#34;"),
        "no raw JSON in the history"
    );
    // The QR label: a sheet to print, and the PNG saved rather than opened bare.
    assert!(html.contains(r#"href="/labels?tags=SRV-001""#));
    assert!(html.contains(r#"download="SRV-001-label.png""#));
}

#[test]
fn messages_name_no_internal_fields() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let neither = body(app.post(
        "/api/v1/movements",
        &f.operator,
        &json!({"direction": "out", "zone_id": f.zone, "reason": "修理", "planned_at": "2099-12-01"}),
    ));
    let message = neither["error"]["fields"]["asset_tag"].as_str().unwrap();
    assert!(!message.contains("item_description"), "{message}");
    assert!(
        !neither["error"]["message"]
            .as_str()
            .unwrap()
            .contains("asset_tag"),
        "{neither}"
    );
    let id = body(app.post(
        "/api/v1/stocktakes",
        &f.operator,
        &json!({"zone_id": f.zone}),
    ))["id"]
        .as_i64()
        .unwrap();
    let bad = body(app.post(
        &format!("/api/v1/stocktakes/{id}/scans"),
        &f.operator,
        &json!({"code": "日本語のラベル"}),
    ));
    let message = bad["error"]["message"].as_str().unwrap();
    assert!(!message.contains("code:"), "「code:」 leaks: {message}");
    assert!(
        bad["error"]["fields"]["code"].is_string(),
        "programs still get the field"
    );
}

#[test]
fn a_confirmed_device_is_not_offered_for_confirming_again() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f));
    let id = body(app.post(
        "/api/v1/stocktakes",
        &f.operator,
        &json!({"zone_id": f.zone}),
    ))["id"]
        .as_i64()
        .unwrap();
    let operator = signed_in(&app, "unyo");
    let before = operator.get("/e/SRV-001").text().unwrap();
    assert!(before.contains("棚卸で確認</button>"));
    let csrf = operator.csrf("/e/SRV-001");
    let id_text = id.to_string();
    let scanned = operator.post(
        "/e/SRV-001/stocktake",
        &[("csrf", csrf.as_str()), ("stocktake_id", id_text.as_str())],
    );
    assert_eq!(scanned.status(), 303);
    let after = operator.get("/e/SRV-001?scanned=confirmed").text().unwrap();
    assert!(
        !after.contains("棚卸で確認</button>"),
        "nothing left to confirm"
    );
    assert!(after.contains("で確認済です"));
}

#[test]
fn each_movement_page_has_a_title_of_its_own() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f));
    let out = json!({"direction": "out", "asset_tag": "SRV-001", "zone_id": f.zone, "reason": "修理", "planned_at": "2099-12-01"});
    let laptop = json!({"direction": "in", "item_description": "保守用ノートPC", "zone_id": f.zone, "reason": "保守", "planned_at": "2099-12-01"});
    let a = body(app.post("/api/v1/movements", &f.operator, &out))["id"]
        .as_i64()
        .unwrap();
    let b = body(app.post("/api/v1/movements", &f.operator, &laptop))["id"]
        .as_i64()
        .unwrap();
    let operator = signed_in(&app, "unyo");
    let first = operator.get(&format!("/movements/{a}")).text().unwrap();
    let second = operator.get(&format!("/movements/{b}")).text().unwrap();
    assert_ne!(title(&first), title(&second));
    assert!(title(&first).contains("SRV-001"), "{}", title(&first));
    assert!(title(&second).contains("保守用ノートPC"));
}

/// Signs `username` in through the page, then goes to `path`.
fn browse(driver: &crate::common::browser::Browser, app: &TestApp, username: &str, path: &str) {
    driver.goto(&app.url(path));
    driver.type_into("input[name=username]", username);
    driver.type_into("input[name=password]", &format!("{USER_PASSWORD}\u{E007}"));
    driver.wait_for_path(path);
}

#[test]
fn the_scan_page_says_each_device_once_and_counts_up() {
    use crate::common::browser::Browser as Chromium;
    let Some(driver) = Chromium::start(
        390,
        844,
        "the_scan_page_says_each_device_once_and_counts_up",
    ) else {
        return;
    };
    let app = TestApp::spawn();
    let f = fixture(&app);
    for tag in ["SRV-001", "SRV-002"] {
        app.post("/api/v1/equipment", &f.operator, &device(tag, &f));
    }
    let id = body(app.post(
        "/api/v1/stocktakes",
        &f.operator,
        &json!({"zone_id": f.zone}),
    ))["id"]
        .as_i64()
        .unwrap();
    browse(&driver, &app, "unyo", &format!("/stocktakes/{id}/scan"));
    driver.type_into("#scan-code", "SRV-001\u{E007}");
    driver.wait_for_text("#scan-result .scan-word", "確認");
    let detail = driver.text("#scan-result .scan-detail");
    assert_eq!(detail.matches("SRV-001").count(), 1, "once: {detail}");
    driver.type_into("#scan-code", "SRV-002\u{E007}");
    driver.wait_for(
        "the second line",
        "return document.querySelectorAll('#scan-log li').length === 2",
    );
    // The newest line is on top and carries the highest number.
    assert_eq!(
        driver.script("return document.querySelector('#scan-log li').value"),
        2
    );
    assert!(driver.text("#scan-log li").contains("SRV-002"));
    assert!(driver.is_displayed("#scan-log li"));
    driver.screenshot("scan_log-390");
}

#[test]
fn visitor_fields_show_only_for_a_visitor() {
    use crate::common::browser::Browser as Chromium;
    let Some(driver) = Chromium::desktop(1440, 900, "visitor_fields_show_only_for_a_visitor")
    else {
        return;
    };
    let app = TestApp::spawn();
    fixture(&app);
    browse(&driver, &app, "unyo", "/permits/new");
    assert!(
        !driver.is_displayed("input[name=visitor_name]"),
        "自分 is chosen"
    );
    driver.click("input[name=holder][value=visitor]");
    assert!(driver.is_displayed("input[name=visitor_name]"));
    assert!(driver.is_displayed("input[name=visitor_organization]"));
    driver.screenshot("permit_form_visitor-1440");
    driver.click("input[name=holder][value=self]");
    assert!(!driver.is_displayed("input[name=visitor_name]"));
}
