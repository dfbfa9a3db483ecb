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
mod catalog;
mod disposal;
mod installs;
pub mod pages;
mod requests;
