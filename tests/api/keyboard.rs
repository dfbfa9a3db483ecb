//! What a keyboard user and a screen-reader user meet (issue 13 items 11, 12),
//! in headless Chromium, checking what is displayed, not only the DOM.

use crate::common::browser::Browser;
use crate::common::{TestApp, USER_PASSWORD};
use crate::register::fixture;

fn journey(width: u32, height: u32, name: &str) {
    let started = if width <= 600 {
        Browser::start(width, height, name)
    } else {
        Browser::desktop(width, height, name)
    };
    let Some(driver) = started else {
        return;
    };
    let app = TestApp::spawn();
    let f = fixture(&app);
    driver.goto(&app.url("/equipment/new"));
    driver.wait_for_url(|u| u.contains("/login"));
    assert_eq!(
        driver.script("return document.activeElement.name"),
        "username",
        "the sign-in form's first field has the cursor"
    );
    driver.type_into("input[name=username]", "unyo");
    driver.type_into("input[name=password]", USER_PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_path("/equipment/new");

    // The first field of the form, not the 15th Tab.
    assert_eq!(
        driver.script("return document.activeElement.name"),
        "asset_tag",
        "{}",
        driver.script("return document.activeElement.outerHTML + ' ' + location.href")
    );
    // The skip link: hidden until a Tab reaches it, then seen, and it leads to 本文.
    assert!(
        !driver.is_displayed(".skip-link") || {
            let top = driver.script(
                "return document.querySelector('.skip-link').getBoundingClientRect().bottom",
            );
            top.as_f64().unwrap_or(0.0) <= 0.0
        }
    );
    driver.script("document.querySelector('.skip-link').focus()");
    assert!(driver.is_displayed(".skip-link"));
    let top =
        driver.script("return document.querySelector('.skip-link').getBoundingClientRect().top");
    assert!(
        top.as_f64().unwrap() >= 0.0,
        "the focused skip link is on screen"
    );
    driver.screenshot(&format!("{name}-skip-link"));
    assert!(driver.attribute(".skip-link", "href").ends_with("#main"));

    driver.type_into("input[name=asset_tag]", "SRV-050");
    driver.type_into("input[name=name]", "基幹サーバ");
    driver.script(&format!(
        "const f = document.querySelector('form.stack');
         f.kind.value = 'server'; f.classification.value = 'secret';
         f.department_id.value = '{}'; f.zone_id.value = '{}';",
        f.dept, f.zone
    ));
    let invalid = driver.script(
        "return [...document.querySelectorAll('form.stack :invalid')].map(e => e.name + '=' + e.value + ':' + e.validationMessage)",
    );
    assert_eq!(invalid, serde_json::json!([]), "the form is complete");
    driver.click("form.stack button[type=submit]");
    driver.wait_for_url(|u| u.ends_with("/equipment/SRV-050"));
    driver.wait_for_text("#notice", "機器 SRV-050 を登録しました。");
    assert!(driver.is_displayed("#notice"), "the notice is seen");
    assert_eq!(driver.attribute("#notice", "role"), "status");
    driver.screenshot(&format!("{name}-notice"));
    // Said once: a reload does not repeat it.
    driver.goto(&app.url("/equipment/SRV-050"));
    driver.find("h1");
    assert!(!driver.is_displayed("#notice"));
}

#[test]
fn keyboard_users_skip_to_the_form_and_hear_what_was_done_on_a_phone() {
    journey(390, 844, "keyboard_phone");
}

#[test]
fn keyboard_users_skip_to_the_form_and_hear_what_was_done_on_a_desk() {
    journey(1440, 900, "keyboard_desk");
}

/// A field the server refuses says so to a screen reader: `aria-invalid`, and
/// the message beside it (seen) as its description; the cursor is on it.
#[test]
fn a_field_in_error_is_marked_invalid_and_described_by_its_message() {
    let Some(driver) = Browser::desktop(1024, 768, "field_in_error") else {
        return;
    };
    let app = TestApp::spawn();
    let f = fixture(&app);
    driver.goto(&app.url("/equipment/new"));
    driver.type_into("input[name=username]", "unyo");
    driver.type_into("input[name=password]", &format!("{USER_PASSWORD}\u{E007}"));
    driver.wait_for_path("/equipment/new");
    assert_eq!(
        driver.attribute("input[name=asset_tag]", "aria-invalid"),
        ""
    );
    driver.script(&format!(
        "const f = document.querySelector('form.stack');
         f.noValidate = true;
         f.asset_tag.value = 'SRV#050'; f.name.value = '基幹サーバ';
         f.kind.value = 'server'; f.classification.value = 'secret';
         f.department_id.value = '{}'; f.zone_id.value = '{}';",
        f.dept, f.zone
    ));
    driver.click("form.stack button[type=submit]");
    driver.wait_for(
        "the refused form",
        "return document.querySelector('.field-error') !== null",
    );
    assert_eq!(
        driver.attribute("input[name=asset_tag]", "aria-invalid"),
        "true"
    );
    assert_eq!(driver.attribute("input[name=name]", "aria-invalid"), "");
    let described = driver.attribute("input[name=asset_tag]", "aria-describedby");
    let message = driver.text(&format!("#{described}"));
    assert!(
        message.contains('#'),
        "the message names the character: {message}"
    );
    assert!(driver.is_displayed(&format!("#{described}")));
    assert_eq!(
        driver.script("return document.activeElement.name"),
        "asset_tag",
        "the cursor is on the field in error"
    );
    driver.screenshot("field_in_error");
}
