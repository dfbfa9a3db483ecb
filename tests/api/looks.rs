//! Every page as its users see it. At 390×844 no menu page (nor a record's page) of any role is
//! wider than the phone and the header stays compact; `shots` (ignored, run on demand) renders every page for each
//! role at a phone's, a tablet's (both ways) and a desk's size into `target/shots/`:
//! `cargo test --test api shots -- --ignored`.

use crate::common::browser::Browser;
use crate::common::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, body};
use crate::register::device;
use chrono::{TimeDelta, Utc};
use serde_json::json;

/// One signed-in person per role (the seed makes them).
pub(crate) const ROLES: [(&str, &str); 6] = [
    ("admin", "admin"),
    ("kacho", "security_manager"),
    ("unyo", "operator"),
    ("keibi", "guard"),
    ("hira", "staff"),
    ("kansa", "auditor"),
];

/// The sizes the pages are looked at: an operator's phone, the guard's tablet both ways, a desk.
const SIZES: [(u32, u32); 4] = [(390, 844), (1024, 768), (768, 1024), (1440, 900)];

/// Records of every kind, so lists and detail pages show rows, not emptiness.
pub(crate) struct Seed {
    incident: i64,
    movement: i64,
    permit: i64,
    stocktake: i64,
    operator_id: i64,
}

pub(crate) fn seed(app: &TestApp) -> Seed {
    let g = crate::access::gate(app);
    let f = &g.f;
    app.user(&f.admin, "kansa", &["auditor"], None);
    let operator_id = body(app.get("/api/v1/me", &f.operator))["id"]
        .as_i64()
        .unwrap();
    let made = app.post("/api/v1/equipment", &f.operator, &device("SRV-001", f));
    assert_eq!(made.status(), 201, "{:?}", made.text());
    let mut long = device("TRM-2026-000123-LONGTAG", f);
    long["name"] =
        json!("会計年度任用職員用シンクライアント端末（窓口業務・住民情報系ネットワーク接続用）");
    long["classification"] = json!("general");
    long["kind"] = json!("terminal");
    let made = app.post("/api/v1/equipment", &f.operator, &long);
    assert_eq!(made.status(), 201, "{:?}", made.text());

    let day = |days: i64| {
        (Utc::now() + TimeDelta::days(days))
            .date_naive()
            .to_string()
    };
    let movement = app.post(
        "/api/v1/movements",
        &g.staff,
        &json!({"direction": "out", "asset_tag": "TRM-2026-000123-LONGTAG", "zone_id": f.zone,
                "reason": "メーカー修理", "destination": "富士通 修理センター",
                "planned_at": day(3), "return_due": day(20)}),
    );
    assert_eq!(movement.status(), 201, "{:?}", movement.text());
    let movement = body(movement)["id"].as_i64().unwrap();

    let (permit, code) = crate::access::approved(
        app,
        &g,
        &g.staff,
        &crate::access::visitor_request(f.zone, 0, 8),
    );
    let entry = app.post(
        "/api/v1/gate/entries",
        &g.guard,
        &json!({"code": code, "zone_id": f.zone, "id_checked": true, "id_document": "運転免許証"}),
    );
    assert_eq!(entry.status(), 201, "{:?}", entry.text());

    let stocktake = app.post(
        "/api/v1/stocktakes",
        &f.operator,
        &json!({"zone_id": f.zone}),
    );
    assert_eq!(stocktake.status(), 201, "{:?}", stocktake.text());
    let stocktake = body(stocktake)["id"].as_i64().unwrap();

    let software = crate::licenses::software(
        app,
        &f.manager,
        "Microsoft Office LTSC Professional Plus 2024",
    );
    crate::licenses::license(app, f, software, 5, None);
    let incident = app.post(
        "/api/v1/incidents",
        &g.staff,
        &json!({"kind": "fault", "title": "サーバ室の空調停止", "found_at": day(0),
                "description": "空調が停止し、室温が32℃まで上昇した。サーバの温度警告は出ていない。",
                "zone_id": f.zone, "asset_tags": ["SRV-001", "TRM-2026-000123-LONGTAG"]}),
    );
    assert_eq!(incident.status(), 201, "{:?}", incident.text());
    let incident = body(incident)["id"].as_i64().unwrap();
    Seed {
        incident,
        movement,
        permit,
        stocktake,
        operator_id,
    }
}

