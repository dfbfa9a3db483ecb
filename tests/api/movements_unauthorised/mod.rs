//! 無許可持出 (issue 14 §1): what the gate flags reaches the register, stays a
//! 第4条 finding until a manager of the zone settles it, and an item the
//! register does not hold is listed under 第4条 too.

mod settle;

use crate::access::{Gate, approved, enter, exit, gate, visitor_request};
use crate::common::session::Browser;
use crate::common::{TestApp, USER_PASSWORD, assert_error, body};
use crate::register::device;
use daicho::db::schema::access_carry_outs;
use diesel::prelude::*;
use serde_json::{Value, json};

/// Registers `tags` in the zone and walks a visitor in and out carrying them
/// (and `extra`, which the register does not hold): the exit's answer.
fn flagged_exit(app: &TestApp, g: &Gate, tags: &[&str], extra: &[&str]) -> Value {
    for tag in tags {
        let made = app.post("/api/v1/equipment", &g.f.operator, &device(tag, &g.f));
        assert_eq!(made.status(), 201, "{:?}", made.text());
    }
    let (_, code) = approved(app, g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    assert_eq!(enter(app, g, &code, g.f.zone).status(), 201);
    let all: Vec<&str> = tags.iter().chain(extra).copied().collect();
    let out = exit(app, g, &code, g.f.zone, &all);
    assert_eq!(out.status(), 201);
    body(out)
}

fn movement_of(out: &Value, i: usize) -> i64 {
    out["carried_out"][i]["movement_id"].as_i64().unwrap()
}

fn status(app: &TestApp, g: &Gate, tag: &str) -> Value {
    body(app.get(&format!("/api/v1/equipment/{tag}"), &g.f.manager))["status"].clone()
}

fn settle(
    app: &TestApp,
    token: &str,
    id: i64,
    outcome: &str,
    note: &str,
) -> reqwest::blocking::Response {
    app.post(
        &format!("/api/v1/movements/{id}/settle"),
        token,
        &json!({"outcome": outcome, "note": note}),
    )
}

fn article_4(app: &TestApp, token: &str) -> Value {
    let report = body(app.get("/api/v1/reports/compliance", token));
    report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["article"] == "第4条")
        .unwrap()
        .clone()
}

fn codes(article: &Value) -> Vec<(String, String)> {
    article["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["entity_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_flagged_exit_records_an_unauthorised_movement_and_the_device_goes_out() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let out = flagged_exit(&app, &g, &["SRV-001"], &["NOPE-9"]);
    let event = out["event"]["id"].as_i64().unwrap();
    let id = movement_of(&out, 0);
    assert_eq!(out["carried_out"][0]["problem"], "no_approved_carry_out");
    assert_eq!(out["carried_out"][1]["problem"], "unknown_equipment");
    assert_eq!(out["carried_out"][1]["movement_id"], Value::Null);

    let m = body(app.get(&format!("/api/v1/movements/{id}"), &g.f.manager));
    assert_eq!(m["state"], "unauthorised");
    assert_eq!(m["unauthorised"], true);
    assert_eq!(m["direction"], "out");
    assert_eq!(m["asset_tag"], "SRV-001");
    assert_eq!(m["zone_id"], g.f.zone);
    assert_eq!(m["requested_by"], g.guard_id, "the guard who recorded it");
    assert_eq!(m["access_event_id"], event, "linked to the exit");
    assert_eq!(m["reason"], "入退室口で承認のない持出を確認");
    assert_eq!(m["prior_status"], "in_service");
    assert_eq!(m["settlement"], Value::Null);
    assert_eq!(status(&app, &g, "SRV-001"), "carried_out");

    // The exit record keeps both lines, the flagged device pointing at its movement.
    let mut conn = app.db();
    let rows: Vec<(String, Option<i64>, Option<i64>)> = access_carry_outs::table
        .filter(access_carry_outs::event_id.eq(event))
        .order(access_carry_outs::id.asc())
        .select((
            access_carry_outs::asset_tag,
            access_carry_outs::equipment_id,
            access_carry_outs::movement_id,
        ))
        .load(&mut conn)
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].2, Some(id));
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1, rows[1].2),
        ("NOPE-9", None, None)
    );

    let actions = app.audit_actions();
    for action in [
        "access.exit",
        "access.carry_out_flagged",
        "movement.unauthorised",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    assert_eq!(app.verify(&g.f.admin)["ok"], true);
    let history = body(app.get("/api/v1/equipment/SRV-001/history", &g.f.manager));
    let step = history["items"]
        .as_array()
        .or(history.as_array())
        .unwrap()
        .iter()
        .find(|e| e["action"] == "movement.unauthorised")
        .cloned()
        .expect("on the device's history");
    assert!(step.to_string().contains("carried_out"), "{step}");

    let listed = body(app.get("/api/v1/movements?state=unauthorised", &g.f.manager));
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["id"], id);
    let requested = body(app.get("/api/v1/movements?state=requested", &g.f.manager));
    assert!(
        requested["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != id)
    );
    let csv = app
        .get(
            "/api/v1/movements/export.csv?state=unauthorised",
            &g.f.manager,
        )
        .text()
        .unwrap();
    let line = csv
        .lines()
        .find(|l| l.starts_with(&format!("{id},")))
        .expect("the movement in the CSV");
    assert!(
        line.contains("無許可持出") && line.contains("未処理"),
        "{line}"
    );
    assert!(
        line.contains(&format!(",{event},")),
        "the exit's number: {line}"
    );

    // The pages say it in words and in red.
    let mut manager = Browser::new(&app);
    manager.sign_in("kacho", USER_PASSWORD);
    let page = manager.get("/equipment/SRV-001").text().unwrap();
    assert!(page.contains("無許可持出・未処理") && page.contains(&format!("/movements/{id}")));
    assert!(page.contains("<span class=\"badge ng\">無許可持出（入退室口で確認）</span>"));
    let card = manager.get("/e/SRV-001").text().unwrap();
    assert!(card.contains("<dd class=\"ng\">未処理"), "the scanned card");
    let list = manager.get("/movements?state=unauthorised").text().unwrap();
    assert!(list.contains("無許可持出") && list.contains("<span class=\"badge ng\">未処理</span>"));
    let detail = manager.get(&format!("/movements/{id}")).text().unwrap();
    assert!(detail.contains("処理を記録する") && detail.contains(&format!("退室記録 ID {event}")));
    let home = manager.get("/").text().unwrap();
    assert!(
        home.contains("<li class=\"urgent\">")
            && home.contains("<span class=\"count\">1</span> 未処理の無許可持出"),
        "the manager's to-do"
    );
    let mut guard = Browser::new(&app);
    guard.sign_in("keibi", USER_PASSWORD);
    let detail = guard.get(&format!("/movements/{id}")).text().unwrap();
    assert!(detail.contains("無許可持出") && !detail.contains("処理を記録する"));
}
