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

/// The guard signs in on the login page and opens the gate of the fixture's zone.
fn open_gate(driver: &Browser, app: &TestApp, g: &super::Gate) {
    driver.sign_in(&app.url("/login?next=/gate"), "keibi", USER_PASSWORD);
    driver.wait_for(
        "the gate screen",
        "return document.getElementById('scan') !== null && document.getElementById('gate').dataset.zone;",
    );
    driver.goto(&app.url(&format!("/gate?zone_id={}", g.f.zone)));
}

fn focus_in_verdict(driver: &Browser) -> bool {
    driver
        .script("return document.getElementById('verdict').contains(document.activeElement);")
        .as_bool()
        .unwrap()
}

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

    open_gate(&driver, &app, &g);
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
    // A code that names nobody shows nobody; the dialog has the focus and fits the tablet.
    assert!(
        !driver.is_displayed("#verdict-holder"),
        "a person on an unknown code"
    );
    assert!(driver.is_displayed("#verdict-zone"));
    assert!(
        driver.fits_window("#verdict"),
        "the verdict scrolls at 1024×768"
    );
    assert!(
        focus_in_verdict(&driver),
        "the verdict does not take the focus"
    );
    driver.assert_readable("#verdict");
    driver.screenshot("gate-deny-1024x768");
    driver.click("#verdict-close");
    assert_eq!(driver.script("return document.activeElement.id;"), "scan");

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
    assert!(driver.is_displayed("#verdict-holder"));
    assert_eq!(driver.text("#verdict-zone"), "SRV-ROOM サーバ室");
    assert!(
        driver.fits_window("#verdict"),
        "the verdict scrolls at 1024×768"
    );
    assert!(driver.above_fold("#verdict-close"));
    driver.assert_readable("#verdict");
    driver.screenshot("gate-allow-1024x768");

    // The scanner reads a forged code while 入室可 is still open: nothing of the
    // previous holder stays on the red verdict.
    driver.script(
        "document.getElementById('scan').value = 'HELLO-WORLD'; \
         document.getElementById('scan-form').requestSubmit(); return true;",
    );
    driver.wait_for(
        "the forged code refused",
        "const v = document.getElementById('verdict'); return v.dataset.state === 'deny';",
    );
    assert!(
        !driver.is_displayed("#verdict-holder"),
        "stale holder shown"
    );
    assert!(
        !driver.is_displayed("#entry-actions"),
        "stale entry form shown"
    );
    let shown = driver.text("#verdict");
    assert!(!shown.contains("山田"), "stale name on screen: {shown}");
    assert_eq!(driver.text("#holder-name"), "");
    driver.click("#verdict-close");
    driver.type_into("#scan", &format!("{code}\u{E007}"));
    driver.wait_for(
        "入室可 again",
        "return document.getElementById('verdict').dataset.state === 'allow';",
    );
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

    // Scanning again: leaving is no refusal. A neutral 退室 view with the carried-out field.
    driver.type_into("#scan", &format!("{code}\u{E007}"));
    let again = driver.wait_for(
        "the exit view",
        "const v = document.getElementById('verdict'); return v.dataset.state === 'exit' && \
         [document.getElementById('verdict-title').textContent, getComputedStyle(v).backgroundColor, \
          document.activeElement.id];",
    );
    assert_eq!(again, json!(["退室", "rgb(55, 65, 81)", "carried"]));
    assert!(driver.is_displayed("#exit-actions"));
    assert!(!driver.is_displayed("#entry-actions"));
    assert!(driver.is_displayed("#verdict-holder"));
    assert!(
        driver.fits_window("#verdict"),
        "the exit view scrolls at 1024×768"
    );
    driver.assert_readable("#verdict");
    driver.screenshot("gate-exit-1024x768");
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

