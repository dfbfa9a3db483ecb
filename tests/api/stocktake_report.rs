//! The stocktake report on paper and in Excel (issue 13 item 15), and what a
//! closed campaign's page leads to.

use crate::common::browser::Browser as Chromium;
use crate::common::session::Browser;
use crate::common::{TestApp, USER_PASSWORD};
use crate::stocktake::{open, scan, setup};

#[test]
fn the_report_exports_as_csv_for_excel_and_links_onwards() {
    let app = TestApp::spawn();
    let two = setup(&app);
    let f = &two.f;
    let id = open(&app, &f.operator, f.zone);
    scan(&app, &f.operator, id, "SRV-001");
    scan(&app, &f.operator, id, "NW-001");
    scan(&app, &f.operator, id, "NEW-999");
    let mut manager = Browser::new(&app);
    manager.sign_in("kacho", USER_PASSWORD);
    let csrf = manager.csrf(&format!("/stocktakes/{id}"));
    let closed = manager.post(&format!("/stocktakes/{id}/close"), &[("csrf", &csrf)]);
    assert_eq!(closed.status(), 303);

    let page = manager.get(&format!("/stocktakes/{id}")).text().unwrap();
    assert!(page.contains(&format!(r#"href="/stocktakes/{id}/report.csv""#)));
    assert!(page.contains("data-print"), "a print button");
    assert!(
        page.contains(r#"href="/stocktakes""#) && page.contains(r#"href="/equipment""#),
        "a closed campaign leads back to the list and the register"
    );

    let csv = manager.get(&format!("/stocktakes/{id}/report.csv"));
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().unwrap();
    assert!(text.starts_with('\u{FEFF}'), "a BOM for Excel");
    let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').lines().collect();
    assert!(lines[0].starts_with("区分,資産番号,品名,状態,"));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("確認済,SRV-001,基幹サーバ,稼働中,"))
    );
    assert!(lines.iter().any(|l| l.starts_with("所在不明,SRV-002,")));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("区域違い,NW-001,コアスイッチ,"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("未登録,NEW-999,") && l.ends_with(",NEW-999")),
        "what the scanner typed: {text}"
    );
    app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let mut outsider = Browser::new(&app);
    outsider.sign_in("hira", USER_PASSWORD);
    assert_eq!(
        outsider
            .get(&format!("/stocktakes/{id}/report.csv"))
            .status(),
        403,
        "only those who may read the report"
    );
}

#[test]
fn the_report_prints_without_the_menu() {
    let Some(driver) = Chromium::desktop(1440, 900, "the_report_prints_without_the_menu") else {
        return;
    };
    let app = TestApp::spawn();
    let two = setup(&app);
    let f = &two.f;
    let id = open(&app, &f.operator, f.zone);
    scan(&app, &f.operator, id, "SRV-001");
    driver.goto(&app.url(&format!("/stocktakes/{id}")));
    driver.type_into("input[name=username]", "kacho");
    driver.type_into("input[name=password]", USER_PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_url(|u| u.ends_with(&format!("/stocktakes/{id}")));
    assert!(driver.is_displayed("#report-print"));
    assert!(driver.is_displayed("#report-csv"));
    assert!(
        !driver.is_displayed("table.signoff"),
        "the sign-off is for paper"
    );
    driver.screenshot("stocktake_report-1440");
    // As printed: the menu and the buttons go, the sign-off boxes come.
    driver.script(
        "for (const sheet of document.styleSheets) for (const rule of sheet.cssRules)
           if (rule.media && rule.media.mediaText === 'print') rule.media.mediaText = 'all';",
    );
    assert!(!driver.is_displayed("header.site"));
    assert!(!driver.is_displayed("#report-print"));
    assert!(driver.is_displayed("table.signoff"));
    assert!(driver.is_displayed("h1"));
    driver.screenshot("stocktake_report-print");
}
