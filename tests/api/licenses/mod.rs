//! Licenses and installs (第14条, 第15条): software, licenses, installations as facts,
//! compliance with its CSV, install permissions decided by the device's manager.

use crate::common::{TestApp, assert_error, body};
use crate::register::{Fixture, device, fixture};
use daicho::db::schema::{equipment, installations};
use diesel::prelude::*;
use serde_json::{Value, json};

pub fn add_device(app: &TestApp, f: &Fixture, tag: &str) {
    let r = app.post("/api/v1/equipment", &f.operator, &device(tag, f));
    assert_eq!(r.status(), 201, "device {tag}: {:?}", r.text());
}

pub fn software(app: &TestApp, token: &str, name: &str) -> i64 {
    let r = app.post(
        "/api/v1/software",
        token,
        &json!({"name": name, "vendor": "Microsoft", "edition": "Professional"}),
    );
    assert_eq!(r.status(), 201, "{:?}", r.text());
    body(r)["id"].as_i64().unwrap()
}

pub fn license(
    app: &TestApp,
    f: &Fixture,
    software_id: i64,
    seats: i64,
    valid_until: Option<String>,
) -> Value {
    let r = app.post(
        "/api/v1/licenses",
        &f.manager,
        &json!({
            "software_id": software_id, "kind": "device", "seats": seats,
            "valid_until": valid_until, "certificate_number": "CERT-2026-001",
            "purchased_on": "2026-04-01", "purchased_from": "〇〇商事", "purchase_price_yen": 120000,
            "department_id": f.dept,
        }),
    );
    assert_eq!(r.status(), 201, "{:?}", r.text());
    body(r)
}

pub fn install(
    app: &TestApp,
    token: &str,
    tag: &str,
    software_id: i64,
    version: &str,
    request: Option<i64>,
) -> Value {
    let r = app.post(
        "/api/v1/installations",
        token,
        &json!({"asset_tag": tag, "software_id": software_id, "version": version, "install_request_id": request}),
    );
    assert_eq!(r.status(), 201, "{:?}", r.text());
    body(r)
}

fn request(app: &TestApp, token: &str, tag: &str, software_id: i64, change: &str) -> Value {
    let r = app.post(
        "/api/v1/install-requests",
        token,
        &json!({"asset_tag": tag, "software_id": software_id, "version": "2024", "change": change, "reason": "業務で文書を作成するため"}),
    );
    assert_eq!(r.status(), 201, "{:?}", r.text());
    body(r)
}

fn compliance_of(app: &TestApp, token: &str, software_id: i64) -> Value {
    let report = body(app.get("/api/v1/licenses/compliance", token));
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["software_id"] == software_id)
        .cloned()
        .expect("the software is in the report")
}

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::TimeDelta::hours(9)).date_naive()
}

#[test]
fn software_and_licenses_are_registered_by_managers() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    assert_error(
        app.post(
            "/api/v1/software",
            &staff,
            &json!({"name": "Office", "vendor": "Microsoft"}),
        ),
        403,
        "forbidden",
    );
    let office = software(&app, &f.manager, "Office");
    assert_error(
        app.post(
            "/api/v1/software",
            &f.admin,
            &json!({"name": " Office ", "vendor": "Microsoft", "edition": "Professional"}),
        ),
        409,
        "duplicate_software",
    );
    let e = assert_error(
        app.post(
            "/api/v1/software",
            &f.admin,
            &json!({"name": " ", "vendor": ""}),
        ),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["name"].is_string() && e["error"]["fields"]["vendor"].is_string());
    let listed = body(app.get("/api/v1/software", &f.operator));
    assert_eq!(listed[0]["name"], "Office");

    let created = license(&app, &f, office, 10, Some("2027-03-31".into()));
    assert_eq!(created["kind"], "device");
    assert_eq!(created["seats"], 10);
    assert_eq!(created["certificate_number"], "CERT-2026-001");
    assert_eq!(created["purchase_price_yen"], 120000);
    assert_eq!(created["valid_until"], "2027-03-31");
    // A site license may leave the seats open; other kinds may not.
    let site = app.post(
        "/api/v1/licenses",
        &f.admin,
        &json!({"software_id": office, "kind": "site", "department_id": f.dept}),
    );
    assert_eq!(site.status(), 201);
    assert!(body(site)["seats"].is_null());

    // Another department's manager may not register this department's licenses.
    let other = app.department(&f.admin, "SOMU", "総務課");
    let (_, other_manager) = app.user(&f.admin, "somu-kacho", &["security_manager"], Some(other));
    assert_error(
        app.post(
            "/api/v1/licenses",
            &other_manager,
            &json!({"software_id": office, "kind": "device", "seats": 1, "department_id": f.dept}),
        ),
        403,
        "not_department_manager",
    );
    assert_error(
        app.post(
            "/api/v1/licenses",
            &f.operator,
            &json!({"software_id": office, "kind": "device", "seats": 1, "department_id": f.dept}),
        ),
        403,
        "forbidden",
    );
    let e = assert_error(
        app.post(
            "/api/v1/licenses",
            &f.manager,
            &json!({"software_id": 9999, "kind": "floating", "seats": 0, "department_id": f.dept,
                    "valid_from": "2026-04-01", "valid_until": "2026-03-31"}),
        ),
        422,
        "invalid_field",
    );
    for field in ["software_id", "kind", "seats", "valid_until"] {
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    let e = assert_error(
        app.post(
            "/api/v1/licenses",
            &f.manager,
            &json!({"software_id": office, "kind": "user", "department_id": f.dept}),
        ),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["seats"].is_string());
    let e = assert_error(
        app.post("/api/v1/licenses", &f.manager, &json!({"software_id": office, "kind": "user", "seats": 1, "department_id": f.dept, "valid_until": "31/03/2027"})),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["valid_until"].is_string(), "{e}");
    let listed = body(app.get(
        &format!("/api/v1/licenses?software_id={office}"),
        &f.operator,
    ));
    assert_eq!(listed["total"], 2);
    let actions = app.audit_actions();
    assert!(actions.contains(&"software.create".to_owned()));
    assert_eq!(actions.iter().filter(|a| *a == "license.create").count(), 2);
}

