//! QR labels (decoded by zbarimg), the `/e/{tag}` page a label opens, and A4 label sheets.

use crate::common::{TestApp, USER_PASSWORD, assert_error, body, tools};
use crate::register::{Fixture, device, fixture};
use reqwest::blocking::Response;
use serde_json::json;

/// A signed-in page session (cookie) for one user.
pub struct Pages<'a> {
    app: &'a TestApp,
    cookie: String,
}

impl<'a> Pages<'a> {
    pub fn sign_in(app: &'a TestApp, username: &str, password: &str) -> Pages<'a> {
        let response = app
            .client
            .post(app.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .unwrap();
        assert_eq!(response.status(), 303, "{username} signs in");
        let set = response.headers()["set-cookie"].to_str().unwrap();
        Pages {
            app,
            cookie: set.split(';').next().unwrap().to_owned(),
        }
    }

    pub fn get(&self, path: &str) -> Response {
        self.app
            .client
            .get(self.app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .unwrap()
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .unwrap()
    }

    /// The CSRF token of the signed-in session, read from any page's logout form.
    pub fn csrf(&self) -> String {
        let html = self.get("/").text().unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = html.find(marker).expect("a CSRF token") + marker.len();
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    }
}

pub fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn register(app: &TestApp, f: &Fixture, tag: &str) {
    let created = app.post("/api/v1/equipment", &f.operator, &device(tag, f));
    assert_eq!(created.status(), 201, "{:?}", created.text());
}

#[test]
fn png_label_decodes_to_the_exact_url() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    register(&app, &f, "SRV-001");
    let response = app.get("/api/v1/equipment/srv-001/label.png", &f.operator);
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let png = response.bytes().unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    let Some(zbarimg) = tools::require(
        "zbarimg",
        &["/usr/bin/zbarimg"],
        "png_label_decodes_to_the_exact_url",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("label.png");
    std::fs::write(&file, &png).unwrap();
    let out = std::process::Command::new(zbarimg)
        .args(["--raw", "-q"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "zbarimg reads the label: {out:?}");
    let decoded = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        decoded.trim_end_matches('\n'),
        format!("{}/e/SRV-001", app.settings.public_url),
        "the QR encodes exactly {{DAICHO_PUBLIC_URL}}/e/{{TAG}}"
    );
    assert!(app.settings.public_url.starts_with("http://127.0.0.1:"));
}

#[test]
fn svg_label_carries_the_tag_and_refusals() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    register(&app, &f, "NW-0042");
    let response = app.get("/api/v1/equipment/NW-0042/label.svg", &f.operator);
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    let svg = response.text().unwrap();
    assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(">NW-0042</text>"), "the tag in clear text");
    // XML-ish: every opened element is closed.
    assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    assert_eq!(
        svg.matches("<title>").count(),
        svg.matches("</title>").count()
    );
    assert!(!svg.contains("<script"));

    assert_error(
        app.get("/api/v1/equipment/NOPE-1/label.png", &f.operator),
        404,
        "not_found",
    );
    assert_error(
        app.get(
            "/api/v1/equipment/%E6%A9%9F%E5%99%A8/label.svg",
            &f.operator,
        ),
        404,
        "not_found",
    );
    let anonymous = app
        .client
        .get(app.url("/api/v1/equipment/NW-0042/label.png"))
        .send()
        .unwrap();
    assert_error(anonymous, 401, "unauthorized");

    let doc = body(app.client.get(app.url("/api/openapi.json")).send().unwrap());
    for path in [
        "/api/v1/equipment/{tag}/label.png",
        "/api/v1/equipment/{tag}/label.svg",
        "/api/v1/stocktakes",
        "/api/v1/stocktakes/{id}",
        "/api/v1/stocktakes/{id}/scans",
        "/api/v1/stocktakes/{id}/close",
        "/api/v1/stocktakes/{id}/report",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}

#[test]
fn a_scanned_label_opens_the_device_after_sign_in() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    register(&app, &f, "SRV-001");
    let anonymous = app.client.get(app.url("/e/SRV-001")).send().unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(location(&anonymous), "/login?next=/e/SRV-001");
    // Sign-in brings you straight back.
    let back = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "unyo"),
            ("password", USER_PASSWORD),
            ("next", "/e/SRV-001"),
        ])
        .send()
        .unwrap();
    assert_eq!(location(&back), "/e/SRV-001");

    let (_, _) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let staff = Pages::sign_in(&app, "hira", USER_PASSWORD);
    let page = staff.get("/e/SRV-001");
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    for expected in [
        "SRV-001",
        "基幹サーバ",
        "サーバ",
        "主要な機器等",
        "サーバ室",
        "本庁舎 / 3 / サーバ室 / R1 / 10-12",
        "稼働中",
        "秘密情報",
        "情報政策課",
        "href=\"/equipment/SRV-001\"",
        "width=device-width",
    ] {
        assert!(html.contains(expected), "{expected} on the page");
    }
    assert!(
        !html.contains("棚卸で確認"),
        "no stocktake action without an open campaign"
    );

    // Full-width and lower-case input lands on the canonical page.
    let wide = staff.get("/e/%EF%BD%93%EF%BD%92%EF%BD%96%EF%BC%8D%EF%BC%90%EF%BC%90%EF%BC%91");
    assert_eq!(wide.status(), 303);
    assert_eq!(location(&wide), "/e/SRV-001");
    assert_eq!(location(&staff.get("/e/srv-001")), "/e/SRV-001");

    let unknown = staff.get("/e/NOPE-999");
    assert_eq!(unknown.status(), 404);
    let html = unknown.text().unwrap();
    assert!(
        html.contains("lang=\"ja\"") && html.contains("NOPE-999 の機器は台帳に登録されていません")
    );
    let bad = staff.get("/e/%E6%A9%9F%E5%99%A8");
    assert_eq!(bad.status(), 404);
    assert!(bad.text().unwrap().contains("資産番号として読み取れません"));
}

