//! Disposing of a device releases its installations, in the same transaction.

use super::*;

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
