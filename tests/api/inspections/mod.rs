//! Inspections (点検記録, 第32条): the API journey with its refusals, the
//! immutability of a signed record, and the pages.

mod flow;
mod pages;

use crate::common::{TestApp, body};
use crate::register::{Fixture, device, fixture};
use serde_json::{Value, json};

/// A register with findings in the report: a key device outside any zone
/// (第4条) and key devices without a UPS (第6条).
pub fn with_findings(app: &TestApp) -> Fixture {
    let f = fixture(app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f));
    let mut loose = device("SRV-002", &f);
    loose["zone_id"] = json!(null);
    let made = app.post("/api/v1/equipment", &f.operator, &loose);
    assert_eq!(made.status(), 201);
    f
}

pub fn open(app: &TestApp, token: &str) -> reqwest::blocking::Response {
    let today = chrono::Utc::now().date_naive();
    app.post(
        "/api/v1/inspections",
        token,
        &json!({"from": "2026-11-01", "to": today.to_string(), "note": "定期点検"}),
    )
}

pub fn opened(app: &TestApp, token: &str) -> Value {
    let answer = open(app, token);
    assert_eq!(answer.status(), 201);
    body(answer)
}

pub fn decide_all(app: &TestApp, token: &str, inspection: &Value) {
    let id = inspection["id"].as_i64().unwrap();
    for f in inspection["findings"].as_array().unwrap() {
        let n = f["n"].as_i64().unwrap();
        let answer = app.patch(
            &format!("/api/v1/inspections/{id}/findings/{n}"),
            token,
            &json!({"disposition": "planned", "comment": "来月の保守で対応する"}),
        );
        assert_eq!(answer.status(), 200);
    }
}
