//! 無許可持出 (issue 14 §1): what the gate flags reaches the register, stays a
//! 第4条 finding until a manager of the zone settles it, and an item the
//! register does not hold is listed under 第4条 too.

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
    report
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

#[test]
fn a_manager_of_the_zone_settles_each_way_once() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let spare = app.post("/api/v1/equipment", &g.f.operator, &{
        let mut d = device("SPR-001", &g.f);
        d["status"] = json!("spare");
        d
    });
    assert_eq!(spare.status(), 201, "{:?}", spare.text());
    let out = flagged_exit(&app, &g, &["SRV-001", "SRV-002", "SRV-003"], &["SPR-001"]);
    let (back, after, incident, spare) = (
        movement_of(&out, 0),
        movement_of(&out, 1),
        movement_of(&out, 2),
        movement_of(&out, 3),
    );

    // Only a manager of that zone: not the other zone's, not an admin, not the guard.
    assert_error(
        settle(&app, &g.other_manager, back, "returned", "確認"),
        403,
        "not_zone_manager",
    );
    assert_error(
        settle(&app, &g.f.admin, back, "returned", "確認"),
        403,
        "not_zone_manager",
    );
    assert_error(
        settle(&app, &g.staff, back, "returned", "確認"),
        403,
        "not_zone_manager",
    );
    assert_error(
        settle(&app, &g.guard, back, "returned", "確認"),
        403,
        "self_approval",
    );
    assert_error(
        settle(&app, &g.f.manager, back, "returned", "  "),
        422,
        "invalid_field",
    );
    assert_error(
        settle(&app, &g.f.manager, back, "returned", &"長".repeat(501)),
        422,
        "invalid_field",
    );
    let odd = settle(&app, &g.f.manager, back, "forgotten", "確認");
    assert!(
        [400, 422].contains(&odd.status().as_u16()),
        "{}",
        odd.status()
    );
    assert_eq!(
        status(&app, &g, "SRV-001"),
        "carried_out",
        "nothing changed yet"
    );

    let done = settle(
        &app,
        &g.f.manager,
        back,
        "returned",
        "翌朝、本人が返却。棚に戻したことを確認。",
    );
    assert_eq!(done.status(), 200, "{:?}", done.text());
    let done = body(done);
    assert_eq!(done["state"], "returned");
    assert_eq!(done["settlement"], "returned");
    assert_eq!(done["settled_by"], g.f.manager_id);
    assert!(done["settled_at"].is_string() && done["returned_at"].is_string());
    assert_eq!(done["unauthorised"], true, "it stays known as one");
    assert_eq!(status(&app, &g, "SRV-001"), "in_service");
    assert_error(
        settle(&app, &g.f.manager, back, "incident", "再度"),
        409,
        "invalid_state",
    );

    let ok = body(settle(
        &app,
        &g.f.manager,
        spare,
        "returned",
        "予備機として保管庫へ戻した。",
    ));
    assert_eq!(ok["state"], "returned");
    assert_eq!(status(&app, &g, "SPR-001"), "spare", "back to what it was");

    let ok = body(settle(
        &app,
        &g.f.manager,
        after,
        "approved_after",
        "保守業者の修理持出として事後承認。",
    ));
    assert_eq!(
        (ok["state"].as_str(), ok["settlement"].as_str()),
        (Some("completed"), Some("approved_after"))
    );
    assert_eq!(ok["decided_by"], g.f.manager_id);
    assert_eq!(status(&app, &g, "SRV-002"), "carried_out");
    let returned = app.post(
        &format!("/api/v1/movements/{after}/return"),
        &g.f.operator,
        &json!({}),
    );
    assert_eq!(
        returned.status(),
        200,
        "an approved carry-out comes back as any other"
    );
    assert_eq!(status(&app, &g, "SRV-002"), "in_service");

    // Authority is read at the moment of the decision.
    let zone = format!("/api/v1/zones/{}", g.f.zone);
    let somu = body(app.get("/api/v1/me", &g.other_manager))["id"].clone();
    let moved = app.patch(&zone, &g.f.admin, &json!({"manager_ids": [somu]}));
    assert_eq!(moved.status(), 200, "{:?}", moved.text());
    assert_error(
        settle(&app, &g.f.manager, incident, "incident", "所在不明"),
        403,
        "not_zone_manager",
    );
    app.patch(&zone, &g.f.admin, &json!({"manager_ids": [g.f.manager_id]}));
    let ok = body(settle(
        &app,
        &g.f.manager,
        incident,
        "incident",
        "所在不明のため事故として報告。",
    ));
    assert_eq!(
        (ok["state"].as_str(), ok["settlement"].as_str()),
        (Some("completed"), Some("incident"))
    );
    assert_eq!(ok["settlement_note"], "所在不明のため事故として報告。");
    assert_eq!(status(&app, &g, "SRV-003"), "carried_out");

    // Something the gate did not flag is not settled.
    let asked = app.post(
        "/api/v1/movements",
        &g.staff,
        &json!({"direction": "in", "item_description": "検証用PC", "zone_id": g.f.zone,
                "reason": "検証", "planned_at": crate::access::at(2)}),
    );
    let asked = body(asked)["id"].as_i64().unwrap();
    assert_error(
        settle(&app, &g.f.manager, asked, "returned", "x"),
        409,
        "invalid_state",
    );
    assert_error(
        settle(&app, &g.f.manager, 999_999, "returned", "x"),
        404,
        "not_found",
    );

    let actions = app.audit_actions();
    assert_eq!(
        actions.iter().filter(|a| *a == "movement.settle").count(),
        8,
        "on movement and device, four times"
    );
    assert_eq!(app.verify(&g.f.admin)["ok"], true);
    let listed = body(app.get("/api/v1/movements?state=unauthorised", &g.f.manager));
    assert_eq!(listed["total"], 0);
}

