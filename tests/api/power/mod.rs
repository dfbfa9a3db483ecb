//! Power protection (第6条): UPS records, the coverage check with every problem, the
//! latest status, the pages, the poll lock, and (in `nut`) a real upsd.

mod nut;
mod ports;

use crate::common::{TestApp, assert_error, body};
use daicho::db::DbConn;
use daicho::db::schema::{equipment, ups_readings};
use diesel::prelude::*;
use serde_json::{Value, json};

/// Everyone the power tests need.
pub struct Cast {
    pub app: TestApp,
    pub admin: String,
    pub dept: i64,
    pub operator: String,
    pub manager: String,
    pub other_manager: String,
    pub auditor: String,
    pub staff: String,
}

pub fn cast(poll_seconds: u64) -> Cast {
    cast_with(poll_seconds, &[])
}

/// As [`cast`], with `nut_ports` allowed beside 3493 (`DAICHO_NUT_PORTS`).
pub fn cast_with(poll_seconds: u64, nut_ports: &[u16]) -> Cast {
    let app = TestApp::spawn_with(|s| {
        s.nut_poll_seconds = poll_seconds;
        s.nut_ports.extend_from_slice(nut_ports);
    });
    let admin = app.admin();
    let dept = app.department(&admin, "JOHO", "情報政策課");
    let other_dept = app.department(&admin, "SOMU", "総務課");
    let (_, operator) = app.user(&admin, "unyo", &["operator"], Some(dept));
    let (_, manager) = app.user(&admin, "kanri", &["security_manager"], Some(dept));
    let (_, other_manager) = app.user(&admin, "tanin", &["security_manager"], Some(other_dept));
    let (_, auditor) = app.user(&admin, "kansa", &["auditor"], Some(dept));
    let (_, staff) = app.user(&admin, "hanako", &["staff"], Some(dept));
    Cast {
        app,
        admin,
        dept,
        operator,
        manager,
        other_manager,
        auditor,
        staff,
    }
}

/// A device, registered through the equipment API (register area).
pub struct Device<'a> {
    pub tag: &'a str,
    pub kind: &'a str,
    pub key: bool,
    pub ups: Option<&'a str>,
    pub surge: Option<&'a str>,
    pub required_min: Option<i32>,
}

impl<'a> Device<'a> {
    pub fn ups(tag: &'a str) -> Device<'a> {
        Device {
            tag,
            kind: "ups",
            key: false,
            ups: None,
            surge: None,
            required_min: None,
        }
    }

    pub fn key(
        tag: &'a str,
        ups: Option<&'a str>,
        surge: Option<&'a str>,
        required: i32,
    ) -> Device<'a> {
        Device {
            tag,
            kind: "server",
            key: true,
            ups,
            surge,
            required_min: Some(required),
        }
    }
}

/// Registers `d` as the operator; returns its row id.
pub fn insert_device(c: &Cast, d: &Device) -> i64 {
    let created = c.app.post(
        "/api/v1/equipment",
        &c.operator,
        &json!({
            "asset_tag": d.tag, "name": format!("{} の機器", d.tag), "kind": d.kind,
            "key_equipment": d.key, "department_id": c.dept, "classification": "general",
            "ups_asset_tag": d.ups, "surge_protection": d.surge,
            "required_shutdown_min": d.required_min,
        }),
    );
    assert_eq!(created.status(), 201, "{} is registered", d.tag);
    let created = body(created);
    assert_eq!(created["ups_asset_tag"], json!(d.ups));
    equipment::table
        .filter(equipment::asset_tag.eq(d.tag))
        .select(equipment::id)
        .first(&mut c.app.db())
        .expect("the registered row")
}

/// Marks a device disposed behind the API's back (disposal has its own rules, not tested here).
fn dispose(conn: &mut DbConn, tag: &str) {
    diesel::update(equipment::table.filter(equipment::asset_tag.eq(tag)))
        .set(equipment::status.eq("disposed"))
        .execute(conn)
        .expect("disposed");
}

pub fn ups_body(rated: i64, due: &str) -> Value {
    json!({
        "capacity_va": 1500, "capacity_w": 1200, "rated_runtime_min": rated,
        "battery_installed_on": "2024-04-01", "battery_replace_due": due,
        "last_self_test_on": "2026-10-01", "last_self_test_result": "pass",
        "outlets_battery": 4, "outlets_surge_only": 4,
        "auto_shutdown": "PowerChute: 残り5分でシャットダウン", "maintenance_vendor": "江戸川電設",
    })
}

fn insert_reading(
    conn: &mut DbConn,
    ups: i64,
    reachable: bool,
    status: Option<&str>,
    runtime_s: Option<i64>,
) {
    insert_reading_at(conn, ups, reachable, status, runtime_s, daicho::db::now());
}

