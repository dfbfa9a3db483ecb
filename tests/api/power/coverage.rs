//! The coverage check: every problem on its own device, and readings nobody refreshes.

use super::*;

/// Every coverage problem, each on its own device, plus what is left out.
#[test]
fn coverage_names_every_problem() {
    let c = cast(0);
    let app = &c.app;
    let mut conn = app.db();
    insert_device(&c, &Device::ups("UPS-A"));
    insert_device(&c, &Device::ups("UPS-DUE"));
    let u3 = insert_device(&c, &Device::ups("UPS-LIVE"));
    let u4 = insert_device(&c, &Device::ups("UPS-GONE"));
    insert_device(&c, &Device::ups("UPS-BARE"));
    assert_eq!(
        app.put(
            "/api/v1/equipment/UPS-A/ups",
            &c.operator,
            &ups_body(20, "2030-01-01")
        )
        .status(),
        201
    );
    assert_eq!(
        app.put(
            "/api/v1/equipment/UPS-DUE/ups",
            &c.operator,
            &ups_body(20, &in_days(30))
        )
        .status(),
        201
    );
    for tag in ["UPS-LIVE", "UPS-GONE"] {
        let mut b = ups_body(20, "2030-01-01");
        b["nut_host"] = json!("127.0.0.1");
        b["nut_ups_name"] = json!("x");
        assert_eq!(
            app.put(&format!("/api/v1/equipment/{tag}/ups"), &c.operator, &b)
                .status(),
            201
        );
    }
    insert_device(&c, &Device::key("K-OK", Some("UPS-A"), Some("ups"), 10));
    insert_device(&c, &Device::key("K-NOUPS", None, Some("spd"), 10));
    insert_device(&c, &Device::key("K-NOUPS-UPSSURGE", None, Some("ups"), 10));
    insert_device(&c, &Device::key("K-SHORT", Some("UPS-A"), Some("ups"), 30));
    insert_device(&c, &Device::key("K-DUE", Some("UPS-DUE"), Some("spd"), 10));
    insert_device(
        &c,
        &Device::key("K-NOSURGE", Some("UPS-A"), Some("none"), 10),
    );
    insert_device(&c, &Device::key("K-NOSURGE2", Some("UPS-A"), None, 10));
    insert_device(&c, &Device::key("K-LIVE", Some("UPS-LIVE"), Some("ups"), 5));
    insert_device(
        &c,
        &Device::key("K-GONE", Some("UPS-GONE"), Some("ups"), 10),
    );
    insert_device(
        &c,
        &Device::key("K-BARE", Some("UPS-BARE"), Some("spd"), 10),
    );
    let mut unknown_need = Device::key("K-UNKNOWN", Some("UPS-A"), Some("spd"), 0);
    unknown_need.required_min = None;
    insert_device(&c, &unknown_need);
    // Left out: not key, disposed.
    let mut plain = Device::key("N-PLAIN", None, None, 1);
    plain.key = false;
    insert_device(&c, &plain);
    insert_device(&c, &Device::key("K-DISPOSED", None, None, 1));
    dispose(&mut conn, "K-DISPOSED");
    // Live readings: UPS-LIVE on battery and low (2 minutes left), UPS-GONE unreachable.
    insert_reading(&mut conn, u3, true, Some("OL"), Some(1800));
    insert_reading(&mut conn, u3, true, Some("OB LB"), Some(125));
    insert_reading(&mut conn, u4, true, Some("OL"), Some(1800));
    insert_reading(&mut conn, u4, false, None, None);

    let answer = body(app.get("/api/v1/power/coverage", &c.auditor));
    let rows = answer["items"].as_array().unwrap();
    let tags: Vec<&str> = rows
        .iter()
        .map(|r| r["asset_tag"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        vec![
            "K-BARE",
            "K-DUE",
            "K-GONE",
            "K-LIVE",
            "K-NOSURGE",
            "K-NOSURGE2",
            "K-NOUPS",
            "K-NOUPS-UPSSURGE",
            "K-OK",
            "K-SHORT",
            "K-UNKNOWN"
        ]
    );
    let row = |tag: &str| rows.iter().find(|r| r["asset_tag"] == tag).unwrap().clone();
    let problems = |tag: &str| -> Vec<String> {
        row(tag)["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(problems("K-OK"), Vec::<String>::new());
    assert_eq!(problems("K-NOUPS"), vec!["no_ups"]);
    assert_eq!(
        problems("K-NOUPS-UPSSURGE"),
        vec!["no_ups", "no_surge_protection"]
    );
    assert_eq!(problems("K-SHORT"), vec!["insufficient_runtime"]);
    assert_eq!(problems("K-DUE"), vec!["battery_due"]);
    assert_eq!(problems("K-NOSURGE"), vec!["no_surge_protection"]);
    assert_eq!(problems("K-NOSURGE2"), vec!["no_surge_protection"]);
    assert_eq!(
        problems("K-LIVE"),
        vec!["insufficient_runtime", "on_battery", "low_battery"]
    );
    assert_eq!(problems("K-GONE"), vec!["ups_unreachable"]);
    assert_eq!(
        problems("K-BARE"),
        vec!["insufficient_runtime"],
        "a UPS without details has no known runtime"
    );
    assert_eq!(
        problems("K-UNKNOWN"),
        vec!["insufficient_runtime"],
        "an unknown shutdown time cannot be checked"
    );

    let ok = row("K-OK");
    assert_eq!(ok["ups_asset_tag"], "UPS-A");
    assert_eq!(ok["runtime_min"], 20);
    assert_eq!(ok["runtime_source"], "rated");
    assert_eq!(ok["required_shutdown_min"], 10);
    assert_eq!(ok["surge_protection"], "ups");
    assert_eq!(ok["status"], Value::Null, "UPS-A is not polled");
    let live = row("K-LIVE");
    assert_eq!(
        live["runtime_min"], 2,
        "live runtime (125 s) wins over the rated 20 minutes"
    );
    assert_eq!(live["runtime_source"], "live");
    assert_eq!(live["status"], "OB LB");
    assert_eq!(live["battery_charge"], 35.0);
    let gone = row("K-GONE");
    assert_eq!(gone["status"], "unreachable");
    assert_eq!(
        gone["runtime_min"], 20,
        "unreachable: back to the rated runtime"
    );
    assert_eq!(gone["runtime_source"], "rated");
    assert_eq!(row("K-NOUPS")["ups_asset_tag"], Value::Null);
    assert_eq!(answer["total"], 11);
    assert_eq!(answer["with_problems"], 10);

    // Filters.
    let only = body(app.get("/api/v1/power/coverage?problem=no_ups", &c.operator));
    assert_eq!(only["total"], 2);
    let only = body(app.get("/api/v1/power/coverage?only_problems=true", &c.manager));
    assert_eq!(only["total"], 10);
    assert_error(
        app.get("/api/v1/power/coverage?problem=flood", &c.operator),
        422,
        "invalid_field",
    );
    // Who may look.
    assert_error(
        app.get("/api/v1/power/coverage", &c.staff),
        403,
        "forbidden",
    );
    assert_eq!(app.get("/api/v1/power/coverage", &c.admin).status(), 200);

    // The page shows the same at a glance.
    let html = page(app, &c.auditor, "/power");
    assert!(html.contains("電源保護状況"));
    assert!(html.contains("10台に問題があります"), "{html}");
    assert!(html.contains(r#"data-problem="ups_unreachable">UPS応答なし 1<"#));
    assert!(html.contains(r#"data-problem="no_ups">UPS未接続 2<"#));
    assert!(html.contains(r#"<tr class="ng" data-tag="K-LIVE">"#));
    assert!(html.contains(r#"<tr class="fine" data-tag="K-OK">"#));
    assert!(html.contains("バッテリー運転"));
    let filtered = page(app, &c.auditor, "/power?problem=battery_due");
    assert!(filtered.contains("K-DUE") && !filtered.contains("data-tag=\"K-OK\""));
    assert_eq!(page_status(app, &c.staff, "/power"), 403);
}

/// A reading nobody refreshed (the poller is off or its instance gone) is not trusted.
#[test]
fn a_reading_nobody_refreshes_goes_stale() {
    let c = cast(0);
    let app = &c.app;
    let mut conn = app.db();
    let ups = insert_device(&c, &Device::ups("UPS-S"));
    insert_device(&c, &Device::key("K-S", Some("UPS-S"), Some("spd"), 10));
    let mut b = ups_body(20, "2030-01-01");
    b["nut_host"] = json!("127.0.0.1");
    b["nut_ups_name"] = json!("s");
    assert_eq!(
        app.put("/api/v1/equipment/UPS-S/ups", &c.operator, &b)
            .status(),
        201
    );
    let hour_ago = daicho::db::now() - chrono::Duration::hours(1);
    insert_reading_at(&mut conn, ups, true, Some("OL"), Some(3000), hour_ago);
    let row =
        |app: &TestApp| body(app.get("/api/v1/power/coverage", &c.auditor))["items"][0].clone();
    let stale = row(app);
    assert_eq!(stale["status"], "stale");
    assert_eq!(stale["problems"], json!(["ups_unreachable"]));
    assert_eq!(stale["runtime_source"], "rated");
    assert_eq!(stale["battery_charge"], Value::Null);
    let status = body(app.get("/api/v1/power/ups/UPS-S/status", &c.auditor));
    assert_eq!(status["stale"], true);
    assert_eq!(
        status["status"], "OL",
        "the last reading is still shown, marked stale"
    );
    assert!(page(app, &c.auditor, "/power").contains("監視停止中"));

    insert_reading(&mut conn, ups, true, Some("OL"), Some(3000));
    let fresh = row(app);
    assert_eq!(fresh["status"], "OL");
    assert_eq!(fresh["problems"], json!([]));
    assert_eq!(fresh["runtime_min"], 50);
    assert_eq!(fresh["runtime_source"], "live");
    let status = body(app.get("/api/v1/power/ups/UPS-S/status", &c.auditor));
    assert_eq!(status["stale"], false);
}
