//! The register: zones with their managers, and the record of all equipment.

use crate::common::{TestApp, assert_error, body};
use serde_json::{Value, json};

/// An admin, a department, a security manager of it, an operator, and a zone managed by the manager.
pub struct Fixture {
    pub admin: String,
    pub dept: i64,
    pub manager_id: i64,
    pub manager: String,
    pub operator: String,
    pub zone: i64,
}

pub fn fixture(app: &TestApp) -> Fixture {
    let admin = app.admin();
    let dept = app.department(&admin, "JOHO", "情報政策課");
    let (manager_id, manager) = app.user(&admin, "kacho", &["security_manager"], Some(dept));
    let (_, operator) = app.user(&admin, "unyo", &["operator"], Some(dept));
    let zone = app.post(
        "/api/v1/zones",
        &admin,
        &json!({"code": "SRV-ROOM", "name": "サーバ室", "department_id": dept, "manager_ids": [manager_id], "location": "本庁舎3階"}),
    );
    assert_eq!(zone.status(), 201, "{:?}", zone.text());
    let zone = body(zone)["id"].as_i64().unwrap();
    Fixture {
        admin,
        dept,
        manager_id,
        manager,
        operator,
        zone,
    }
}

pub fn device(tag: &str, f: &Fixture) -> Value {
    json!({
        "asset_tag": tag, "name": "基幹サーバ", "kind": "server", "key_equipment": true,
        "department_id": f.dept, "zone_id": f.zone, "classification": "secret",
        "location": {"building": "本庁舎", "floor": "3", "room": "サーバ室", "rack": "R1", "unit": "10-12"},
        "manufacturer": "富士通", "model": "PRIMERGY RX2540", "serial_number": "SN-0001",
    })
}

#[test]
fn zones_are_made_by_admins_and_managed_by_security_managers() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let zones = body(app.get("/api/v1/zones", &f.operator));
    assert_eq!(zones[0]["code"], "SRV-ROOM");
    assert_eq!(zones[0]["manager_ids"], json!([f.manager_id]));
    assert_error(
        app.post("/api/v1/zones", &f.manager, &json!({"code": "Z2", "name": "x", "department_id": f.dept, "manager_ids": [f.manager_id]})),
        403,
        "forbidden",
    );
    let (staff_id, _) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let wrong = app.post(
        "/api/v1/zones",
        &f.admin,
        &json!({"code": "Z2", "name": "x", "department_id": f.dept, "manager_ids": [staff_id]}),
    );
    let wrong = assert_error(wrong, 422, "invalid_field");
    assert!(wrong["error"]["fields"]["manager_ids"].is_string());
    assert_error(
        app.post("/api/v1/zones", &f.admin, &json!({"code": "srv-room", "name": "x", "department_id": f.dept, "manager_ids": [f.manager_id]})),
        409,
        "duplicate_code",
    );
    let patched = body(app.patch(
        &format!("/api/v1/zones/{}", f.zone),
        &f.admin,
        &json!({"name": "第1サーバ室", "location": null}),
    ));
    assert_eq!(patched["name"], "第1サーバ室");
    assert!(patched["location"].is_null());
    assert!(app.audit_actions().contains(&"zone.update".to_owned()));
}

#[test]
fn equipment_is_registered_with_scanner_safe_tags() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let created = app.post(
        "/api/v1/equipment",
        &f.operator,
        &device("ｓｒｖ－００１", &f),
    );
    assert_eq!(created.status(), 201);
    let created = body(created);
    assert_eq!(
        created["asset_tag"], "SRV-001",
        "full-width lower case becomes the tag"
    );
    assert_eq!(created["status"], "in_service");
    assert_eq!(created["location"]["rack"], "R1");
    assert_error(
        app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f)),
        409,
        "duplicate_asset_tag",
    );
    for bad in ["", "SRV_001", "サーバ1", "A B", &"X".repeat(33)] {
        let e = assert_error(
            app.post("/api/v1/equipment", &f.operator, &device(bad, &f)),
            422,
            "invalid_field",
        );
        assert!(e["error"]["fields"]["asset_tag"].is_string(), "{bad}: {e}");
    }
    let mut wrong_kind = device("SRV-002", &f);
    wrong_kind["kind"] = json!("spaceship");
    let e = assert_error(
        app.post("/api/v1/equipment", &f.operator, &wrong_kind),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["kind"].is_string());
    let mut disposed = device("SRV-003", &f);
    disposed["status"] = json!("disposed");
    assert_error(
        app.post("/api/v1/equipment", &f.operator, &disposed),
        422,
        "invalid_field",
    );

    let fetched = body(app.get("/api/v1/equipment/srv-001", &f.operator));
    assert_eq!(fetched["serial_number"], "SN-0001");
    assert_error(
        app.get("/api/v1/equipment/NOPE-1", &f.operator),
        404,
        "not_found",
    );
}