#[test]
fn installations_are_always_recorded_and_overuse_is_reported() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    for tag in ["PC-001", "PC-002", "PC-003"] {
        add_device(&app, &f, tag);
    }
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let office = software(&app, &f.admin, "Office");
    license(&app, &f, office, 1, None);

    let permitted = request(&app, &staff, "PC-001", office, "new");
    let approved = body(app.post(
        &format!("/api/v1/install-requests/{}/approve", permitted["id"]),
        &f.manager,
        &json!({}),
    ));
    assert_eq!(approved["state"], "approved");

    let first = install(
        &app,
        &f.operator,
        "pc-001",
        office,
        "2024",
        approved["id"].as_i64(),
    );
    assert_eq!(first["installation"]["asset_tag"], "PC-001");
    assert_eq!(first["installation"]["approved"], true);
    assert_eq!(first["findings"], json!([]));
    let c = compliance_of(&app, &f.manager, office);
    assert_eq!(
        (
            c["seats"].as_i64(),
            c["installed"].as_i64(),
            c["over_by"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(c["attention"], false);

    // Beyond the seats and without permission: recorded, and both are reported.
    let second = install(&app, &f.operator, "PC-002", office, "2024", None);
    assert_eq!(second["installation"]["approved"], false);
    assert_eq!(second["findings"], json!(["no_permission", "over_seats"]));
    let c = compliance_of(&app, &f.manager, office);
    assert_eq!(c["seats"], 1);
    assert_eq!(c["installed"], 2);
    assert_eq!(c["over_by"], 1);
    assert_eq!(c["unapproved_installs"], 1);
    assert_eq!(c["attention"], true);
    assert!(c["expiring_in_days"].is_null());

    // A pending request is not a permission either.
    let pending = request(&app, &staff, "PC-003", office, "new");
    let third = install(
        &app,
        &f.operator,
        "PC-003",
        office,
        "2024",
        pending["id"].as_i64(),
    );
    assert_eq!(third["installation"]["approved"], false);
    assert_eq!(
        compliance_of(&app, &f.manager, office)["unapproved_installs"],
        2
    );

    // A version-up found on PC-001 supersedes the earlier record: the device still counts once.
    let upgraded = install(&app, &f.operator, "PC-001", office, "2026", None);
    assert_eq!(upgraded["superseded_id"], first["installation"]["id"]);
    let c = compliance_of(&app, &f.manager, office);
    assert_eq!(c["installed"], 3);
    assert_eq!(
        c["unapproved_installs"], 3,
        "the version-up had no permission (第14条)"
    );

    // A request for another device cannot be cited; unknown devices and software are refused as input.
    let e = assert_error(
        app.post("/api/v1/installations", &f.operator, &json!({"asset_tag": "PC-002", "software_id": office, "version": "1", "install_request_id": permitted["id"]})),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["install_request_id"].is_string());
    assert_error(
        app.post(
            "/api/v1/installations",
            &f.operator,
            &json!({"asset_tag": "NOPE-9", "software_id": office, "version": "1"}),
        ),
        422,
        "invalid_field",
    );
    assert_error(
        app.post(
            "/api/v1/installations",
            &f.operator,
            &json!({"asset_tag": "PC-002", "software_id": 999, "version": "1"}),
        ),
        422,
        "invalid_field",
    );
    assert_error(
        app.post(
            "/api/v1/installations",
            &f.operator,
            &json!({"asset_tag": "PC-002", "software_id": office, "version": " "}),
        ),
        422,
        "invalid_field",
    );
    assert_error(
        app.post(
            "/api/v1/installations",
            &staff,
            &json!({"asset_tag": "PC-002", "software_id": office, "version": "1"}),
        ),
        403,
        "forbidden",
    );

    // The ledger, with released records on request.
    let active = body(app.get(
        &format!("/api/v1/installations?software_id={office}"),
        &f.manager,
    ));
    assert_eq!(active["total"], 3);
    let all = body(app.get(
        &format!("/api/v1/installations?software_id={office}&include_released=true"),
        &f.manager,
    ));
    assert_eq!(all["total"], 4);
    let superseded = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == first["installation"]["id"])
        .unwrap()
        .clone();
    assert_eq!(superseded["release_reason"], "superseded");
    let on_pc2 = body(app.get("/api/v1/installations?asset_tag=pc-002", &f.manager));
    assert_eq!(on_pc2["total"], 1);

    // Uninstalling releases the seat; a second uninstall is a wrong state.
    let id = second["installation"]["id"].as_i64().unwrap();
    let removed = body(app.post(
        &format!("/api/v1/installations/{id}/uninstall"),
        &f.operator,
        &json!({}),
    ));
    assert_eq!(removed["release_reason"], "uninstalled");
    assert_error(
        app.post(
            &format!("/api/v1/installations/{id}/uninstall"),
            &f.operator,
            &json!({}),
        ),
        409,
        "wrong_state",
    );
    assert_eq!(compliance_of(&app, &f.manager, office)["installed"], 2);

    // Every installation shows on the device's history too.
    let history = body(app.get("/api/v1/equipment/PC-002/history", &f.operator));
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"installation.record") && actions.contains(&"installation.release"),
        "{actions:?}"
    );
    assert_eq!(app.verify(&f.admin)["ok"], true);
}

