//! The register pages: list with search and filters, detail with history, forms with field errors, zones.

use super::{device, fixture};
use crate::common::{TestApp, USER_PASSWORD, body};
use reqwest::blocking::Response;
use serde_json::json;

struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
}

impl<'a> Browser<'a> {
    fn sign_in(app: &'a TestApp, username: &str, password: &str) -> Browser<'a> {
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
        let set = response.headers()["set-cookie"].to_str().unwrap();
        Browser {
            app,
            cookie: set.split(';').next().unwrap().to_owned(),
        }
    }

    fn get(&self, path: &str) -> Response {
        self.app
            .client
            .get(self.app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .unwrap()
    }

    fn html(&self, path: &str) -> String {
        let response = self.get(path);
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().unwrap()
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .unwrap()
    }

    fn csrf(&self, path: &str) -> String {
        let html = self.html(path);
        let marker = "name=\"csrf\" value=\"";
        let start = html.find(marker).expect("a CSRF token") + marker.len();
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    }
}

fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[test]
fn the_list_searches_filters_and_pages() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    for i in 0..55 {
        let mut d = device(&format!("SRV-{i:03}"), &f);
        d["serial_number"] = json!(format!("SER-{i:03}"));
        if i == 7 {
            d["name"] = json!("住民記録サーバ");
            d["kind"] = json!("storage");
            d["key_equipment"] = json!(false);
        }
        assert_eq!(app.post("/api/v1/equipment", &f.operator, &d).status(), 201);
    }
    let browser = Browser::sign_in(&app, "unyo", USER_PASSWORD);
    let home = browser.html("/");
    assert!(home.contains("href=\"/equipment\">機器台帳</a>") && home.contains("管理区域"));
    let list = browser.html("/equipment");
    assert!(list.contains("全55件"), "paginated total");
    assert!(
        list.contains("SRV-049") && !list.contains("SRV-050"),
        "50 a page"
    );
    assert!(list.contains("href=\"/equipment?page=2\""));
    let page2 = browser.html("/equipment?page=2");
    assert!(page2.contains("SRV-054") && page2.contains("2 / 2"));
    let found = browser.html("/equipment?q=%E4%BD%8F%E6%B0%91"); // 住民
    assert!(found.contains("SRV-007") && found.contains("全1件"));
    let by_serial = browser.html("/equipment?q=SER-01");
    assert!(by_serial.contains("全10件"), "serial contains");
    let by_tag = browser.html("/equipment?q=%EF%BD%93%EF%BD%92%EF%BD%96-053"); // ｓｒｖ-053
    assert!(by_tag.contains("全1件") && by_tag.contains("SRV-053"));
    let storage = browser.html(&format!(
        "/equipment?kind=storage&zone_id={}&department_id={}&status=in_service",
        f.zone, f.dept
    ));
    assert!(storage.contains("全1件"));
    assert!(
        storage.contains("export.csv?zone_id="),
        "the export keeps the filters"
    );
    let key = browser.html("/equipment?key_equipment=false");
    assert!(key.contains("全1件"));
    let disposed = browser.html("/equipment?status=disposed");
    assert!(disposed.contains("全0件") && disposed.contains("該当する機器はありません"));
}

#[test]
fn a_long_list_counts_to_a_thousand_and_still_pages_on() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let mut text = String::from(
        "資産番号,機器名,種別,主要機器,所管課コード,管理区域コード,建物,階,部屋,ラック,ユニット,メーカー,型番,製造番号,情報区分,状態,設置日,UPS資産番号,サージ保護,必要停止時間（分）,備考\r\n",
    );
    for i in 0..1005 {
        let kind = if i < 5 { "network" } else { "terminal" };
        text.push_str(&format!(
            "PC-{i:04},窓口端末{i},{kind},いいえ,JOHO,SRV-ROOM,,,,,,,,SN{i:04},一般情報,,,,,,\r\n"
        ));
    }
    let imported = app
        .request(
            reqwest::Method::POST,
            "/api/v1/equipment/import",
            Some(&f.operator),
        )
        .header("content-type", "text/csv")
        .body(text.into_bytes())
        .send()
        .unwrap();
    assert_eq!(imported.status(), 200, "{:?}", imported.text());
    let page = |query: &str| body(app.get(&format!("/api/v1/equipment?{query}"), &f.operator));