#[test]
fn the_verdict_fits_a_portrait_tablet_and_opens_at_its_top() {
    let test = "the_verdict_fits_a_portrait_tablet_and_opens_at_its_top";
    let Some(driver) = Browser::desktop(768, 1024, test) else {
        return;
    };
    let app = TestApp::spawn();
    let g = gate(&app);
    let (_, code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    open_gate(&driver, &app, &g);
    driver.type_into("#scan", &format!("{code}\u{E007}"));
    driver.wait_for(
        "入室可",
        "return document.getElementById('verdict').dataset.state === 'allow';",
    );
    assert!(driver.fits_window("#verdict"), "入室可 scrolls at 768×1024");
    assert_eq!(
        driver.script("return document.getElementById('verdict').scrollTop;"),
        0
    );
    assert!(driver.is_displayed("#verdict-title") && driver.is_displayed("#verdict-close"));
    driver.assert_readable("#verdict");
    driver.screenshot("gate-allow-768x1024");
    driver.click("#id-checked");
    driver.click("#record-entry");
    driver.wait_for(
        "the entry",
        "return document.getElementById('verdict').dataset.state === 'done';",
    );
    driver.click("#verdict-close");
    driver.type_into("#scan", &format!("{code}\u{E007}"));
    driver.wait_for(
        "the exit view",
        "return document.getElementById('verdict').dataset.state === 'exit';",
    );
    driver.type_into("#carried", "PC-0001\u{E007}");
    driver.type_into("#carried", "PC-0002\u{E007}");
    assert!(driver.fits_window("#verdict"), "退室 scrolls at 768×1024");
    driver.assert_readable("#verdict");
    driver.screenshot("gate-exit-768x1024");
}

/// The badge's texts must be readable on paper of 91×55 mm: dark on white, not below 7 pt.
const BADGE_BOX: &str = "const b = document.querySelector('.permit-badge').getBoundingClientRect(); \
    const small = [...document.querySelectorAll('.permit-badge *')].filter((e) => e.childNodes.length && \
      parseFloat(getComputedStyle(e).fontSize) < 9.3).map((e) => e.textContent); \
    const e = document.querySelector('.permit-badge'); \
    return [b.width, b.height, small, e.scrollHeight <= e.clientHeight && e.scrollWidth <= e.clientWidth];";

#[test]
fn every_text_on_the_badge_is_readable_on_screen_and_in_print() {
    let test = "every_text_on_the_badge_is_readable_on_screen_and_in_print";
    let Some(driver) = Browser::desktop(1024, 768, test) else {
        return;
    };
    let app = TestApp::spawn();
    let g = gate(&app);
    let (id, _) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    driver.sign_in(
        &app.url(&format!("/login?next=/permits/{id}/badge")),
        "hira",
        USER_PASSWORD,
    );
    driver.wait_for(
        "the QR image",
        "const i = document.querySelector('.permit-badge img'); return i && i.complete && i.naturalWidth > 0;",
    );
    for print in [false, true] {
        driver.print_media(print);
        for text in [
            "入室許可証",
            "山田 太郎",
            "株式会社保守サービス",
            "許可番号",
            "付添 要",
            "サーバ室",
        ] {
            let shown = driver.text(".permit-badge");
            assert!(
                shown.contains(text),
                "{text} missing from the badge: {shown}"
            );
        }
        let texts = driver.contrasts(".permit-badge");
        assert!(texts.len() >= 6, "{texts:?}");
        driver.assert_readable(".permit-badge");
        let sizes = driver.script(BADGE_BOX);
        // 91 mm = 343.9 CSS px; 55 mm = 207.9 CSS px.
        let (w, h) = (sizes[0].as_f64().unwrap(), sizes[1].as_f64().unwrap());
        assert!(
            (w - 343.9).abs() < 1.5 && h <= 208.9,
            "the badge is {w}×{h} px"
        );
        assert_eq!(sizes[2], json!([]), "text under 7 pt");
        assert_eq!(sizes[3], true, "text runs out of the badge");
        if print {
            assert!(!driver.is_displayed("header.site"), "the header is printed");
        }
        driver.screenshot(if print { "badge-print" } else { "badge-screen" });
    }
}