fn insert_reading_at(
    conn: &mut DbConn,
    ups: i64,
    reachable: bool,
    status: Option<&str>,
    runtime_s: Option<i64>,
    at: chrono::NaiveDateTime,
) {
    diesel::insert_into(ups_readings::table)
        .values((
            ups_readings::ups_equipment_id.eq(ups),
            ups_readings::polled_at.eq(at),
            ups_readings::reachable.eq(reachable),
            ups_readings::status.eq(status),
            ups_readings::battery_charge.eq(status.map(|_| 35.0)),
            ups_readings::runtime_s.eq(runtime_s),
            ups_readings::load.eq(status.map(|_| 40.0)),
            ups_readings::error.eq((!reachable).then_some("connection refused")),
        ))
        .execute(conn)
        .expect("reading row");
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now().naive_utc() + chrono::Duration::hours(9) + chrono::Duration::days(days))
        .date()
        .to_string()
}

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

fn page_request(app: &TestApp, token: &str, path: &str) -> reqwest::blocking::Response {
    app.client
        .get(app.url(path))
        .header("cookie", format!("daicho_session={token}"))
        .send()
        .unwrap()
}

pub fn page(app: &TestApp, token: &str, path: &str) -> String {
    let r = page_request(app, token, path);
    assert_eq!(r.status(), 200, "{path}");
    r.text().unwrap()
}

fn page_status(app: &TestApp, token: &str, path: &str) -> u16 {
    page_request(app, token, path).status().as_u16()
}

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

#[test]
fn openapi_describes_the_power_calls() {
    let c = cast(0);
    let doc = body(
        c.app
            .client
            .get(c.app.url("/api/openapi.json"))
            .send()
            .unwrap(),
    );
    for path in [
        "/api/v1/equipment/{tag}/ups",
        "/api/v1/power/coverage",
        "/api/v1/power/ups/{tag}/status",
        "/api/v1/power/ups/{tag}/events",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} in the OpenAPI document"
        );
    }
    assert!(doc["paths"]["/api/v1/equipment/{tag}/ups"]["put"].is_object());
}

/// Only one instance polls when several share a PostgreSQL (the advisory lock); on SQLite
/// there is only one instance and it always polls.
#[test]
fn only_the_lock_holder_polls() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let c = cast_with(0, &[port]);
    let app = &c.app;
    let ports = app.settings.nut_ports.clone();
    insert_device(&c, &Device::ups("UPS-L"));
    let mut b = ups_body(15, "2030-01-01");
    b["nut_host"] = json!("127.0.0.1");
    b["nut_port"] = json!(port);
    b["nut_ups_name"] = json!("l");
    assert_eq!(
        app.put("/api/v1/equipment/UPS-L/ups", &c.operator, &b)
            .status(),
        201
    );
    let url = app.settings.database_url.clone();
    let pool = || daicho::db::build_pool(&url, 2).unwrap();
    let second = std::time::Duration::from_secs(1);
    match app.backend() {
        daicho::db::Backend::Postgres => {
            // Another instance holds the lock: this one stays idle.
            let mut other = match app.db() {
                DbConn::Pg(pg) => pg,
                DbConn::Sqlite(_) => unreachable!(),
            };
            let lock = |conn: &mut diesel::PgConnection, f: &str| -> bool {
                diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                    "{f}({})",
                    daicho::power::poller::LOCK_KEY
                )))
                .get_result(conn)
                .unwrap()
            };
            assert!(lock(&mut other, "pg_try_advisory_lock"));
            let mut a = daicho::power::poller::Poller::new(pool(), &url, second, ports.clone());
            assert_eq!(a.cycle(), 0, "no lock, no poll");
            assert!(lock(&mut other, "pg_advisory_unlock"));
            assert_eq!(a.cycle(), 1, "the lock is free: this instance polls");
            let mut b = daicho::power::poller::Poller::new(pool(), &url, second, ports.clone());
            assert_eq!(b.cycle(), 0, "a second instance waits");
            drop(a);
            // The first instance's lock went with its connection.
            std::thread::sleep(std::time::Duration::from_millis(200));
            assert_eq!(b.cycle(), 1, "the second instance takes over");
        }
        daicho::db::Backend::Sqlite => {
            let mut a = daicho::power::poller::Poller::new(pool(), &url, second, ports.clone());
            assert_eq!(a.cycle(), 1);
            assert_eq!(
                a.cycle(),
                0,
                "a dead UPS is left alone for a while (backoff)"
            );
            std::thread::sleep(std::time::Duration::from_millis(1100));
            assert_eq!(a.cycle(), 1, "and tried again after the backoff");
        }
    }
    let status = body(app.get("/api/v1/power/ups/UPS-L/status", &c.operator));
    assert_eq!(status["reachable"], false);
    assert!(status["error"].as_str().unwrap().contains("connect"));
    let events = body(app.get("/api/v1/power/ups/UPS-L/events", &c.operator));
    assert_eq!(
        events.as_array().unwrap().len(),
        1,
        "unreachable once, not per poll"
    );
    assert_eq!(events[0]["kind"], "unreachable");
    assert!(
        app.audit_actions()
            .contains(&"power.unreachable".to_owned())
    );
}
