//! Installations as facts: overuse, expiry, and compliance with its CSV for Excel.

use super::*;

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
