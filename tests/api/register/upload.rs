//! The register's CSV upload on the 機器台帳 page (issue 13 item 16): the
//! API's all-or-nothing rules, a table of bad lines, numbered as Excel shows
//! them for LF and CRLF files alike.

use super::csv::{HEADER, count, import};
use super::fixture;
use crate::common::browser::Browser as Chromium;
use crate::common::session::Browser;
use crate::common::{TestApp, USER_PASSWORD, body};

const GOOD: &str = "SRV-101,基幹サーバ,サーバ,はい,JOHO,SRV-ROOM,本庁舎,3,サーバ室,R1,10-12,富士通,RX2540,SN-0101,秘密情報,稼働中,2024-04-01,,,15,";
const BAD: &str = "SRV-102,謎の機器,謎,はい,JOHO,SRV-ROOM,,,,,,,,,秘密情報,,,,,,";

fn file(line_end: &str) -> Vec<u8> {
    [HEADER, GOOD, BAD, ""].join(line_end).into_bytes()
}

/// A form with a file, as a browser sends it.
fn multipart(csrf: &str, name: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----daichoTestBoundary7MA4YWxk";
    let mut out = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

#[test]
fn a_bad_third_line_is_line_three_with_lf_and_with_crlf() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    for end in ["\n", "\r\n"] {
        let refused = body(import(&app, &f.operator, file(end)));
        assert_eq!(
            refused["error"]["lines"][0]["line"], 3,
            "{end:?}: {refused}"
        );
        assert_eq!(refused["error"]["lines"].as_array().unwrap().len(), 1);
    }
    assert_eq!(count(&app, &f.operator), 0, "nothing imported");
}

#[test]
fn the_register_page_takes_a_csv_all_or_nothing() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let mut operator = Browser::new(&app);
    operator.sign_in("unyo", USER_PASSWORD);
    let list = operator.get("/equipment").text().unwrap();
    assert!(list.contains(r#"href="/equipment/import""#));
    assert!(
        !list.contains("daicho import"),
        "no command line for office users"
    );
    let csrf = operator.csrf("/equipment/import");
    let send = |data: &[u8]| {
        let (content_type, payload) = multipart(&csrf, "台帳.csv", data);
        app.client
            .post(app.url("/equipment/import"))
            .header("cookie", operator.cookie.as_deref().unwrap())
            .header("content-type", content_type)
            .body(payload)
            .send()
            .unwrap()
    };
    let refused = send(&file("\n"));
    assert_eq!(refused.status(), 422);
    let html = refused.text().unwrap();
    assert!(html.contains("1行に誤りがあるため、何も取り込んでいません"));
    assert!(html.contains("<td class=\"nowrap\">3行目</td>"), "{html}");
    assert!(html.contains("台帳.csv"));
    assert_eq!(count(&app, &f.operator), 0, "all or nothing");

    let good = [HEADER, GOOD, ""].join("\r\n");
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(good.as_bytes());
    let taken = send(&with_bom);
    assert_eq!(taken.status(), 303);
    assert_eq!(taken.headers()["location"], "/equipment");
    assert_eq!(count(&app, &f.operator), 1);

    let forged = {
        let (content_type, payload) = multipart("forged", "a.csv", good.as_bytes());
        app.client
            .post(app.url("/equipment/import"))
            .header("cookie", operator.cookie.as_deref().unwrap())
            .header("content-type", content_type)
            .body(payload)
            .send()
            .unwrap()
    };
    assert_eq!(forged.status(), 403);
    app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let mut staff = Browser::new(&app);
    staff.sign_in("hira", USER_PASSWORD);
    assert_eq!(staff.get("/equipment/import").status(), 403);
}

fn upload_in_a_browser(width: u32, height: u32, name: &str) {
    let started = if width <= 600 {
        Chromium::start(width, height, name)
    } else {
        Chromium::desktop(width, height, name)
    };
    let Some(driver) = started else {
        return;
    };
    let app = TestApp::spawn();
    fixture(&app);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("台帳.csv");
    std::fs::write(&path, file("\n")).unwrap();
    driver.goto(&app.url("/equipment/import"));
    driver.type_into("input[name=username]", "unyo");
    driver.type_into("input[name=password]", USER_PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_path("/equipment/import");
    driver.type_into("input[type=file]", path.to_str().unwrap());
    driver.click("form.stack button[type=submit]");
    driver.find("#bad-lines");
    assert!(driver.is_displayed("#bad-lines"));
    assert!(driver.is_displayed("#import-error"));
    assert!(driver.text("#bad-lines tbody tr td").contains("3行目"));
    let fits = driver.script("return document.documentElement.scrollWidth <= window.innerWidth");
    assert_eq!(fits, true, "no sideways scrolling at {width}px");
    driver.screenshot(name);
}

#[test]
fn bad_lines_are_shown_on_a_phone() {
    upload_in_a_browser(390, 844, "register_upload-390");
}

#[test]
fn bad_lines_are_shown_on_a_desk() {
    upload_in_a_browser(1440, 900, "register_upload-1440");
}
