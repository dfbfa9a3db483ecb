//! Settling a 無許可持出: who may, each outcome once, the page's form, and 第4条 until then.

use super::*;

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
