//! The 点検 page: the period form, every article with its status, findings and
//! evidence, readable on a phone.

use crate::common::browser::Browser;
use crate::common::session::Browser as Session;
use crate::common::{TestApp, USER_PASSWORD};
use crate::register::{device, fixture};
use serde_json::json;

#[test]
fn the_page_shows_the_period_every_article_and_errors_beside_the_fields() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f));
    let mut manager = Session::new(&app);
    manager.sign_in("kacho", USER_PASSWORD);
    let html = manager
        .get("/reports/compliance?from=2026-11-01&to=2026-11-30")
        .text()
        .unwrap();
    for label in [
        "開始日",
        "終了日",
        "value=\"2026-11-01\"",
        "value=\"2026-11-30\"",
        "令和8年11月1日〜令和8年11月30日",
    ] {
        assert!(html.contains(label), "{label}: {html}");
    }
    for name in [
        "第4条",
        "第5条",
        "第6条",
        "第7条",
        "第11条・第17条",
        "第14条",
        "第15条",
        "第16条",
        "第18条",
        "第30条",
        "第32条",
    ] {
        assert!(html.contains(&format!("<h2>{name} ")), "{name}");
    }
    assert!(html.contains("主要な機器 1台、すべて管理区域内"), "{html}");
    assert!(!html.contains("aria-invalid"));

    let bad = manager.get("/reports/compliance?from=2026-11-31&to=2026-11-01");
    assert_eq!(bad.status(), 422);
    let html = bad.text().unwrap();
    assert!(
        html.contains("aria-invalid=\"true\" aria-describedby=\"from-error\""),
        "{html}"
    );
    assert!(html.contains("id=\"from-error\">日付は"), "{html}");
    assert!(
        html.contains("value=\"2026-11-31\""),
        "the input stays: {html}"
    );
    let reversed = manager.get("/reports/compliance?from=2026-11-30&to=2026-11-01");
    assert_eq!(reversed.status(), 422);
    assert!(
        reversed
            .text()
            .unwrap()
            .contains("id=\"to-error\">終了日は開始日")
    );

    let mut operator = Session::new(&app);
    operator.sign_in("unyo", USER_PASSWORD);
    assert_eq!(operator.get("/reports/compliance").status(), 403);
}

#[test]
fn the_page_with_findings_fits_a_phone_and_reads_well() {
    let test = "the_page_with_findings_fits_a_phone_and_reads_well";
    let Some(driver) = Browser::start(390, 844, test) else {
        return;
    };
    let app = TestApp::spawn();
    let f = fixture(&app);
    let mut loose = device("TRM-2026-000123-LONGTAG-OUTSIDE", &f);
    loose["zone_id"] = json!(null);
    let made = app.post("/api/v1/equipment", &f.operator, &loose);
    assert_eq!(made.status(), 201, "{:?}", made.text());
    driver.sign_in(&app.url("/login"), "kacho", USER_PASSWORD);
    driver.goto(&app.url("/reports/compliance"));
    let (scroll, inner) = driver.page_widths();
    assert!(scroll <= inner, "{scroll} px wide in {inner}");
    assert!(driver.is_displayed("li.finding a[href='/equipment/TRM-2026-000123-LONGTAG-OUTSIDE']"));
    driver.assert_readable("main");
    driver.goto(&app.url("/reports/compliance?from=2026-02-30"));
    let (scroll, inner) = driver.page_widths();
    assert!(
        scroll <= inner,
        "with an error: {scroll} px wide in {inner}"
    );
    assert_eq!(driver.attribute("#period-from", "aria-invalid"), "true");
    driver.assert_readable("main");
}