#[test]
fn expired_licenses_count_for_nothing_and_expiry_is_announced() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    let office = software(&app, &f.admin, "Office");
    let soon = today() + chrono::TimeDelta::days(10);
    let past = today() - chrono::TimeDelta::days(1);
    license(&app, &f, office, 1, Some(soon.to_string()));
    license(&app, &f, office, 5, Some(past.to_string()));
    install(&app, &f.operator, "PC-001", office, "2024", None);
    let c = compliance_of(&app, &f.manager, office);
    assert_eq!(c["seats"], 1, "the expired license's 5 seats do not count");
    assert_eq!(c["licenses"], 2);
    assert_eq!(c["expired_licenses"], 1);
    assert_eq!(c["expiring_in_days"], 10);
    assert_eq!(c["over_by"], 0);
    assert_eq!(c["attention"], true);
}

#[test]
fn compliance_is_for_readers_and_exports_as_csv_for_excel() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    add_device(&app, &f, "PC-002");
    let office = software(&app, &f.admin, "Office, \"Pro\"");
    license(&app, &f, office, 1, None);
    install(&app, &f.operator, "PC-001", office, "2024", None);
    install(&app, &f.operator, "PC-002", office, "2024", None);
    let (_, auditor) = app.user(&f.admin, "kansa", &["auditor"], None);
    let (_, guard) = app.user(&f.admin, "keibi", &["guard"], None);
    assert_eq!(compliance_of(&app, &auditor, office)["over_by"], 1);
    assert_error(
        app.get("/api/v1/licenses/compliance", &guard),
        403,
        "forbidden",
    );
    let report = body(app.get("/api/v1/licenses/compliance", &auditor));
    assert_eq!(report["as_of"], today().to_string());

    let response = app.get("/api/v1/licenses/compliance.csv", &auditor);
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let bytes = response.bytes().unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0].starts_with("基準日,ソフトウェア名,ベンダー名"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        format!(
            "{},\"Office, \"\"Pro\"\"\",Microsoft,Professional,1,1,2,1,,0,2,要確認",
            today()
        )
    );
    assert_error(
        app.get("/api/v1/licenses/compliance.csv", &guard),
        403,
        "forbidden",
    );
}