pub(crate) fn sign_in(driver: &Browser, app: &TestApp, username: &str) {
    driver.clear_cookies();
    let password = if username == "admin" {
        ADMIN_PASSWORD
    } else {
        USER_PASSWORD
    };
    driver.sign_in(&app.url("/login"), username, password);
}

/// The menu's pages for whoever is signed in, the home page first.
pub(crate) fn menu(driver: &Browser) -> Vec<String> {
    let links = driver.script(
        "return [...document.querySelectorAll('header.site nav a')].map((a) => a.getAttribute('href'));",
    );
    let mut pages = vec!["/".to_owned()];
    pages.extend(
        links
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_owned()),
    );
    pages
}

fn header_height(driver: &Browser) -> f64 {
    driver
        .script("return document.querySelector('header.site').getBoundingClientRect().height;")
        .as_f64()
        .unwrap()
}

#[test]
fn every_menu_page_fits_a_phone_for_each_role() {
    let test = "every_menu_page_fits_a_phone_for_each_role";
    let Some(driver) = Browser::start(390, 844, test) else {
        return;
    };
    let app = TestApp::spawn();
    let seed = seed(&app);
    let mut faults = Vec::new();
    let mut seen = 0;
    for (username, role) in ROLES {
        sign_in(&driver, &app, username);
        let mut pages = menu(&driver);
        assert!(pages.len() > 2, "{role} has a menu: {pages:?}");
        // The pages opened from the menu's lists fit too (or their refusal does).
        pages.extend(detail_pages(&seed));
        for page in pages {
            driver.goto(&app.url(&page));
            let (scroll, inner) = driver.page_widths();
            if scroll > inner {
                faults.push(format!("{role} {page}: {scroll} px wide in {inner}"));
                driver.screenshot(&format!("wide-{role}{}", page.replace('/', "-")));
            }
            let height = header_height(&driver);
            if height > 64.0 {
                faults.push(format!("{role} {page}: header {height} px tall"));
            }
            let menu_shown = driver.script(
                "const n = document.querySelector('header.site nav'); return !!n && n.getClientRects().length > 0;",
            );
            if menu_shown == true {
                faults.push(format!("{role} {page}: the menu is open on arrival"));
            }
            seen += 1;
        }
        // The menu button opens the menu below the compact header, every link in reach.
        driver.click(".menu-toggle");
        assert!(
            driver.is_displayed("header.site nav a"),
            "{role}: the menu does not open"
        );
        assert_eq!(driver.attribute(".menu-toggle", "aria-expanded"), "true");
        assert!(header_height(&driver) <= 64.0);
        if username == "admin" {
            driver.screenshot("menu-open-390x844");
        }
    }
    assert!(seen >= 100, "only {seen} pages looked at");
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

/// Pages beyond the menu that people open: details, forms, the phone card, the gate, the badge.
pub(crate) fn detail_pages(seed: &Seed) -> Vec<String> {
    vec![
        "/equipment/SRV-001".to_owned(),
        "/equipment/new".to_owned(),
        "/e/SRV-001".to_owned(),
        format!("/movements/{}", seed.movement),
        "/movements/new".to_owned(),
        format!("/permits/{}", seed.permit),
        format!("/permits/{}/badge", seed.permit),
        "/permits/new".to_owned(),
        format!("/stocktakes/{}", seed.stocktake),
        format!("/stocktakes/{}/scan", seed.stocktake),
        format!("/users/{}/edit", seed.operator_id),
        "/password".to_owned(),
        format!("/incidents/{}", seed.incident),
        "/incidents/new".to_owned(),
    ]
}

#[test]
#[ignore = "renders every page into target/shots/ for a person to look at; run on demand"]
fn shots() {
    let app = TestApp::spawn();
    let seed = seed(&app);
    for (width, height) in SIZES {
        let driver = if width < 500 {
            Browser::start(width, height, "shots")
        } else {
            Browser::desktop(width, height, "shots")
        };
        let Some(driver) = driver else {
            return;
        };
        for (username, role) in ROLES {
            sign_in(&driver, &app, username);
            let mut pages = menu(&driver);
            pages.extend(detail_pages(&seed));
            for page in pages {
                driver.goto(&app.url(&page));
                let slug = page.trim_matches('/').replace('/', "-");
                let slug = if slug.is_empty() { "home" } else { &slug };
                driver.screenshot(&format!("{width}x{height}-{role}-{slug}"));
            }
        }
    }
}
