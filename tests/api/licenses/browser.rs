//! A manager's license audit in headless Chromium, spoken to over WebDriver:
//! sign in, open ライセンス管理, see the over-used license flagged, export the CSV.

use super::{add_device, install, license, software};
use crate::common::browser::Browser;
use crate::common::{TestApp, USER_PASSWORD};
use crate::register::fixture;
use std::time::{Duration, Instant};

#[test]
fn a_manager_audits_licenses_in_a_browser_and_exports_the_csv() {
    // 780×580 is headless Chromium's own default window, which this test always had.
    let Some(driver) = Browser::desktop(
        780,
        580,
        "a_manager_audits_licenses_in_a_browser_and_exports_the_csv",
    ) else {
        return;
    };
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    add_device(&app, &f, "PC-002");
    add_device(&app, &f, "PC-003");
    let office = software(&app, &f.admin, "Office");
    let viewer = software(&app, &f.admin, "Viewer");
    license(&app, &f, office, 2, None);
    license(&app, &f, viewer, 5, None);
    for tag in ["PC-001", "PC-002", "PC-003"] {
        install(&app, &f.operator, tag, office, "2024", None);
    }
    install(&app, &f.operator, "PC-001", viewer, "1.0", None);

    driver.goto(&app.url("/licenses"));
    driver.wait_for_url(|u| u.ends_with("/login?next=/licenses"));
    driver.type_into("input[name=username]", "kacho");
    driver.type_into("input[name=password]", USER_PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_path("/licenses");

    assert_eq!(driver.text("h1"), "ライセンス管理");
    assert!(
        driver.text("#overuse-alert").contains("1 件"),
        "the page warns of one over-used product"
    );
    let flagged = driver.text("#compliance tr.attention");
    assert!(
        flagged.contains("Office") && flagged.contains("超過 1") && flagged.contains("要確認"),
        "{flagged}"
    );
    assert_eq!(
        driver.text("strong.overuse"),
        "超過 1",
        "only Office is over-used"
    );

    driver.click("#export-csv");
    let deadline = Instant::now() + Duration::from_secs(30);
    let file = loop {
        let done = std::fs::read_dir(driver.downloads())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "csv"));
        if let Some(path) = done {
            break path;
        }
        assert!(Instant::now() < deadline, "the CSV was downloaded");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        file.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("license-compliance-"),
        "{file:?}"
    );
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let office_line = text
        .lines()
        .find(|l| l.contains(",Office,"))
        .expect("Office in the CSV");
    assert!(office_line.ends_with(",2,3,1,,0,3,要確認"), "{office_line}");
    let viewer_line = text
        .lines()
        .find(|l| l.contains(",Viewer,"))
        .expect("Viewer in the CSV");
    assert!(viewer_line.ends_with(",5,1,0,,0,1,要確認"), "{viewer_line}");
}
