//! Odd input (issue 11 items 10 and 11): a control character in any string
//! input — query, path, form or JSON — answers 422 `control_character` naming
//! the field (a NUL answered 500 on PostgreSQL before), and the names of
//! people and organisations refuse the invisible characters that disguise them.

use crate::common::{TestApp, assert_error, body};
use crate::register::{device, fixture};
use reqwest::Method;
use serde_json::{Value, json};

/// Asserts 422 `control_character` with `field` named.
fn refused(response: reqwest::blocking::Response, field: &str, what: &str) {
    assert_eq!(response.status(), 422, "{what}");
    let error = body(response);
    assert_eq!(
        error["error"]["code"], "control_character",
        "{what}: {error}"
    );
    assert!(
        error["error"]["fields"][field].is_string(),
        "{what}: {field} in {error}"
    );
}

#[test]
fn a_nul_in_search_audit_filters_and_ups_fields_is_refused() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    // The register search.
    refused(app.get("/api/v1/equipment?q=SRV%00", &f.admin), "q", "q");
    // Every audit filter.
    for filter in [
        "entity_id",
        "entity_type",
        "actor_id",
        "from",
        "to",
        "action",
    ] {
        refused(
            app.get(&format!("/api/v1/audit?{filter}=1%00"), &f.admin),
            filter,
            filter,
        );
    }
    // The UPS text fields.
    let mut ups = device("UPS-01", &f);
    ups["kind"] = json!("ups");
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &ups).status(),
        201
    );
    let details = |field: &str, value: &str| {
        let mut b = json!({
            "capacity_va": 1500, "rated_runtime_min": 20,
            "battery_installed_on": "2024-04-01", "battery_replace_due": "2030-04-01",
            "nut_host": "127.0.0.1", "nut_ups_name": "ups1",
        });
        b[field] = json!(value);
        b
    };
    for field in [
        "nut_host",
        "nut_ups_name",
        "maintenance_vendor",
        "auto_shutdown",
    ] {
        refused(
            app.put(
                "/api/v1/equipment/UPS-01/ups",
                &f.operator,
                &details(field, "a\u{0}b"),
            ),
            field,
            field,
        );
    }
    // The same reads without the NUL still answer.
    assert_eq!(app.get("/api/v1/equipment?q=SRV", &f.admin).status(), 200);
    assert_eq!(app.get("/api/v1/audit?entity_id=1", &f.admin).status(), 200);
    assert_eq!(
        app.put(
            "/api/v1/equipment/UPS-01/ups",
            &f.operator,
            &details("maintenance_vendor", "保守会社")
        )
        .status(),
        201
    );
}

#[test]
fn every_kind_of_input_refuses_control_characters() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let nul = "x\u{0}y";
    let json_cases: Vec<(Method, &str, Value, &str)> = vec![
        (
            Method::POST,
            "/api/v1/departments",
            json!({"code": "A1", "name": nul}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"username": "u1", "display_name": nul, "password": "Violet-Harbor-2031", "roles": ["staff"]}),
            "display_name",
        ),
        (
            Method::POST,
            "/api/v1/zones",
            json!({"code": "Z9", "name": nul, "department_id": f.dept, "manager_ids": []}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/equipment",
            device("SRV-X\u{1}", &f),
            "asset_tag",
        ),
        (
            Method::POST,
            "/api/v1/permits",
            json!({"zone_id": f.zone, "visitor": {"name": "来訪者", "organization": nul}, "purpose": "保守", "valid_from": "2030-01-01T09:00:00+09:00", "valid_until": "2030-01-01T17:00:00+09:00"}),
            "visitor.organization",
        ),
        (
            Method::POST,
            "/api/v1/gate/check",
            json!({"code": "abc\u{7f}", "zone_id": f.zone}),
            "code",
        ),
        (
            Method::POST,
            "/api/v1/cabling-changes",
            json!({"zone_id": f.zone, "description": "配線", "asset_tags": ["SRV-1", "SRV\u{0}2"], "planned_on": "2030-01-01"}),
            "asset_tags[1]",
        ),
        (
            Method::POST,
            "/api/v1/software",
            json!({"name": "Office\u{85}", "vendor": "x"}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/auth/login",
            json!({"username": "admin\u{0}", "password": "x"}),
            "username",
        ),
        (
            Method::PATCH,
            "/api/v1/zones/1",
            json!({"name": "\u{1b}[31m"}),
            "name",
        ),
    ];
    for (method, path, payload, field) in json_cases {
        let response = app
            .request(method.clone(), path, Some(&f.admin))
            .json(&payload)
            .send()
            .unwrap();
        refused(response, field, &format!("{method} {path}"));
    }
    let query_cases = [
        ("/api/v1/permits?state=%00", "state"),
        ("/api/v1/movements?asset_tag=A%00", "asset_tag"),
        ("/api/v1/access-events?from=%00", "from"),
        ("/api/v1/equipment?q=%C2%85", "q"),
        ("/api/v1/equipment?kind=%7F", "kind"),
        ("/api/v1/equipment/SRV%00", "path"),
    ];
    for (path, field) in query_cases {
        refused(app.get(path, &f.admin), field, path);
    }
    // Pages: a query and a form, answered with a Japanese page.
    let page = app
        .request(Method::GET, "/equipment?q=%00", None)
        .send()
        .unwrap();
    assert_eq!(page.status(), 422);
    assert!(page.text().unwrap().contains("制御文字"));
    let form = app
        .request(Method::POST, "/login", None)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("username=admin%00&password=x&csrf=x")
        .send()
        .unwrap();
    assert_eq!(form.status(), 422);
    // A CSV import: a NUL in a cell is a bad line (422), nothing imported.
    let csv = "資産番号,機器名,種別,主要機器,所管課コード,管理区域コード,建物,階,部屋,ラック,ユニット,メーカー,型番,製造番号,情報区分,状態,設置日,UPS資産番号,サージ保護,必要停止時間（分）,備考\r\n\
               PC-0001,窓口\u{0}端末,terminal,いいえ,JOHO,SRV-ROOM,,,,,,,,SN0001,一般情報,,,,,,\r\n";
    let imported = app
        .request(Method::POST, "/api/v1/equipment/import", Some(&f.operator))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(imported.status(), 422, "{:?}", imported.text());
    // Line breaks are whitespace, not control: a textarea of asset tags still works.
    let list = app.get("/api/v1/equipment?q=SRV%0A", &f.admin);
    assert_eq!(list.status(), 200);
}