    let first = page("");
    assert_eq!(
        (first["total"].as_i64(), first["total_exact"].as_bool()),
        (Some(1000), Some(false))
    );
    assert_eq!(first["items"][0]["asset_tag"], "PC-0000");
    let last_counted = page("page=20");
    assert_eq!(last_counted["total_exact"], false, "more pages follow");
    assert_eq!(last_counted["items"][49]["asset_tag"], "PC-0999");
    let beyond = page("page=21");
    assert_eq!(
        (beyond["total"].as_i64(), beyond["total_exact"].as_bool()),
        (Some(1005), Some(true)),
        "asking past the cap counts to the end of that page"
    );
    assert_eq!(beyond["items"].as_array().unwrap().len(), 5);
    assert_eq!(beyond["items"][4]["asset_tag"], "PC-1004");
    let narrowed = page("kind=network");
    assert_eq!(
        (
            narrowed["total"].as_i64(),
            narrowed["total_exact"].as_bool()
        ),
        (Some(5), Some(true))
    );
    let by_serial = page("q=SN100");
    assert_eq!(by_serial["total"], 5, "SN1000 to SN1004");

    let browser = Browser::sign_in(&app, "unyo", USER_PASSWORD);
    let list = browser.html("/equipment");
    assert!(list.contains("1 / 20+（1000件以上"), "a bounded count");
    assert!(list.contains("href=\"/equipment?page=2\""));
    let page20 = browser.html("/equipment?page=20");
    assert!(
        page20.contains("href=\"/equipment?page=21\""),
        "a next page past the count"
    );
    let page21 = browser.html("/equipment?page=21");
    assert!(page21.contains("21 / 21（全1005件）") && page21.contains("PC-1004"));
    assert!(!page21.contains("page=22"));
}

#[test]
fn the_detail_page_shows_every_field_and_the_history() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let mut d = device("SRV-001", &f);
    d["installed_on"] = json!("2019-05-01");
    d["notes"] = json!("<script>alert(1)</script>");
    assert_eq!(app.post("/api/v1/equipment", &f.operator, &d).status(), 201);
    assert_eq!(
        app.patch(
            "/api/v1/equipment/SRV-001",
            &f.operator,
            &json!({"name": "基幹サーバ2号"})
        )
        .status(),
        200
    );
    let browser = Browser::sign_in(&app, "unyo", USER_PASSWORD);
    let html = browser.html("/equipment/srv-001");
    for text in [
        "基幹サーバ2号",
        "サーバ",
        "JOHO 情報政策課",
        "SRV-ROOM サーバ室",
        "本庁舎 3階 サーバ室 ラックR1 10-12U",
        "富士通",
        "PRIMERGY RX2540",
        "SN-0001",
        "秘密情報",
        "稼働中",
        "令和元年5月1日",
        "/api/v1/equipment/SRV-001/label.png",
        "登録",
        "機器名: 基幹サーバ → 基幹サーバ2号",
        "/equipment/SRV-001/edit",
    ] {
        assert!(html.contains(text), "{text} in the page");
    }
    assert!(
        html.contains("alert(1)") && !html.contains("<script>alert"),
        "escaped"
    );
    assert_eq!(browser.get("/equipment/NONE-1").status(), 404);
    let (_, _) = app.user(&f.admin, "keibi", &["guard"], None);
    let guard = Browser::sign_in(&app, "keibi", USER_PASSWORD);
    let html = guard.html("/equipment/SRV-001");
    assert!(
        !html.contains("/equipment/SRV-001/edit") && !html.contains("廃棄を記録"),
        "read only"
    );
    assert_eq!(guard.get("/equipment/new").status(), 403);
}

