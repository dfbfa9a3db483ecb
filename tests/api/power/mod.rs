//! Power protection (第6条): UPS records, the coverage check with every problem, the
//! latest status, the pages, the poll lock, and (in `nut`) a real upsd.

mod coverage;
mod nut;
mod ports;
mod records;
mod status_pages;

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
