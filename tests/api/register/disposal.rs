//! Disposal (第3条2項(3), 第23条2項): secret devices need erasure and evidence; the record stays.

use super::{device, fixture};
use crate::common::{TestApp, assert_error, body};
use serde_json::json;

#[test]
fn secret_devices_need_an_erasure_method_a_certificate_and_a_witness() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f))
            .status(),
        201
    );
    // The method is always required, whatever the device.
    let no_method = assert_error(
        app.post("/api/v1/equipment/SRV-001/dispose", &f.operator, &json!({})),
        422,
        "invalid_field",
    );
    assert_eq!(
        no_method["error"]["fields"]["method"],
        "廃棄の方法を選んでください。"
    );
    let refused = assert_error(
        app.post(
            "/api/v1/equipment/SRV-001/dispose",
            &f.operator,
            &json!({"method": "vendor_collection"}),
        ),
        422,
        "invalid_field",
    );
    let fields = refused["error"]["fields"].as_object().unwrap();
    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(names, ["certificate_number", "method", "witnessed_by"]);
    let refused = assert_error(
        app.post("/api/v1/equipment/SRV-001/dispose", &f.operator, &json!({"method": "degaussing", "certificate_number": "C-2026-001", "witnessed_by": "  "})),
        422,
        "invalid_field",
    );
    assert_eq!(
        refused["error"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["witnessed_by"]
    );
    assert_error(
        app.post(
            "/api/v1/equipment/SRV-001/dispose",
            &f.operator,
            &json!({"method": "shred"}),
        ),
        422,
        "invalid_field",
    );
    assert_eq!(
        body(app.get("/api/v1/equipment/SRV-001", &f.operator))["status"],
        "in_service"
    );

    let done = app.post(
        "/api/v1/equipment/SRV-001/dispose",
        &f.operator,
        &json!({"method": "physical_destruction", "certificate_number": "C-2026-001", "witnessed_by": "情報政策課 山田"}),
    );
    assert_eq!(done.status(), 201);
    let record = body(done);
    assert_eq!(record["method"], "physical_destruction");
    assert_eq!(record["classification"], "secret");
    assert_eq!(
        body(app.get("/api/v1/equipment/SRV-001", &f.operator))["status"],
        "disposed"
    );
    assert_eq!(
        body(app.get("/api/v1/equipment/SRV-001/disposal", &f.operator))["certificate_number"],
        "C-2026-001"
    );
    assert_error(
        app.post(
            "/api/v1/equipment/SRV-001/dispose",
            &f.operator,
            &json!({"method": "overwrite", "certificate_number": "x", "witnessed_by": "y"}),
        ),
        409,
        "already_disposed",
    );
    assert_error(
        app.patch(
            "/api/v1/equipment/SRV-001",
            &f.operator,
            &json!({"name": "再利用"}),
        ),
        409,
        "disposed",
    );
    let history = body(app.get("/api/v1/equipment/SRV-001/history", &f.operator));
    assert_eq!(history[0]["action"], "equipment.dispose");
    assert_eq!(
        history[0]["detail"]["disposal"]["witnessed_by"],
        "情報政策課 山田"
    );
    assert_eq!(app.verify(&f.admin)["ok"], true);
}

#[test]
fn general_devices_may_go_without_evidence_and_the_record_cannot_change() {
    use diesel::prelude::*;
    let app = TestApp::spawn();
    let f = fixture(&app);
    let mut general = device("TRM-001", &f);
    general["classification"] = json!("general");
    general["kind"] = json!("terminal");
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &general)
            .status(),
        201
    );
    // Even a 一般情報 device says how it went.
    let bare = assert_error(
        app.post(
            "/api/v1/equipment/TRM-001/dispose",
            &f.operator,
            &json!({"notes": "x"}),
        ),
        422,
        "invalid_field",
    );
    assert_eq!(bare["error"]["fields"].as_object().unwrap().len(), 1);
    let done = app.post(
        "/api/v1/equipment/TRM-001/dispose",
        &f.operator,
        &json!({"method": "vendor_collection", "notes": "リース返却"}),
    );
    assert_eq!(done.status(), 201);
    assert_error(
        app.get("/api/v1/equipment/SRV-404/disposal", &f.operator),
        404,
        "not_found",
    );

    // No path changes or deletes the record: the database itself refuses.
    let mut conn = app.db();
    let update =
        diesel::sql_query("UPDATE disposals SET certificate_number = 'forged'").execute(&mut conn);
    assert!(update.is_err(), "update refused");
    let delete = diesel::sql_query("DELETE FROM disposals").execute(&mut conn);
    assert!(delete.is_err(), "delete refused");
    assert_eq!(
        body(app.get("/api/v1/equipment/TRM-001/disposal", &f.operator))["notes"],
        "リース返却"
    );
}

#[test]
fn only_those_who_change_a_device_dispose_of_it() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let other = app.department(&f.admin, "SOMU", "総務課");
    let (_, staff) = app.user(&f.admin, "ippan", &["staff"], Some(f.dept));
    let (_, other_manager) = app.user(&f.admin, "somu-kacho", &["security_manager"], Some(other));
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f))
            .status(),
        201
    );
    let input =
        json!({"method": "overwrite", "certificate_number": "C-1", "witnessed_by": "立会者"});
    assert_error(
        app.post("/api/v1/equipment/SRV-001/dispose", &staff, &input),
        403,
        "forbidden",
    );
    assert_error(
        app.post("/api/v1/equipment/SRV-001/dispose", &other_manager, &input),
        403,
        "forbidden",
    );
    assert_error(
        app.post("/api/v1/equipment/SRV-999/dispose", &f.operator, &input),
        404,
        "not_found",
    );
    assert_eq!(
        app.post("/api/v1/equipment/SRV-001/dispose", &f.manager, &input)
            .status(),
        201
    );
}

#[test]
fn the_disposal_form_asks_for_a_method_and_the_asset_tag_before_anything_is_sent() {
    use crate::common::USER_PASSWORD;
    use crate::common::browser::Browser;
    let test = "the_disposal_form_asks_for_a_method_and_the_asset_tag_before_anything_is_sent";
    let Some(driver) = Browser::desktop(1024, 768, test) else {
        return;
    };
    let app = TestApp::spawn();
    let f = fixture(&app);
    let mut general = device("TRM-001", &f);
    general["classification"] = json!("general");
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &general)
            .status(),
        201
    );
    driver.sign_in(
        &app.url("/login?next=/equipment/TRM-001"),
        "unyo",
        USER_PASSWORD,
    );
    driver.script(
        "document.querySelector('form[action$=\"/dispose\"]').scrollIntoView(); return true;",
    );
    let form = "form[action=\"/equipment/TRM-001/dispose\"]";
    assert_eq!(
        driver.attribute(&format!("{form} select[name=method]"), "value"),
        ""
    );
    assert!(driver.is_displayed(&format!("{form} input[name=confirm_tag]")));
    assert!(
        driver
            .text(form)
            .contains("資産番号「TRM-001」を入力してください")
    );
    assert!(driver.text(&format!("{form} button")).contains("TRM-001"));
    driver.screenshot("dispose-form-1024x768");
    // Pressed at once: the browser asks for the method, nothing is sent.
    driver.click(&format!("{form} button"));
    let invalid = driver.script(
        "return [...document.querySelectorAll('form[action$=\"/dispose\"] :invalid')].map((e) => e.name);",
    );
    assert_eq!(invalid, json!(["method", "confirm_tag"]));
    assert_eq!(
        body(app.get("/api/v1/equipment/TRM-001", &f.operator))["status"],
        "in_service"
    );
}