#[test]
fn forms_create_and_edit_with_errors_beside_the_fields() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let browser = Browser::sign_in(&app, "unyo", USER_PASSWORD);
    let csrf = browser.csrf("/equipment/new");
    let dept = f.dept.to_string();
    let zone = f.zone.to_string();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("asset_tag", "ｓｒｖ 9"),
        ("name", ""),
        ("kind", "server"),
        ("department_id", dept.as_str()),
        ("zone_id", zone.as_str()),
        ("classification", "secret"),
        ("status", "in_service"),
        ("installed_on", "2024-02-30"),
        ("required_shutdown_min", "9999"),
        ("ups_asset_tag", ""),
    ];
    let bad = browser.post("/equipment/new", &fields);
    assert_eq!(bad.status(), 422);
    let html = bad.text().unwrap();
    assert!(
        html.contains("class=\"field-error\">日付は 例："),
        "parse errors first"
    );
    fields[8] = ("installed_on", "2024-02-28");
    let bad = browser.post("/equipment/new", &fields);
    assert_eq!(bad.status(), 422);
    let html = bad.text().unwrap();
    assert!(html.contains("資産番号に使えない文字"), "tag error");
    assert!(html.contains("入力してください。"), "name error");
    assert!(html.contains("0〜1440"), "minutes error");
    assert!(html.contains("value=\"ｓｒｖ 9\""), "values kept");
    fields[1] = ("asset_tag", "ｓｒｖ-9");
    fields[2] = ("name", "新サーバ");
    fields[9] = ("required_shutdown_min", "10");
    let ok = browser.post("/equipment/new", &fields);
    assert_eq!(ok.status(), 303);
    assert_eq!(location(&ok), "/equipment/SRV-9");
    let again = browser.post("/equipment/new", &fields);
    assert_eq!(again.status(), 409);
    assert!(again.text().unwrap().contains("既に登録されています"));

    let edit = browser.html("/equipment/SRV-9/edit");
    assert!(edit.contains("value=\"新サーバ\"") && edit.contains("value=\"2024-02-28\""));
    let csrf = browser.csrf("/equipment/SRV-9/edit");
    let mut edit_fields = fields.clone();
    edit_fields[0] = ("csrf", csrf.as_str());
    edit_fields[10] = ("ups_asset_tag", "SRV-001");
    let bad = browser.post("/equipment/SRV-9/edit", &edit_fields);
    assert_eq!(bad.status(), 422);
    assert!(
        bad.text()
            .unwrap()
            .contains("UPS SRV-001 は登録されていません")
    );
    edit_fields[10] = ("ups_asset_tag", "");
    edit_fields[2] = ("name", "新サーバ（改）");
    let ok = browser.post("/equipment/SRV-9/edit", &edit_fields);
    assert_eq!(ok.status(), 303);
    assert_eq!(
        crate::common::body(app.get("/api/v1/equipment/SRV-9", &f.operator))["name"],
        "新サーバ（改）"
    );
    assert_eq!(
        browser
            .post(
                "/equipment/SRV-9/edit",
                &[("csrf", "forged"), ("name", "x")]
            )
            .status(),
        403
    );
}