#[test]
fn only_operators_and_the_right_managers_change_equipment() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let other = app.department(&f.admin, "SOMU", "総務課");
    let (_, other_manager) = app.user(&f.admin, "somu-kacho", &["security_manager"], Some(other));
    let (_, staff) = app.user(&f.admin, "ippan", &["staff"], Some(f.dept));
    let (_, guard) = app.user(&f.admin, "keibi", &["guard"], None);
    assert_error(
        app.post("/api/v1/equipment", &staff, &device("T-1", &f)),
        403,
        "forbidden",
    );
    assert_error(
        app.post("/api/v1/equipment", &guard, &device("T-1", &f)),
        403,
        "forbidden",
    );
    assert_error(
        app.post("/api/v1/equipment", &other_manager, &device("T-1", &f)),
        403,
        "forbidden",
    );
    assert_error(
        app.post("/api/v1/equipment", &f.admin, &device("T-1", &f)),
        403,
        "forbidden",
    );
    assert_eq!(
        app.post("/api/v1/equipment", &f.manager, &device("T-1", &f))
            .status(),
        201
    );
    assert_error(
        app.patch(
            "/api/v1/equipment/T-1",
            &other_manager,
            &json!({"name": "x"}),
        ),
        403,
        "forbidden",
    );
    assert_eq!(
        app.get("/api/v1/equipment/T-1", &staff).status(),
        200,
        "staff may read"
    );
}

#[test]
fn changes_are_audited_with_before_and_after() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-010", &f));
    let mut ups = device("UPS-01", &f);
    ups["kind"] = json!("ups");
    ups["name"] = json!("ラックUPS");
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &ups).status(),
        201
    );
    let patched = app.patch(
        "/api/v1/equipment/SRV-010",
        &f.operator,
        &json!({"name": "基幹サーバ2号", "ups_asset_tag": "ups-01", "surge_protection": "ups", "required_shutdown_min": 10, "serial_number": null}),
    );
    assert_eq!(patched.status(), 200);
    let patched = body(patched);
    assert_eq!(patched["ups_asset_tag"], "UPS-01");
    assert!(patched["serial_number"].is_null());
    let not_ups = assert_error(
        app.patch(
            "/api/v1/equipment/SRV-010",
            &f.operator,
            &json!({"ups_asset_tag": "SRV-010"}),
        ),
        422,
        "invalid_field",
    );
    assert!(not_ups["error"]["fields"]["ups_asset_tag"].is_string());
    let history = body(app.get("/api/v1/equipment/SRV-010/history", &f.operator));
    assert_eq!(history[0]["action"], "equipment.update");
    assert_eq!(
        history[0]["detail"]["changes"]["name"]["before"],
        "基幹サーバ"
    );
    assert_eq!(
        history[0]["detail"]["changes"]["name"]["after"],
        "基幹サーバ2号"
    );
    assert!(
        history[0]["detail"]["changes"].get("model").is_none(),
        "unchanged fields are left out"
    );
    assert_eq!(history[1]["action"], "equipment.create");
    assert_eq!(app.verify(&f.admin)["ok"], true);
}