#[test]
fn names_that_disguise_themselves_are_refused() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let (staff_id, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let disguises = [
        "山田\u{202E}子花", // right-to-left override
        "山田\u{2067}花子", // right-to-left isolate
        "山田\u{200B}花子", // zero-width space
        "山田\u{200D}花子", // zero-width joiner
        "\u{FEFF}山田花子", // zero-width no-break space
    ];
    for name in disguises {
        let what = format!("{name:?}");
        let user = app.post(
            "/api/v1/users",
            &f.admin,
            &json!({"username": "yamada", "display_name": name, "password": "Violet-Harbor-2031", "roles": ["staff"]}),
        );
        let e = assert_error(user, 422, "invalid_field");
        assert!(
            e["error"]["fields"]["display_name"].is_string(),
            "{what}: {e}"
        );
        let patch = app.patch(
            &format!("/api/v1/users/{staff_id}"),
            &f.admin,
            &json!({ "display_name": name }),
        );
        let e = assert_error(patch, 422, "invalid_field");
        assert!(
            e["error"]["fields"]["display_name"].is_string(),
            "{what}: {e}"
        );
        let dept = app.post(
            "/api/v1/departments",
            &f.admin,
            &json!({"code": "X1", "name": name}),
        );
        let e = assert_error(dept, 422, "invalid_field");
        assert!(e["error"]["fields"]["name"].is_string(), "{what}: {e}");
        let permit = app.post(
            "/api/v1/permits",
            &staff,
            &json!({
                "zone_id": f.zone, "visitor": {"name": name, "organization": format!("{name}株式会社")},
                "purpose": "保守", "valid_from": "2030-01-01T09:00:00+09:00",
                "valid_until": "2030-01-01T17:00:00+09:00",
            }),
        );
        let e = assert_error(permit, 422, "invalid_field");
        assert!(
            e["error"]["fields"]["visitor.name"].is_string(),
            "{what}: {e}"
        );
        assert!(
            e["error"]["fields"]["visitor.organization"].is_string(),
            "{what}: {e}"
        );
        let cabling = app.post(
            "/api/v1/cabling-changes",
            &staff,
            &json!({
                "zone_id": f.zone, "description": "LAN配線の変更", "asset_tags": [],
                "contractor": {"company": "配線工業", "contract_number": "C-1", "worker_name": name},
                "planned_on": "2030-01-01",
            }),
        );
        let e = assert_error(cabling, 422, "invalid_field");
        assert!(
            e["error"]["fields"]["contractor.worker_name"].is_string(),
            "{what}: {e}"
        );
    }
    // A name with an ideographic variation selector is a real name, and stays.
    let real = app.post(
        "/api/v1/users",
        &f.admin,
        &json!({"username": "katsushika", "display_name": "葛\u{E0100}西 太郎", "password": "Violet-Harbor-2031", "roles": ["staff"]}),
    );
    assert_eq!(real.status(), 201, "{:?}", real.text());
}
