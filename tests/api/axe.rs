//! Accessibility as a machine checks it: axe-core's WCAG 2.0/2.1 A and AA rules find nothing on
//! the sign-in page nor on any page (menu pages and the records' pages) of any role, at a desk's
//! 1024×768 and a phone's 390×844; and what axe leaves out: every field's border stands out at
//! least 3:1 (WCAG 1.4.11). axe-core comes from npm, once: `npm ci --prefix tests/axe`.

use crate::common::browser::Browser;
use crate::common::{TestApp, tools};
use crate::looks::{ROLES, Seed, detail_pages, menu, seed, sign_in};
use crate::register::fixture;
use serde_json::{Value, json};
use std::path::Path;

/// The rule sets the brief holds the pages to: WCAG 2.0 and 2.1, levels A and AA.
const TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// Runs axe (already defined by the source before it) on the page and answers each violation
/// with the first few elements it names.
const RUN: &str = r#"
axe.run(document, { runOnly: { type: "tag", values: arguments[0] }, resultTypes: ["violations"] })
  .then((r) => done(r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")), count: v.nodes.length,
  }))))
  .catch((e) => done({ error: String(e) }));
"#;

/// axe-core's script, read from its npm package; `None` (after a loud skip, or a panic under
/// `DAICHO_REQUIRE_ALL_TESTS=1`) when it has not been installed.
struct Axe(String);

impl Axe {
    fn load(test: &str) -> Option<Axe> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/axe/node_modules/axe-core/axe.min.js");
        let path = tools::require_file(
            "axe-core",
            &path,
            "run `npm ci --prefix tests/axe` once, or .ci/run",
            test,
        )?;
        Some(Axe(std::fs::read_to_string(path).unwrap()))
    }

    /// Each violation on the page the browser shows, one line each, prefixed with `whose`.
    fn violations(&self, driver: &Browser, whose: &str) -> Vec<String> {
        // The page is new after every navigation: axe goes in with each run.
        let script = format!(
            "const done = arguments[arguments.length - 1];\n{}\n{RUN}",
            self.0
        );
        let found = driver.call_async(&script, json!([TAGS]), 60);
        let Value::Array(found) = found else {
            panic!("axe did not run on {whose}: {found}");
        };
        found
            .iter()
            .map(|v| {
                format!(
                    "{whose}: {} ({}) {} — {} element(s): {}",
                    v["id"].as_str().unwrap_or_default(),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or_default(),
                    v["count"],
                    v["targets"]
                )
            })
            .collect()
    }
}

/// axe is really looking: a field without a name and grey-on-grey text put on the page are found.
fn assert_axe_sees_faults(axe: &Axe, driver: &Browser) {
    driver.script(
        "const m = document.querySelector('main'); \
         m.insertAdjacentHTML('beforeend', '<input id=\"axe-bait\"><p style=\"color:#aaa;background:#bbb\">見えにくい</p>');",
    );
    let found = axe.violations(driver, "bait").join("\n");
    for rule in ["label", "color-contrast"] {
        assert!(
            found.contains(&format!("bait: {rule} ")),
            "axe missed {rule}: {found}"
        );
    }
    driver.goto(&driver.url());
}

/// The sign-in page as it comes, and as it comes back with its error.
fn sign_in_page(axe: &Axe, driver: &Browser, app: &TestApp, size: &str) -> Vec<String> {
    driver.clear_cookies();
    driver.goto(&app.url("/login"));
    let mut faults = axe.violations(driver, &format!("{size} signed out /login"));
    driver.type_into("input[name=username]", "nobody");
    driver.type_into("input[name=password]", "wrong-password\u{E007}");
    driver.find("p.alert");
    faults.extend(axe.violations(driver, &format!("{size} signed out /login (refused)")));
    faults
}

/// Every menu page and record page of each of `roles`; returns how many pages were checked.
fn walk(
    axe: &Axe,
    driver: &Browser,
    app: &TestApp,
    seed: &Seed,
    roles: &[(&str, &str)],
    size: &str,
    faults: &mut Vec<String>,
) -> usize {
    let mut seen = 0;
    for (username, role) in roles {
        sign_in(driver, app, username);
        let mut pages = menu(driver);
        assert!(pages.len() > 2, "{role} has a menu: {pages:?}");
        pages.extend(detail_pages(seed));
        for page in pages {
            driver.goto(&app.url(&page));
            let found = axe.violations(driver, &format!("{size} {role} {page}"));
            if !found.is_empty() {
                let slug = page.trim_matches('/').replace('/', "-");
                driver.screenshot(&format!("axe-{size}-{role}-{slug}"));
            }
            faults.extend(found);
            seen += 1;
        }
    }
    seen
}