#[test]
fn disposal_from_the_page_shows_refusals_beside_the_fields() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f))
            .status(),
        201
    );
    let browser = Browser::sign_in(&app, "unyo", USER_PASSWORD);
    let csrf = browser.csrf("/equipment/SRV-001");
    let bad = browser.post(
        "/equipment/SRV-001/dispose",
        &[
            ("csrf", &csrf),
            ("method", "vendor_collection"),
            ("certificate_number", ""),
            ("witnessed_by", ""),
            ("confirm_tag", "SRV-001"),
        ],
    );
    assert_eq!(bad.status(), 422);
    let html = bad.text().unwrap();
    assert!(
        html.contains("証明書の番号が必要です")
            && html.contains("立会者の氏名が必要です")
            && html.contains("物理破壊・磁気消去・上書き消去のいずれか")
    );
    // No method chosen and the device not named: both said, nothing recorded, the input kept.
    let unnamed = browser.post(
        "/equipment/SRV-001/dispose",
        &[
            ("csrf", &csrf),
            ("method", ""),
            ("certificate_number", "C-77"),
            ("confirm_tag", "SRV-002"),
        ],
    );
    assert_eq!(unnamed.status(), 422);
    let html = unnamed.text().unwrap();
    assert!(
        html.contains("廃棄の方法を選んでください")
            && html.contains("確認のため、資産番号「SRV-001」を入力してください。")
            && html.contains("value=\"C-77\""),
        "{html}"
    );
    assert_eq!(
        body(app.get("/api/v1/equipment/SRV-001", &f.operator))["status"],
        "in_service"
    );
    let ok = browser.post(
        "/equipment/SRV-001/dispose",
        &[
            ("csrf", &csrf),
            ("method", "overwrite"),
            ("certificate_number", "C-77"),
            ("witnessed_by", "立会 花子"),
            ("confirm_tag", "ｓｒｖ-001"),
        ],
    );
    assert_eq!(ok.status(), 303);
    let html = browser.html("/equipment/SRV-001");
    assert!(
        html.contains("廃棄記録")
            && html.contains("C-77")
            && html.contains("上書き消去")
            && html.contains("廃棄済")
    );
    assert!(!html.contains("廃棄を記録する"), "no second disposal form");
}

#[test]
fn zones_pages_for_admins_with_managers_names() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let admin = Browser::sign_in(&app, "admin", crate::common::ADMIN_PASSWORD);
    let list = admin.html("/zones");
    assert!(list.contains("SRV-ROOM") && list.contains("kacho 氏名") && list.contains("本庁舎3階"));
    let csrf = admin.csrf("/zones/new");
    let dept = f.dept.to_string();
    let manager = format!("manager_{}", f.manager_id);
    let bad = admin.post(
        "/zones/new",
        &[
            ("csrf", &csrf),
            ("code", "ZONE-2"),
            ("name", "書庫"),
            ("department_id", &dept),
        ],
    );
    assert_eq!(bad.status(), 422);
    assert!(bad.text().unwrap().contains("1人以上指定してください"));
    let ok = admin.post(
        "/zones/new",
        &[
            ("csrf", &csrf),
            ("code", "zone-2"),
            ("name", "書庫"),
            ("department_id", &dept),
            (&manager, "on"),
        ],
    );
    assert_eq!(ok.status(), 303);
    let zones = crate::common::body(app.get("/api/v1/zones", &f.operator));
    let created = zones
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["code"] == "ZONE-2")
        .unwrap()
        .clone();
    assert_eq!(created["manager_ids"], json!([f.manager_id]));
    let id = created["id"].as_i64().unwrap();
    let edit = admin.post(
        &format!("/zones/{id}/edit"),
        &[
            ("csrf", &csrf),
            ("name", "第2書庫"),
            ("department_id", &dept),
            (&manager, "on"),
        ],
    );
    assert_eq!(edit.status(), 303);
    let zone = crate::common::body(app.get(&format!("/api/v1/zones/{id}"), &f.operator));
    assert_eq!(zone["name"], "第2書庫");
    assert_eq!(zone["active"], false, "unchecked active retires the zone");
    let operator = Browser::sign_in(&app, "unyo", USER_PASSWORD);
    assert!(!operator.html("/zones").contains("/zones/new"));
    assert_eq!(operator.get("/zones/new").status(), 403);
    assert_eq!(operator.get(&format!("/zones/{id}/edit")).status(), 403);
}