#[test]
fn the_device_page_confirms_in_an_open_stocktake_with_one_tap() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    register(&app, &f, "SRV-001");
    let opened = body(app.post(
        "/api/v1/stocktakes",
        &f.operator,
        &json!({"zone_id": f.zone}),
    ));
    let id = opened["id"].as_i64().unwrap();
    let operator = Pages::sign_in(&app, "unyo", USER_PASSWORD);
    let html = operator.get("/e/SRV-001").text().unwrap();
    assert!(html.contains("棚卸で確認"));
    assert!(html.contains(&format!("/stocktakes/{id}/scan")));
    let csrf = operator.csrf();
    let id_text = id.to_string();
    let refused = operator.post(
        "/e/SRV-001/stocktake",
        &[("csrf", "wrong"), ("stocktake_id", &id_text)],
    );
    assert_eq!(refused.status(), 403);
    let tapped = operator.post(
        "/e/SRV-001/stocktake",
        &[("csrf", &csrf), ("stocktake_id", &id_text)],
    );
    assert_eq!(tapped.status(), 303);
    assert_eq!(location(&tapped), "/e/SRV-001?scanned=confirmed");
    let html = operator.get("/e/SRV-001?scanned=confirmed").text().unwrap();
    assert!(html.contains("棚卸: 確認"));
    let again = operator.post(
        "/e/SRV-001/stocktake",
        &[("csrf", &csrf), ("stocktake_id", &id_text)],
    );
    assert_eq!(location(&again), "/e/SRV-001?scanned=duplicate");

    // A staff member sees the device but not the stocktake action.
    app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let staff = Pages::sign_in(&app, "hira", USER_PASSWORD);
    assert!(
        !staff
            .get("/e/SRV-001")
            .text()
            .unwrap()
            .contains("棚卸で確認")
    );
}

fn label_styles(html: &str) -> Vec<String> {
    html.split("class=\"label\" style=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

#[test]
fn label_sheets_have_exact_a4_geometry() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    for i in 1..=30 {
        register(&app, &f, &format!("SRV-{i:03}"));
    }
    let operator = Pages::sign_in(&app, "unyo", USER_PASSWORD);

    let form = operator.get("/labels");
    assert_eq!(form.status(), 200);
    let form = form.text().unwrap();
    assert!(form.contains("ラベル印刷") && form.contains("44面"));
    assert!(form.contains("href=\"/labels\""), "menu entry ラベル印刷");

    let sheet = operator.get("/labels?tags=SRV-002,srv-001,NOPE-1&layout=44");
    assert_eq!(sheet.status(), 200);
    let html = sheet.text().unwrap();
    assert!(html.contains("@page { size: A4; margin: 0; }"));
    assert!(html.contains("width: 210mm; height: 297mm"));
    let styles = label_styles(&html);
    assert_eq!(
        styles,
        vec![
            "left:8.40mm;top:8.80mm;width:48.30mm;height:25.40mm",
            "left:56.70mm;top:8.80mm;width:48.30mm;height:25.40mm",
        ],
        "the order asked for, from the top-left slot"
    );
    assert!(html.find("SRV-002").unwrap() < html.find("SRV-001").unwrap());
    assert!(html.contains("未登録のため印刷しない資産番号: NOPE-1"));
    assert!(html.contains("情報政策課") && html.contains("基幹サーバ"));
    assert_eq!(html.matches("<svg").count(), 2, "an inline QR per label");

    // 12面, starting at slot 4 of a partly used sheet (row 2, column 2).
    let html = operator
        .get("/labels?tags=SRV-001&layout=12&start=4")
        .text()
        .unwrap();
    assert_eq!(
        label_styles(&html),
        vec!["left:105.00mm;top:63.50mm;width:86.40mm;height:42.30mm"]
    );

    // A whole zone on 24面: 30 labels need two sheets; the 25th starts the second one.
    let html = operator
        .get(&format!("/labels?zone_id={}&layout=24", f.zone))
        .text()
        .unwrap();
    assert_eq!(html.matches("data-sheet=").count(), 2);
    let styles = label_styles(&html);
    assert_eq!(styles.len(), 30);
    assert_eq!(
        styles[0],
        "left:6.00mm;top:12.90mm;width:66.00mm;height:33.90mm"
    );
    assert_eq!(
        styles[23],
        "left:138.00mm;top:250.20mm;width:66.00mm;height:33.90mm"
    );
    assert_eq!(styles[24], styles[0]);

    // Per-printer offsets move every label.
    let html = operator
        .get("/labels?tags=SRV-001&layout=24&offset_x=-1.5&offset_y=0.5")
        .text()
        .unwrap();
    assert_eq!(
        label_styles(&html),
        vec!["left:4.50mm;top:13.40mm;width:66.00mm;height:33.90mm"]
    );

    let bad = operator.get("/labels?tags=SRV-001&layout=18&start=99");
    assert_eq!(bad.status(), 422);
    let bad = bad.text().unwrap();
    assert!(bad.contains("12・24・44面のいずれか"));
    let bad = operator.get("/labels?tags=%E3%81%95%E3%83%BC%E3%81%B0&layout=24");
    assert_eq!(bad.status(), 422);
    assert!(bad.text().unwrap().contains("IME"));

    app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let staff = Pages::sign_in(&app, "hira", USER_PASSWORD);
    assert_eq!(staff.get("/labels?tags=SRV-001").status(), 403);
    let manager = Pages::sign_in(&app, "kacho", USER_PASSWORD);
    assert_eq!(manager.get("/labels?tags=SRV-001").status(), 200);
}