#[test]
fn install_requests_are_decided_by_the_devices_manager_never_the_requester() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    let office = software(&app, &f.admin, "Office");
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let other = app.department(&f.admin, "SOMU", "総務課");
    let (_, outsider) = app.user(&f.admin, "somu-kacho", &["security_manager"], Some(other));
    let (zone_keeper_id, zone_keeper) =
        app.user(&f.admin, "zone-kacho", &["security_manager"], Some(other));
    let (_, auditor) = app.user(&f.admin, "kansa", &["auditor"], None);

    let created = request(&app, &staff, "pc-001", office, "upgrade");
    assert_eq!(created["state"], "requested");
    assert_eq!(created["change"], "upgrade");
    assert_eq!(created["asset_tag"], "PC-001");
    let id = created["id"].as_i64().unwrap();

    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &outsider,
            &json!({}),
        ),
        403,
        "not_manager",
    );
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &f.operator,
            &json!({}),
        ),
        403,
        "not_manager",
    );
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &f.admin,
            &json!({}),
        ),
        403,
        "not_manager",
    );
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &staff,
            &json!({}),
        ),
        403,
        "self_approval",
    );
    // The manager's own request goes to someone else.
    let own = request(&app, &f.manager, "PC-001", office, "setting");
    let own_id = own["id"].as_i64().unwrap();
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{own_id}/approve"),
            &f.manager,
            &json!({}),
        ),
        403,
        "self_approval",
    );

    // Approve with an empty body; a second decision is a wrong state.
    let approved = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/install-requests/{id}/approve"),
            Some(&f.manager),
        )
        .send()
        .unwrap();
    assert_eq!(approved.status(), 200);
    let approved = body(approved);
    assert_eq!(approved["state"], "approved");
    assert!(approved["decided_at"].as_str().unwrap().ends_with("+09:00"));
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &f.manager,
            &json!({}),
        ),
        409,
        "wrong_state",
    );
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/reject"),
            &f.manager,
            &json!({"note": "x"}),
        ),
        409,
        "wrong_state",
    );

    // A manager of the device's zone (from another department) may decide too, once the zone names them.
    let r = app.patch(
        &format!("/api/v1/zones/{}", f.zone),
        &f.admin,
        &json!({"manager_ids": [f.manager_id, zone_keeper_id]}),
    );
    assert_eq!(r.status(), 200, "{:?}", r.text());
    let rejected = body(app.post(
        &format!("/api/v1/install-requests/{own_id}/reject"),
        &zone_keeper,
        &json!({"note": "業務上の必要性が不明"}),
    ));
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["decision_note"], "業務上の必要性が不明");

    let e = assert_error(
        app.post("/api/v1/install-requests", &staff, &json!({"asset_tag": "ＮＯＰＥ", "software_id": 999, "version": "", "change": "delete", "reason": " "})),
        422,
        "invalid_field",
    );
    for field in ["asset_tag", "software_id", "version", "change", "reason"] {
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    assert_error(app.post("/api/v1/install-requests", &auditor, &json!({"asset_tag": "PC-001", "software_id": office, "version": "1", "change": "new", "reason": "x"})), 403, "forbidden");
    assert_error(
        app.post(
            "/api/v1/install-requests/9999/approve",
            &f.manager,
            &json!({}),
        ),
        404,
        "not_found",
    );

    // Readers see every request; a requester sees their own.
    let all = body(app.get("/api/v1/install-requests", &auditor));
    assert_eq!(all["total"], 2);
    let mine = body(app.get("/api/v1/install-requests", &staff));
    assert_eq!(mine["total"], 1);
    let approved_only = body(app.get(
        "/api/v1/install-requests?state=approved&asset_tag=PC-001",
        &auditor,
    ));
    assert_eq!(approved_only["total"], 1);
    assert_error(
        app.get("/api/v1/install-requests?state=maybe", &auditor),
        422,
        "invalid_field",
    );
    assert_eq!(
        body(app.get(&format!("/api/v1/install-requests/{id}"), &staff))["state"],
        "approved"
    );
    let (_, other_staff) = app.user(&f.admin, "hira2", &["staff"], Some(f.dept));
    assert_error(
        app.get(&format!("/api/v1/install-requests/{id}"), &other_staff),
        403,
        "forbidden",
    );

    let actions = app.audit_actions();
    assert!(actions.contains(&"install_request.approve".to_owned()));
    assert!(actions.contains(&"install_request.reject".to_owned()));
}