#[test]
fn the_settle_form_is_on_the_movement_page() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let id = movement_of(&flagged_exit(&app, &g, &["SRV-001"], &[]), 0);
    let path = format!("/movements/{id}");
    let mut manager = Browser::new(&app);
    manager.sign_in("kacho", USER_PASSWORD);
    let csrf = manager.csrf(&path);
    let refused = manager.post(
        &format!("{path}/settle"),
        &[("csrf", &csrf), ("outcome", "returned"), ("note", "")],
    );
    assert_eq!(refused.status(), 422);
    let html = refused.text().unwrap();
    assert!(
        html.contains("aria-invalid=\"true\">") && html.contains("入力してください"),
        "{html}"
    );
    assert!(
        html.contains("value=\"returned\" required checked"),
        "the choice is kept"
    );
    let done = manager.post(
        &format!("{path}/settle"),
        &[
            ("csrf", &csrf),
            ("outcome", "returned"),
            ("note", "返却を確認した。"),
        ],
    );
    assert_eq!(done.status(), 303);
    let page = manager.get(&path).text().unwrap();
    assert!(
        page.contains("返却確認")
            && page.contains("返却を確認した。")
            && !page.contains("処理を記録する")
    );
    assert_eq!(status(&app, &g, "SRV-001"), "in_service");
}

#[test]
fn the_report_lists_unsettled_carry_outs_and_unregistered_items_under_article_4() {
    let app = TestApp::spawn();
    let g = gate(&app);
    assert_eq!(article_4(&app, &g.f.admin)["status"], "ok");
    let out = flagged_exit(&app, &g, &["SRV-001"], &["NOPE-9"]);
    let (id, event) = (movement_of(&out, 0), out["event"]["id"].as_i64().unwrap());
    let a4 = article_4(&app, &g.f.manager);
    assert_eq!(a4["status"], "findings");
    assert_eq!(
        codes(&a4),
        [
            ("unauthorised_carry_out".to_owned(), id.to_string()),
            (
                "unregistered_item_carried_out".to_owned(),
                event.to_string()
            ),
        ]
    );
    let messages = a4["findings"].to_string();
    assert!(
        messages.contains("SRV-001") && messages.contains("NOPE-9"),
        "{messages}"
    );
    assert_eq!(a4["findings"][0]["entity_type"], "movement");
    let mut manager = Browser::new(&app);
    manager.sign_in("kacho", USER_PASSWORD);
    let html = manager.get("/reports/compliance").text().unwrap();
    assert!(
        html.contains(&format!("href=\"/movements/{id}\"")),
        "the finding opens the movement"
    );

    assert_eq!(
        settle(&app, &g.f.manager, id, "approved_after", "事後承認").status(),
        200
    );
    assert_eq!(
        codes(&article_4(&app, &g.f.manager)),
        [(
            "unregistered_item_carried_out".to_owned(),
            event.to_string()
        )],
        "settled: no longer a finding; the unknown item stays on record"
    );
}
