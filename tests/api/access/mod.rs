//! Machine-room access (第5条): permits, signed codes, the gate, occupancy, the log.

mod browser;
mod codes;
mod gate;
mod gate_exits;
mod inside;
mod keys;
mod memory;
mod occupancy;
mod pages;
mod requests;

use crate::common::{TestApp, assert_error, body};
use crate::register::{Fixture, device, fixture};
use chrono::{TimeDelta, Utc};
use daicho::db::schema::{access_events, permits, zone_presence};
use diesel::prelude::*;
use serde_json::{Value, json};

/// An RFC 3339 time `hours` from now.
pub fn at(hours: i64) -> String {
    (Utc::now() + TimeDelta::hours(hours)).to_rfc3339()
}

/// The register fixture plus a guard, a staff member, a second zone and a
/// security manager who does not manage the first zone.
pub struct Gate {
    pub f: Fixture,
    pub guard_id: i64,
    pub guard: String,
    pub staff_id: i64,
    pub staff: String,
    pub other_manager: String,
    pub zone2: i64,
}

pub fn gate(app: &TestApp) -> Gate {
    let f = fixture(app);
    let (guard_id, guard) = app.user(&f.admin, "keibi", &["guard"], None);
    let (staff_id, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let (other_id, other_manager) = app.user(&f.admin, "somu", &["security_manager"], Some(f.dept));
    let zone2 = app.post(
        "/api/v1/zones",
        &f.admin,
        &json!({"code": "NET-ROOM", "name": "ネットワーク室", "department_id": f.dept, "manager_ids": [other_id]}),
    );
    assert_eq!(zone2.status(), 201, "{:?}", zone2.text());
    let zone2 = body(zone2)["id"].as_i64().unwrap();
    Gate {
        f,
        guard_id,
        guard,
        staff_id,
        staff,
        other_manager,
        zone2,
    }
}

/// A staff member's own permit for `zone`, valid from `from` to `until` hours from now.
pub fn staff_request(zone: i64, holder: i64, from: i64, until: i64) -> Value {
    json!({"zone_id": zone, "holder_user_id": holder, "purpose": "サーバ保守作業",
           "valid_from": at(from), "valid_until": at(until)})
}

pub fn visitor_request(zone: i64, from: i64, until: i64) -> Value {
    json!({"zone_id": zone, "visitor": {"name": "山田 太郎", "organization": "株式会社保守サービス"},
           "purpose": "UPSバッテリー交換", "valid_from": at(from), "valid_until": at(until)})
}

/// Requests a permit as `requester` and has the zone manager approve it; (id, code).
pub fn approved(app: &TestApp, g: &Gate, requester: &str, request: &Value) -> (i64, String) {
    let created = app.post("/api/v1/permits", requester, request);
    assert_eq!(created.status(), 201, "{:?}", created.text());
    let id = body(created)["id"].as_i64().unwrap();
    let ok = app.post(
        &format!("/api/v1/permits/{id}/approve"),
        &g.f.manager,
        &json!({}),
    );
    assert_eq!(ok.status(), 200, "{:?}", ok.text());
    let ok = body(ok);
    assert_eq!(ok["state"], "approved");
    (id, ok["code"].as_str().unwrap().to_owned())
}

pub(super) fn check(app: &TestApp, g: &Gate, code: &str, zone: i64) -> Value {
    let r = app.post(
        "/api/v1/gate/check",
        &g.guard,
        &json!({"code": code, "zone_id": zone}),
    );
    assert_eq!(r.status(), 200);
    body(r)
}

pub(crate) fn enter(app: &TestApp, g: &Gate, code: &str, zone: i64) -> reqwest::blocking::Response {
    app.post(
        "/api/v1/gate/entries",
        &g.guard,
        &json!({"code": code, "zone_id": zone, "id_checked": true, "id_document": "職員証"}),
    )
}

pub(crate) fn exit(
    app: &TestApp,
    g: &Gate,
    code: &str,
    zone: i64,
    tags: &[&str],
) -> reqwest::blocking::Response {
    app.post(
        "/api/v1/gate/exits",
        &g.guard,
        &json!({"code": code, "zone_id": zone, "carried_out": tags}),
    )
}

fn denied_events(app: &TestApp) -> Vec<(String, String)> {
    let mut conn = app.db();
    access_events::table
        .filter(access_events::kind.eq("denied"))
        .order(access_events::id.asc())
        .select((
            access_events::attempt,
            access_events::reason_code.assume_not_null(),
        ))
        .load(&mut conn)
        .unwrap()
}
