//! The 監査ログ page as an auditor reads it (issue 13 item 13): Japanese
//! action names, people by name, lists to choose from, each change as a
//! before/after table, and the filtered log as CSV for Excel.

use crate::common::session::Browser;
use crate::common::{TestApp, USER_PASSWORD, body};
use crate::register::{device, fixture};
use serde_json::json;

#[test]
fn the_audit_log_reads_in_japanese_and_exports_what_it_shows() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.user(&f.admin, "kansa", &["auditor"], None);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f));
    let renamed = app.patch(
        "/api/v1/equipment/SRV-001",
        &f.operator,
        &json!({"name": "=HYPERLINK(\"x\")"}),
    );
    assert_eq!(renamed.status(), 200, "{:?}", renamed.text());
    let unyo = body(app.get("/api/v1/me", &f.operator))["id"]
        .as_i64()
        .unwrap();

    let mut auditor = Browser::new(&app);
    auditor.sign_in("kansa", USER_PASSWORD);
    let html = auditor.get("/audit").text().unwrap();
    assert!(html.contains(">ログイン<"), "actions in Japanese");
    assert!(html.contains(">機器の変更<"));
    assert!(!html.contains("<code>auth.login</code>"), "no raw codes");
    assert!(
        html.contains(&format!(
            r#"<option value="{unyo}">unyo 氏名（unyo）</option>"#
        )),
        "people to choose from, by name"
    );
    assert!(html.contains(r#"<option value="equipment">機器</option>"#));
    assert!(html.contains(r#"<option value="movement.return">返却</option>"#));
    assert!(!html.contains("session_id"), "no bookkeeping ids");

    let filtered = auditor
        .get(&format!(
            "/audit?actor_id={unyo}&entity_type=equipment&action=equipment.update"
        ))
        .text()
        .unwrap();
    assert!(filtered.contains("全1件"), "only unyo's change of a device");
    assert!(
        filtered.contains(r#"<td data-label="操作者">unyo 氏名</td>"#),
        "the person, by name"
    );
    assert!(
        filtered.contains("<th>名称</th><td>基幹サーバ</td><td>=HYPERLINK(&quot;x&quot;)</td>")
            || filtered
                .contains("<th>名称</th><td>基幹サーバ</td><td>=HYPERLINK(&#34;x&#34;)</td>"),
        "the change as before and after: {}",
        &filtered[filtered.find("<table class=\"list audit\"").unwrap_or(0)..]
    );
    assert!(
        filtered.contains(&format!(
            "/audit/export.csv?actor_id={unyo}&#38;entity_type=equipment"
        )),
        "{}",
        &filtered[filtered.find("audit-csv").unwrap()..][..300]
    );

    let csv = auditor.get(&format!(
        "/audit/export.csv?actor_id={unyo}&entity_type=equipment&action=equipment.update"
    ));
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().unwrap();
    assert!(text.starts_with('\u{FEFF}'), "a BOM for Excel");
    let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("連番,日時,操作者,利用者ID,操作,"));
    assert!(lines[1].contains(",unyo 氏名,unyo,機器の変更,equipment.update,機器,SRV-001,"));
    assert!(
        lines[1].contains("\"名称：基幹サーバ → =HYPERLINK(\"\"x\"\")\""),
        "{}",
        lines[1]
    );

    // A cell that starts like a formula is defused.
    let renamed = app.patch(
        &format!("/api/v1/users/{unyo}"),
        &f.admin,
        &json!({"display_name": "=cmd|' /C calc'!A0"}),
    );
    assert_eq!(renamed.status(), 200, "{:?}", renamed.text());
    let csv = auditor
        .get("/audit/export.csv?entity_type=equipment&action=equipment.update")
        .text()
        .unwrap();
    assert!(csv.contains(",\"'=cmd|' /C calc'!A0\",unyo,"), "{csv}");
}

fn audit_in_a_browser(width: u32, height: u32, name: &str) {
    use crate::common::browser::Browser as Chromium;
    let started = if width <= 600 {
        Chromium::start(width, height, name)
    } else {
        Chromium::desktop(width, height, name)
    };
    let Some(driver) = started else {
        return;
    };
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.user(&f.admin, "kansa", &["auditor"], None);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f));
    app.patch(
        "/api/v1/equipment/SRV-001",
        &f.operator,
        &json!({"name": "基幹サーバ（更新）"}),
    );
    driver.goto(&app.url("/audit?entity_type=equipment"));
    driver.type_into("input[name=username]", "kansa");
    driver.type_into("input[name=password]", &format!("{USER_PASSWORD}\u{E007}"));
    driver.wait_for_path("/audit?entity_type=equipment");
    assert!(driver.is_displayed("select[name=actor_id]"));
    assert!(driver.is_displayed("select[name=entity_type]"));
    assert!(driver.is_displayed("#audit-csv"));
    let fits = driver.script("return document.documentElement.scrollWidth <= window.innerWidth");
    assert_eq!(fits, true, "no sideways scrolling at {width}px");
    driver.script("document.querySelector('table.changes').scrollIntoView({block: 'center'})");
    assert!(
        driver.is_displayed("table.changes"),
        "the change as a table"
    );
    assert!(driver.text("table.changes").contains("基幹サーバ（更新）"));
    driver.screenshot(name);
}

#[test]
fn the_audit_log_is_read_on_a_phone() {
    audit_in_a_browser(390, 844, "audit_log-390");
}

#[test]
fn the_audit_log_is_read_on_a_desk() {
    audit_in_a_browser(1440, 900, "audit_log-1440");
}