#[test]
fn the_register_is_searched_and_filtered() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    for (tag, name, kind, key) in [
        ("SRV-001", "基幹サーバ", "server", true),
        ("SRV-002", "ファイルサーバ", "server", true),
        ("NW-001", "コアスイッチ", "network", true),
        ("PC-001", "窓口端末", "terminal", false),
    ] {
        let mut d = device(tag, &f);
        d["name"] = json!(name);
        d["kind"] = json!(kind);
        d["key_equipment"] = json!(key);
        d["serial_number"] = json!(format!("SN-{tag}"));
        assert_eq!(app.post("/api/v1/equipment", &f.operator, &d).status(), 201);
    }
    let tags = |query: &str| -> Vec<String> {
        let page = body(app.get(&format!("/api/v1/equipment?{query}"), &f.operator));
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["asset_tag"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(tags(""), ["NW-001", "PC-001", "SRV-001", "SRV-002"]);
    assert_eq!(tags("q=srv"), ["SRV-001", "SRV-002"]);
    assert_eq!(
        tags("q=%E3%82%B5%E3%83%BC%E3%83%90"),
        ["SRV-001", "SRV-002"],
        "サーバ in the name"
    );
    assert_eq!(tags("q=SN-NW"), ["NW-001"], "serial number");
    assert_eq!(tags("kind=network"), ["NW-001"]);
    assert_eq!(tags("key_equipment=false"), ["PC-001"]);
    assert_eq!(
        tags(&format!(
            "zone_id={}&status=in_service&per_page=2&page=2",
            f.zone
        )),
        ["SRV-001", "SRV-002"]
    );
    assert_eq!(
        tags("q=100%25"),
        Vec::<String>::new(),
        "LIKE wildcards are literal"
    );
    assert_error(
        app.get("/api/v1/equipment?kind=spaceship", &f.operator),
        422,
        "invalid_field",
    );
}

#[test]
fn search_follows_renames_and_is_case_insensitive() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f))
            .status(),
        201
    );
    let found = |q: &str| {
        body(app.get(&format!("/api/v1/equipment?q={q}"), &f.operator))["total"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(found("primergy"), 1, "model, any case");
    assert_eq!(found("SN-0001"), 1, "serial");
    assert_eq!(found("SN"), 1, "short terms still match");
    let renamed = app.patch(
        "/api/v1/equipment/SRV-001",
        &f.operator,
        &json!({"name": "住民記録サーバ", "model": null}),
    );
    assert_eq!(renamed.status(), 200);
    assert_eq!(
        found("%E4%BD%8F%E6%B0%91%E8%A8%98%E9%8C%B2"),
        1,
        "new name (住民記録)"
    );
    assert_eq!(found("primergy"), 0, "old model gone");
    assert_eq!(found("%22%22x"), 0, "quotes are plain text");
}

#[test]
fn tags_and_serials_match_from_the_start_names_and_models_anywhere() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    for (tag, name, model, serial) in [
        ("SRV-001", "基幹サーバ", "PRIMERGY RX2540", "ab-7001"),
        ("SRV-0010", "窓口端末", "ESPRIMO D588", "XY-0010"),
        ("NW-SRV-1", "コアスイッチ", "Catalyst 9300", "FOC12345"),
    ] {
        let mut d = device(tag, &f);
        d["name"] = json!(name);
        d["model"] = json!(model);
        d["serial_number"] = json!(serial);
        assert_eq!(app.post("/api/v1/equipment", &f.operator, &d).status(), 201);
    }
    let tags = |query: &str| -> Vec<String> {
        let page = body(app.get(&format!("/api/v1/equipment?{query}"), &f.operator));
        assert_eq!(page["total_exact"], true, "{query}");
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["asset_tag"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(tags("q=SRV-001"), ["SRV-001", "SRV-0010"], "a tag prefix");
    assert_eq!(tags("q=srv-0010"), ["SRV-0010"], "a whole tag, any case");
    assert_eq!(
        tags("q=SRV-1"),
        Vec::<String>::new(),
        "not the middle of a tag"
    );
    assert_eq!(tags("q=AB-70"), ["SRV-001"], "a serial prefix, any case");
    assert_eq!(tags("q=FOC12345"), ["NW-SRV-1"], "a whole serial");
    assert_eq!(
        tags("q=12345"),
        Vec::<String>::new(),
        "not the middle of a serial"
    );
    assert_eq!(
        tags("q=esprimo"),
        ["SRV-0010"],
        "a model, anywhere, any case"
    );
    assert_eq!(tags("q=9300"), ["NW-SRV-1"], "the end of a model");
    assert_eq!(
        tags("q=%E7%AB%AF%E6%9C%AB"),
        ["SRV-0010"],
        "端末 inside a name"
    );
    assert_eq!(tags("q=%E7%AB%AF"), ["SRV-0010"], "one character (端)");
    assert_eq!(
        tags(&format!("q=SRV-001&kind=server&zone_id={}", f.zone)),
        ["SRV-001", "SRV-0010"],
        "search and filters together"
    );
}

mod csv;
mod csv_batches;
mod csv_bulk;
mod csv_limits;
mod disposal;
mod pages;
mod search_plans;
mod upload;
