//! The ライセンス管理 and ソフトウェア導入 pages, and the 配線・機器変更 page, through a cookie session.

use super::{add_device, install, license, software};
use crate::common::session::Browser;
use crate::common::{TestApp, USER_PASSWORD};
use crate::register::fixture;
use reqwest::blocking::Response;

/// A signed-in page session (the shared cookie helper).
pub fn sign_in<'a>(app: &'a TestApp, username: &str, password: &str) -> Browser<'a> {
    let mut browser = Browser::new(app);
    assert_eq!(
        browser.sign_in(username, password).status(),
        303,
        "{username} signs in"
    );
    browser
}

/// A page's HTML, asserting it answered 200.
pub trait Html {
    fn html(&self, path: &str) -> String;
}

impl Html for Browser<'_> {
    fn html(&self, path: &str) -> String {
        let response = self.get(path);
        assert_eq!(response.status(), 200, "{path}");
        response.text().unwrap()
    }
}

fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[test]
fn the_license_pages_show_overuse_register_licenses_and_decide_requests() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    add_device(&app, &f, "PC-002");
    let (_, _staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let office = software(&app, &f.admin, "Office");
    license(&app, &f, office, 1, None);
    install(&app, &f.operator, "PC-001", office, "2024", None);
    install(&app, &f.operator, "PC-002", office, "2024", None);

    let manager = sign_in(&app, "kacho", USER_PASSWORD);
    let html = manager.html("/");
    assert!(
        html.contains("href=\"/licenses\"") && html.contains("href=\"/cabling\""),
        "menu entries"
    );
    let html = manager.html("/licenses");
    assert!(html.contains("<h1>ライセンス管理</h1>"));
    assert!(html.contains("超過 1"), "the over-used license is flagged");
    assert!(html.contains("保有数量を超えて導入されているソフトウェアが 1 件あります"));
    assert!(html.contains("CERT-2026-001"), "the license ledger");
    assert!(html.contains("/licenses/export.csv"));
    let csv = manager.get("/licenses/export.csv");
    assert_eq!(csv.status(), 200);
    assert!(csv.bytes().unwrap().starts_with(b"\xEF\xBB\xBF"));

    // Register software and a license through the forms; faults come back beside the fields.
    let csrf = manager.csrf("/licenses");
    let r = manager.post(
        "/licenses/software",
        &[
            ("csrf", &csrf),
            ("name", "一太郎"),
            ("vendor", "ジャストシステム"),
            ("edition", ""),
        ],
    );
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/licenses");
    let r = manager.post(
        "/licenses/software",
        &[
            ("csrf", &csrf),
            ("name", ""),
            ("vendor", "x"),
            ("edition", ""),
        ],
    );
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("class=\"field-error\""));
    let office_id = office.to_string();
    let dept = f.dept.to_string();
    let base = [
        ("csrf", csrf.as_str()),
        ("software_id", office_id.as_str()),
        ("kind", "device"),
        ("seats", "3"),
        ("valid_from", ""),
        ("valid_until", "2027-03-31"),
        ("certificate_number", "CERT-FORM-9"),
        ("purchased_on", ""),
        ("purchased_from", ""),
        ("purchase_price_yen", ""),
        ("department_id", dept.as_str()),
        ("notes", ""),
    ];
    let r = manager.post("/licenses/new", &base);
    assert_eq!(r.status(), 303, "{:?}", r.text());
    let html = manager.html("/licenses");
    assert!(
        html.contains("CERT-FORM-9") && !html.contains("超過 1"),
        "4 seats now cover 2 installs"
    );
    let mut bad = base;
    bad[3] = ("seats", "たくさん");
    bad[5] = ("valid_until", "来年");
    let r = manager.post("/licenses/new", &bad);
    assert_eq!(r.status(), 422);
    let text = r.text().unwrap();
    assert!(
        text.contains("数字で入力してください") && text.contains("日付は 例："),
        "field messages"
    );
    assert_eq!(
        manager
            .post("/licenses/new", &[("csrf", "forged")])
            .status(),
        400,
        "a form without its fields is malformed"
    );

    // Staff ask; the manager decides on the page.
    let staff = sign_in(&app, "hira", USER_PASSWORD);
    assert!(
        !staff.html("/").contains("href=\"/licenses\""),
        "staff see no license ledger"
    );
    assert_eq!(staff.get("/licenses").status(), 403);
    let csrf = staff.csrf("/licenses/installs");
    let r = staff.post(
        "/licenses/installs/requests",
        &[
            ("csrf", &csrf),
            ("asset_tag", "pc-001"),
            ("software_id", &office_id),
            ("version", "2026"),
            ("change", "upgrade"),
            ("reason", "新版の様式に対応"),
        ],
    );
    assert_eq!(r.status(), 303);
    let r = staff.post(
        "/licenses/installs/requests",
        &[
            ("csrf", &csrf),
            ("asset_tag", "NOPE"),
            ("software_id", &office_id),
            ("version", "2026"),
            ("change", "upgrade"),
            ("reason", "x"),
        ],
    );
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .unwrap()
            .contains("NOPE の機器は登録されていません")
    );
    let html = manager.html("/licenses/installs");
    assert!(html.contains("新版の様式に対応") && html.contains("バージョンアップ"));
    let id = {
        let at = html.find("/licenses/installs/requests/").unwrap()
            + "/licenses/installs/requests/".len();
        html[at..at + html[at..].find('/').unwrap()].to_owned()
    };
    let csrf = manager.csrf("/licenses/installs");
    let r = manager.post(
        &format!("/licenses/installs/requests/{id}/approve"),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status(), 303);
    assert!(
        manager
            .html("/licenses/installs?done=approve")
            .contains("許可しました")
    );
    let r = manager.post(
        &format!("/licenses/installs/requests/{id}/approve"),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status(), 409, "already decided");
    assert_eq!(
        manager
            .post(
                &format!("/licenses/installs/requests/{id}/approve"),
                &[("csrf", "forged")]
            )
            .status(),
        403
    );

    // The operator records what is found, citing the permission.
    let operator = sign_in(&app, "unyo", USER_PASSWORD);
    let csrf = operator.csrf("/licenses/installs");
    let r = operator.post(
        "/licenses/installs/installations",
        &[
            ("csrf", &csrf),
            ("asset_tag", "PC-001"),
            ("software_id", &office_id),
            ("version", "2026"),
            ("install_request_id", &id),
        ],
    );
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        "/licenses/installs?done=record",
        "permitted and within the seats"
    );
    let r = operator.post(
        "/licenses/installs/installations",
        &[
            ("csrf", &csrf),
            ("asset_tag", "PC-002"),
            ("software_id", &office_id),
            ("version", "2026"),
            ("install_request_id", ""),
        ],
    );
    assert_eq!(
        location(&r),
        "/licenses/installs?done=record-findings",
        "recorded, but without permission"
    );
    let html = operator.html("/licenses/installs");
    assert!(html.contains("許可済 #") && html.contains("許可なし"));
}
