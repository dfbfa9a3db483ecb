//! UPS records, kept by operators and the department's manager.

use super::*;

#[test]
fn ups_records_are_kept_by_operators_and_the_departments_manager() {
    let c = cast(0);
    let app = &c.app;
    insert_device(&c, &Device::ups("UPS-001"));
    insert_device(&c, &Device::key("SRV-001", None, Some("spd"), 5));
    let path = "/api/v1/equipment/UPS-001/ups";
    let good = ups_body(20, "2028-04-01");

    // Who may not.
    for token in [&c.staff, &c.auditor, &c.admin] {
        assert_error(app.put(path, token, &good), 403, "forbidden");
    }
    assert_error(app.put(path, &c.other_manager, &good), 403, "forbidden");
    // What may not be.
    assert_error(
        app.put("/api/v1/equipment/SRV-001/ups", &c.operator, &good),
        409,
        "not_a_ups",
    );
    assert_error(
        app.put("/api/v1/equipment/NOPE-1/ups", &c.operator, &good),
        404,
        "not_found",
    );
    assert_error(
        app.get("/api/v1/equipment/UPS-001/ups", &c.auditor),
        404,
        "not_found",
    );

    // Created by the operator, replaced by the department's manager.
    let created = app.put(path, &c.operator, &good);
    assert_eq!(created.status(), 201);
    let created = body(created);
    assert_eq!(created["asset_tag"], "UPS-001");
    assert_eq!(created["capacity_va"], 1500);
    assert_eq!(created["rated_runtime_min"], 20);
    assert_eq!(created["battery_replace_due"], "2028-04-01");
    assert_eq!(created["last_self_test_result"], "pass");
    assert_eq!(created["nut_host"], Value::Null);
    let mut with_nut = ups_body(25, "2028-04-01");
    with_nut["nut_host"] = json!("ups-01.joho.local");
    with_nut["nut_ups_name"] = json!("rack1");
    with_nut["last_self_test_result"] = Value::Null;
    with_nut["last_self_test_on"] = Value::Null;
    let replaced = app.put(path, &c.manager, &with_nut);
    assert_eq!(replaced.status(), 200);
    let replaced = body(replaced);
    assert_eq!(replaced["rated_runtime_min"], 25);
    assert_eq!(replaced["nut_port"], 3493, "the NUT port defaults to 3493");
    assert_eq!(
        replaced["last_self_test_result"],
        Value::Null,
        "a null clears"
    );
    // A scanned tag in full-width letters finds the same UPS.
    let read = body(app.get("/api/v1/equipment/ＵＰＳ-００１/ups", &c.auditor));
    assert_eq!(read["nut_ups_name"], "rack1");
    assert_eq!(read["capacity_w"], 1200);

    // Every fault at once, named.
    let bad = json!({
        "capacity_va": 0, "rated_runtime_min": -1,
        "battery_installed_on": "2026-04-01", "battery_replace_due": "2025-04-01",
        "last_self_test_result": "maybe",
        "nut_host": "ups 01\nLOGOUT", "nut_port": 70000,
    });
    let err = assert_error(app.put(path, &c.operator, &bad), 422, "invalid_field");
    for field in [
        "capacity_va",
        "rated_runtime_min",
        "battery_replace_due",
        "last_self_test_result",
        "last_self_test_on",
        "nut_host",
        "nut_ups_name",
        "nut_port",
    ] {
        assert!(
            err["error"]["fields"][field].is_string(),
            "{field} in {err}"
        );
    }
    let mut name_only = ups_body(20, "2028-04-01");
    name_only["nut_ups_name"] = json!("rack1");
    let err = assert_error(app.put(path, &c.operator, &name_only), 422, "invalid_field");
    assert!(err["error"]["fields"]["nut_host"].is_string());
    let mut unknown = ups_body(20, "2028-04-01");
    unknown["colour"] = json!("black");
    assert_eq!(app.put(path, &c.operator, &unknown).status(), 422);
    let mut missing = ups_body(20, "2028-04-01");
    missing.as_object_mut().unwrap().remove("capacity_va");
    assert_eq!(app.put(path, &c.operator, &missing).status(), 422);

    // Audited, and nothing was written by the refusals.
    let actions = app.audit_actions();
    assert_eq!(
        actions.iter().filter(|a| *a == "power.ups_created").count(),
        1
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "power.ups_updated").count(),
        1
    );
    assert_eq!(c.app.verify(&c.admin)["ok"], true);
    let still = body(app.get("/api/v1/equipment/UPS-001/ups", &c.operator));
    assert_eq!(still["rated_runtime_min"], 25);
}
