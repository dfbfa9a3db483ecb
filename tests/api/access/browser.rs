//! The guard's journey in headless Chromium, driven over WebDriver (chromedriver)
//! with the blocking reqwest client: scan a code, see 入室可, record the entry,
//! see the person inside, record the exit.

use super::{approved, gate, visitor_request};
use crate::common::browser::Browser;
use crate::common::{TestApp, USER_PASSWORD};
use serde_json::json;

const VERDICT: &str = "const v = document.getElementById('verdict'); \
    return (v.hidden || v.dataset.state === 'pending') ? null : [v.dataset.state, document.getElementById('verdict-title').textContent, \
    document.getElementById('verdict-reason').textContent];";

#[test]
fn the_guard_scans_a_code_records_the_entry_sees_the_person_inside_and_records_the_exit() {
    let test =
        "the_guard_scans_a_code_records_the_entry_sees_the_person_inside_and_records_the_exit";
    let Some(driver) = Browser::desktop(1024, 768, test) else {
        return;
    };
    let app = TestApp::spawn();
    let g = gate(&app);
    let (_, code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));

    driver.goto(&app.url("/login?next=/gate"));
    driver.type_into("input[name=username]", "keibi");
    driver.type_into("input[name=password]", USER_PASSWORD);
    driver.click("form.stack button[type=submit]");
    driver.wait_for(
        "the gate screen",
        "return document.getElementById('scan') !== null && document.getElementById('gate').dataset.zone;",
    );
    driver.goto(&app.url(&format!("/gate?zone_id={}", g.f.zone)));
    driver.wait_for(
        "the empty occupancy list",
        "return document.getElementById('occupancy-count').textContent.includes('0名');",
    );

    // A code that is not a permit: red, with the reason in words.
    driver.type_into("#scan", "NOT-A-PERMIT\u{E007}");
    let denied = driver.wait_for("a deny", &format!("{VERDICT} "));
    assert_eq!(denied[0], "deny", "{denied}");
    assert_eq!(denied[1], "入室不可");
    assert_eq!(denied[2], "登録されていない許可証です。");
    // A refusal offers no entry and no exit: `hidden` wins over the page's own layout.
    assert!(
        !driver.is_displayed("#entry-actions"),
        "entry form on a refusal"
    );
    assert!(
        !driver.is_displayed("#exit-actions"),
        "exit form on a refusal"
    );
    driver.screenshot("gate-deny-1024x768");
    driver.click("#verdict-close");

    // The scanner types the code and Enter: green 入室可 with the holder.
    driver.type_into("#scan", &format!("{code}\u{E007}"));
    let allow = driver.wait_for(
        "入室可",
        "const v = document.getElementById('verdict'); return v.dataset.state === 'allow' && \
         [document.getElementById('verdict-title').textContent, document.getElementById('holder-name').textContent, \
          document.getElementById('holder-escort').textContent];",
    );
    assert_eq!(allow, json!(["入室可", "山田 太郎", "要"]));
    assert!(
        driver.is_displayed("#entry-actions"),
        "the entry form on 入室可"
    );
    assert!(
        !driver.is_displayed("#exit-actions"),
        "no exit form on 入室可"
    );
    driver.screenshot("gate-allow-1024x768");
    // Entry needs the ID check.
    driver.click("#id-checked");
    driver.type_into("#id-document", "運転免許証");
    driver.click("#record-entry");
    let recorded = driver.wait_for(
        "the entry",
        "const v = document.getElementById('verdict'); return v.dataset.state === 'done' && \
         document.getElementById('verdict-title').textContent;",
    );
    assert_eq!(recorded, "入室を記録しました");
    let inside = driver.wait_for(
        "the person in the occupancy list",
        "const t = document.getElementById('occupancy-body').textContent; return t.includes('山田 太郎') && t;",
    );
    assert!(inside.as_str().unwrap().contains("株式会社保守サービス"));
    driver.click("#verdict-close");

    // Scanning again: red (already inside), with the exit offered.
    driver.type_into("#scan", &format!("{code}\u{E007}"));
    let again = driver.wait_for(
        "already inside",
        "const v = document.getElementById('verdict'); return v.dataset.state === 'deny' && \
         !document.getElementById('exit-actions').hidden && document.getElementById('verdict-reason').textContent;",
    );
    assert_eq!(again, "既に入室中として記録されています。");
    driver.click("#record-exit");
    let exited = driver.wait_for(
        "the exit",
        "const v = document.getElementById('verdict'); return v.dataset.state === 'done' && \
         document.getElementById('verdict-title').textContent;",
    );
    assert_eq!(exited, "退室を記録しました");
    driver.wait_for(
        "an empty occupancy list",
        "return document.getElementById('occupancy-body').children.length === 1 && \
         document.getElementById('occupancy-empty') !== null && \
         document.getElementById('occupancy-count').textContent.includes('0名');",
    );

    // The network fails: the screen says so and never shows a stale green.
    driver.click("#verdict-close");
    driver.script(
        "window.fetch = () => Promise.reject(new TypeError('Failed to fetch')); return true;",
    );
    driver.type_into("#scan", &format!("{code}\u{E007}"));
    let offline = driver.wait_for(
        "the network error",
        "const v = document.getElementById('verdict'); return v.dataset.state === 'error' && \
         [v.className, document.getElementById('verdict-title').textContent];",
    );
    assert_eq!(offline, json!(["verdict error", "通信エラー"]));

    let log: Vec<String> = app
        .audit_actions()
        .into_iter()
        .filter(|a| a.starts_with("access."))
        .collect();
    assert_eq!(log, ["access.entry", "access.exit"]);
}