#[test]
fn disposing_a_device_releases_its_installations() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    add_device(&app, &f, "PC-002");
    let office = software(&app, &f.admin, "Office");
    let viewer = software(&app, &f.admin, "Viewer");
    license(&app, &f, office, 1, None);
    install(&app, &f.operator, "PC-001", office, "2024", None);
    install(&app, &f.operator, "PC-001", viewer, "1.0", None);
    install(&app, &f.operator, "PC-002", office, "2024", None);
    assert_eq!(compliance_of(&app, &f.manager, office)["over_by"], 1);

    // However disposal happens, compliance no longer counts a disposed device…
    let mut conn = app.db();
    diesel::update(equipment::table.filter(equipment::asset_tag.eq("PC-001")))
        .set(equipment::status.eq("disposed"))
        .execute(&mut conn)
        .unwrap();
    let c = compliance_of(&app, &f.manager, office);
    assert_eq!(
        (c["installed"].as_i64(), c["over_by"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(compliance_of(&app, &f.manager, viewer)["installed"], 0);
    // …nothing new is recorded on it…
    assert_error(
        app.post(
            "/api/v1/installations",
            &f.operator,
            &json!({"asset_tag": "PC-001", "software_id": office, "version": "1"}),
        ),
        409,
        "equipment_disposed",
    );
    let e = assert_error(
        app.post("/api/v1/install-requests", &f.operator, &json!({"asset_tag": "PC-001", "software_id": office, "version": "1", "change": "new", "reason": "x"})),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["asset_tag"].is_string());

    // …and the disposal service's transaction releases the installations, audited.
    let device_id: i64 = equipment::table
        .filter(equipment::asset_tag.eq("PC-001"))
        .select(equipment::id)
        .first(&mut conn)
        .unwrap();
    let released = daicho::db::write_tx(&mut conn, |conn| {
        daicho::licenses::service::release_installations(
            conn,
            &daicho::audit::Actor::system("test"),
            device_id,
        )
    })
    .unwrap();
    assert_eq!(released, 2);
    let reasons: Vec<Option<String>> = installations::table
        .filter(installations::equipment_id.eq(device_id))
        .select(installations::release_reason)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        reasons,
        vec![Some("disposed".to_owned()), Some("disposed".to_owned())]
    );
    let again = daicho::db::write_tx(&mut conn, |conn| {
        daicho::licenses::service::release_installations(
            conn,
            &daicho::audit::Actor::system("test"),
            device_id,
        )
    })
    .unwrap();
    assert_eq!(again, 0, "released once");
    assert_eq!(
        app.audit_actions()
            .iter()
            .filter(|a| *a == "installation.release")
            .count(),
        2
    );
    assert_eq!(app.verify(&f.admin)["ok"], true);
}

#[test]
fn the_disposal_service_releases_the_installations_in_its_transaction() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    let office = software(&app, &f.admin, "Office");
    license(&app, &f, office, 1, None);
    let recorded = install(&app, &f.operator, "PC-001", office, "2024", None);
    let r = app.post(
        "/api/v1/equipment/PC-001/dispose",
        &f.manager,
        &json!({"method": "physical_destruction", "certificate_number": "HAKI-001", "witnessed_by": "立会 太郎"}),
    );
    assert_eq!(r.status(), 201, "{:?}", r.text());
    let all = body(app.get(
        "/api/v1/installations?asset_tag=PC-001&include_released=true",
        &f.manager,
    ));
    assert_eq!(all["items"][0]["id"], recorded["installation"]["id"]);
    assert_eq!(all["items"][0]["release_reason"], "disposed");
    assert_eq!(compliance_of(&app, &f.manager, office)["installed"], 0);
    let actions = app.audit_actions();
    let dispose = actions
        .iter()
        .position(|a| a == "equipment.dispose")
        .unwrap();
    assert_eq!(
        actions[dispose + 1],
        "installation.release",
        "same transaction, right after the disposal"
    );
    assert_eq!(app.verify(&f.admin)["ok"], true);
}

#[test]
fn the_license_calls_are_documented() {
    let app = TestApp::spawn();
    let doc = body(app.client.get(app.url("/api/openapi.json")).send().unwrap());
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/software",
        "/api/v1/licenses",
        "/api/v1/licenses/compliance",
        "/api/v1/licenses/compliance.csv",
        "/api/v1/install-requests",
        "/api/v1/install-requests/{id}",
        "/api/v1/install-requests/{id}/approve",
        "/api/v1/install-requests/{id}/reject",
        "/api/v1/installations",
        "/api/v1/installations/{id}/uninstall",
        "/api/v1/cabling-changes",
        "/api/v1/cabling-changes/{id}",
        "/api/v1/cabling-changes/{id}/authorize",
        "/api/v1/cabling-changes/{id}/reject",
        "/api/v1/cabling-changes/{id}/complete",
        "/api/v1/cabling-changes/{id}/verify",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
}

mod browser;
pub mod pages;