#[test]
fn axe_finds_no_wcag_aa_violation_on_any_page_of_any_role_at_1024x768() {
    let test = "axe_finds_no_wcag_aa_violation_on_any_page_of_any_role_at_1024x768";
    let Some(axe) = Axe::load(test) else {
        return;
    };
    let Some(driver) = Browser::desktop(1024, 768, test) else {
        return;
    };
    let app = TestApp::spawn();
    let seed = seed(&app);
    driver.goto(&app.url("/login"));
    assert_axe_sees_faults(&axe, &driver);
    let mut faults = sign_in_page(&axe, &driver, &app, "1024x768");
    let seen = walk(&axe, &driver, &app, &seed, &ROLES, "1024x768", &mut faults);
    assert!(seen >= 100, "only {seen} pages checked");

    // The gate's verdict, a modal dialog over the page, open on a refused code.
    sign_in(&driver, &app, "keibi");
    driver.goto(&app.url("/gate"));
    driver.wait_for(
        "the gate screen",
        "return document.getElementById('gate').dataset.zone;",
    );
    driver.type_into("#scan", "NOT-A-PERMIT\u{E007}");
    driver.wait_for(
        "the verdict",
        "const v = document.getElementById('verdict'); return !v.hidden && v.dataset.state === 'deny';",
    );
    faults.extend(axe.violations(&driver, "1024x768 guard /gate (verdict open)"));

    // A form the server refused: its fields in error, their messages and the alert.
    sign_in(&driver, &app, "unyo");
    driver.goto(&app.url("/equipment/new"));
    driver.script(
        "const f = document.querySelector('form.stack'); f.noValidate = true; \
         f.asset_tag.value = 'SRV#050'; f.requestSubmit();",
    );
    driver.find(".field-error");
    driver.screenshot("axe-refused-form-1024x768");
    faults.extend(axe.violations(&driver, "1024x768 operator /equipment/new (refused)"));
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[test]
fn axe_finds_no_wcag_aa_violation_on_a_phone() {
    let test = "axe_finds_no_wcag_aa_violation_on_a_phone";
    let Some(axe) = Axe::load(test) else {
        return;
    };
    let Some(driver) = Browser::start(390, 844, test) else {
        return;
    };
    let app = TestApp::spawn();
    let seed = seed(&app);
    let mut faults = sign_in_page(&axe, &driver, &app, "390x844");
    // The operator carries the phone; the admin sees every page.
    let roles: Vec<_> = ROLES
        .into_iter()
        .filter(|(_, role)| ["admin", "operator"].contains(role))
        .collect();
    let seen = walk(&axe, &driver, &app, &seed, &roles, "390x844", &mut faults);
    assert!(seen >= 30, "only {seen} pages checked");

    // The menu opened below the compact header.
    driver.goto(&app.url("/"));
    driver.click(".menu-toggle");
    assert!(driver.is_displayed("header.site nav a"));
    faults.extend(axe.violations(&driver, "390x844 operator / (menu open)"));
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

/// What axe does not check: a field's edge, the only sign of where to type, stands out 3:1
/// from inside and around it (WCAG 1.4.11), on the sign-in form and the register's form.
#[test]
fn every_field_border_contrasts_at_least_3_to_1() {
    let test = "every_field_border_contrasts_at_least_3_to_1";
    let app = TestApp::spawn();
    fixture(&app);
    let fields =
        "input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea";
    let mut poor = Vec::new();
    let mut seen = 0;
    // The form sits on white on a desk and on the page's tint on a phone.
    for (width, height) in [(1024, 768), (390, 844)] {
        let started = if width < 500 {
            Browser::start(width, height, test)
        } else {
            Browser::desktop(width, height, test)
        };
        let Some(driver) = started else {
            return;
        };
        driver.goto(&app.url("/login"));
        for page in ["/login", "/equipment/new"] {
            if page != "/login" {
                sign_in(&driver, &app, "unyo");
                driver.goto(&app.url(page));
            }
            let rows = driver.border_contrasts(fields);
            seen += rows.len();
            poor.extend(rows.into_iter().filter(|(ratio, _, _)| *ratio < 3.0).map(
                |(ratio, field, what)| {
                    format!("{width}x{height} {page} {field}: {ratio:.2}:1, {what}")
                },
            ));
            let slug = page.trim_matches('/').replace('/', "-");
            driver.screenshot(&format!("field-borders-{width}x{height}-{slug}"));
        }
    }
    assert!(seen >= 16, "only {seen} fields measured");
    assert!(poor.is_empty(), "borders below 3:1:\n{}", poor.join("\n"));
}
