//! The latest status on the API and the pages, with its history, and the UPS form's faults beside its fields.

use super::*;

#[test]
fn ups_status_and_page_show_the_latest_reading_and_its_history() {
    let c = cast(0);
    let app = &c.app;
    let mut conn = app.db();
    let ups = insert_device(&c, &Device::ups("UPS-7"));
    insert_device(&c, &Device::key("SRV-7", Some("UPS-7"), Some("ups"), 5));
    let status = body(app.get("/api/v1/power/ups/UPS-7/status", &c.operator));
    assert_eq!(status["status"], Value::Null);
    assert_eq!(status["polled"], false);
    assert_eq!(status["polled_at"], Value::Null);
    assert_error(
        app.get("/api/v1/power/ups/SRV-7/status", &c.operator),
        409,
        "not_a_ups",
    );
    assert_error(
        app.get("/api/v1/power/ups/NONE-1/status", &c.operator),
        404,
        "not_found",
    );
    assert_error(
        app.get("/api/v1/power/ups/UPS-7/status", &c.staff),
        403,
        "forbidden",
    );

    let mut b = ups_body(15, "2030-01-01");
    b["nut_host"] = json!("127.0.0.1");
    b["nut_ups_name"] = json!("ups7");
    assert_eq!(
        app.put("/api/v1/equipment/UPS-7/ups", &c.manager, &b)
            .status(),
        201
    );
    insert_reading(&mut conn, ups, true, Some("OL"), Some(1500));
    insert_reading(&mut conn, ups, false, None, None);
    insert_reading(&mut conn, ups, true, Some("OB"), Some(960));
    insert_reading(&mut conn, ups, true, Some("OB"), Some(900));
    let status = body(app.get("/api/v1/power/ups/UPS-7/status", &c.auditor));
    assert_eq!(status["polled"], true);
    assert_eq!(status["reachable"], true);
    assert_eq!(status["status"], "OB");
    assert_eq!(status["battery_charge"], 35.0);
    assert_eq!(status["runtime_s"], 900);
    assert_eq!(status["load"], 40.0);
    assert!(status["polled_at"].as_str().unwrap().ends_with("+09:00"));

    let html = page(app, &c.manager, "/power/ups/UPS-7");
    assert!(html.contains("<svg class=\"chart\""));
    assert_eq!(
        html.matches("<svg class=\"chart\"").count(),
        2,
        "charge and runtime"
    );
    assert_eq!(
        html.matches("<polyline").count(),
        2,
        "a line after the gap, in each chart"
    );
    assert_eq!(
        html.matches("<circle").count(),
        2,
        "a lone point before the gap, in each chart"
    );
    assert!(html.contains("バッテリー運転"));
    assert!(html.contains("SRV-7"), "the devices it feeds");
    assert!(
        html.contains("/power/ups/UPS-7/edit"),
        "the manager may edit"
    );
    let html = page(app, &c.auditor, "/power/ups/UPS-7?hours=720");
    assert!(
        !html.contains("/power/ups/UPS-7/edit"),
        "the auditor may not"
    );
    assert_eq!(page_status(app, &c.auditor, "/power/ups/SRV-7"), 409);
}

#[test]
fn the_ups_form_saves_and_shows_faults_beside_fields() {
    let c = cast(0);
    let app = &c.app;
    insert_device(&c, &Device::ups("UPS-F"));
    let html = page(app, &c.operator, "/power/ups/UPS-F/edit");
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..start + html[start..].find('"').unwrap()].to_owned();
    let post = |form: &[(&str, &str)]| {
        app.client
            .post(app.url("/power/ups/UPS-F/edit"))
            .header("cookie", format!("daicho_session={}", c.operator))
            .form(form)
            .send()
            .unwrap()
    };
    let bad = post(&[
        ("csrf", &csrf),
        ("capacity_va", "abc"),
        ("rated_runtime_min", "10"),
        ("battery_replace_due", "2026/13/01"),
    ]);
    assert_eq!(bad.status(), 422);
    let text = bad.text().unwrap();
    assert!(text.contains("数字で入力してください"));
    assert!(text.contains("日付は 例："));
    let forged = post(&[
        ("csrf", "forged"),
        ("capacity_va", "1000"),
        ("rated_runtime_min", "10"),
    ]);
    assert_eq!(forged.status(), 403);
    let ok = post(&[
        ("csrf", &csrf),
        ("capacity_va", "1000"),
        ("rated_runtime_min", "12"),
        ("battery_replace_due", "2029-03-31"),
        ("last_self_test_on", "2026-11-01"),
        ("last_self_test_result", "fail"),
        ("nut_host", ""),
        ("nut_port", ""),
        ("nut_ups_name", ""),
    ]);
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/power/ups/UPS-F");
    let saved = body(app.get("/api/v1/equipment/UPS-F/ups", &c.auditor));
    assert_eq!(saved["capacity_va"], 1000);
    assert_eq!(saved["last_self_test_result"], "fail");
    assert_eq!(saved["nut_host"], Value::Null);
    assert_eq!(
        page_status(app, &c.other_manager, "/power/ups/UPS-F/edit"),
        403
    );
    assert_eq!(page_status(app, &c.auditor, "/power/ups/UPS-F/edit"), 403);
}
