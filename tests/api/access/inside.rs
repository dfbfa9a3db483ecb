//! Where a holder is inside: the check names the zone, so the guard can send them there.

use super::{check, gate, staff_request};
use crate::common::{TestApp, body};
use serde_json::{Value, json};

fn permit(app: &TestApp, requester: &str, approver: &str, request: &Value) -> String {
    let created = app.post("/api/v1/permits", requester, request);
    assert_eq!(created.status(), 201, "{:?}", created.text());
    let id = body(created)["id"].as_i64().unwrap();
    let ok = app.post(
        &format!("/api/v1/permits/{id}/approve"),
        approver,
        &json!({}),
    );
    assert_eq!(ok.status(), 200, "{:?}", ok.text());
    body(ok)["code"].as_str().unwrap().to_owned()
}

#[test]
fn a_holder_inside_another_zone_is_told_which_zone() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let here = permit(
        &app,
        &g.staff,
        &g.f.manager,
        &staff_request(g.f.zone, g.staff_id, 0, 8),
    );
    let there = permit(
        &app,
        &g.staff,
        &g.other_manager,
        &staff_request(g.zone2, g.staff_id, 0, 8),
    );
    assert_eq!(check(&app, &g, &here, g.f.zone)["inside_zone"], Value::Null);
    let entry = app.post(
        "/api/v1/gate/entries",
        &g.guard,
        &json!({"code": here, "zone_id": g.f.zone, "id_checked": true}),
    );
    assert_eq!(entry.status(), 201, "{:?}", entry.text());

    // At this zone's door: inside here (the page offers the exit).
    let inside = check(&app, &g, &here, g.f.zone);
    assert_eq!(inside["inside"], true);
    assert_eq!(inside["inside_zone"]["name"], "サーバ室");

    // At the other zone's door: refused, naming the zone they are in.
    let elsewhere = check(&app, &g, &there, g.zone2);
    assert_eq!(elsewhere["reason_code"], "already_inside");
    assert_eq!(elsewhere["inside"], false);
    assert_eq!(elsewhere["inside_zone"]["code"], "SRV-ROOM");
    assert_eq!(
        elsewhere["reason"],
        "「SRV-ROOM サーバ室」に入室中として記録されています。先にその区域で退室を記録してください。"
    );
}
