//! Exits: carried-out devices checked against approved carry-outs.

use super::*;

#[test]
fn exits_check_carried_out_devices_against_approved_carry_outs() {
    let app = TestApp::spawn();
    let g = gate(&app);
    for tag in ["SRV-001", "SRV-002", "SRV-003"] {
        assert_eq!(
            app.post("/api/v1/equipment", &g.f.operator, &device(tag, &g.f))
                .status(),
            201
        );
    }
    let movement = |tag: &str, hours: i64| -> i64 {
        let m = app.post(
            "/api/v1/movements",
            &g.staff,
            &json!({"direction": "out", "asset_tag": tag, "zone_id": g.f.zone, "reason": "メーカー修理",
                    "planned_at": at(hours)}),
        );
        assert_eq!(m.status(), 201, "{:?}", m.text());
        let id = body(m)["id"].as_i64().unwrap();
        let ok = app.post(
            &format!("/api/v1/movements/{id}/approve"),
            &g.f.manager,
            &json!({}),
        );
        assert_eq!(ok.status(), 200, "{:?}", ok.text());
        id
    };
    let authorised = movement("SRV-001", 1);
    let too_early = movement("SRV-003", 72);
    let (_, code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    assert_eq!(enter(&app, &g, &code, g.f.zone).status(), 201);
    assert_error(
        exit(&app, &g, &code, g.f.zone, &["さーばー"]),
        422,
        "invalid_field",
    );
    let out = exit(
        &app,
        &g,
        &code,
        g.f.zone,
        &["ｓｒｖ－００１", "SRV-002", "SRV-003", "NOPE-9", "srv-001"],
    );
    assert_eq!(out.status(), 201);
    let out = body(out);
    // A registered device without an approved carry-out gets its own 無許可持出 movement.
    let flagged = |i: usize| out["carried_out"][i]["movement_id"].as_i64().unwrap();
    assert_eq!(
        out["carried_out"],
        json!([
            {"asset_tag": "SRV-001", "authorised": true, "movement_id": authorised, "problem": null},
            {"asset_tag": "SRV-002", "authorised": false, "movement_id": flagged(1), "problem": "no_approved_carry_out"},
            {"asset_tag": "SRV-003", "authorised": false, "movement_id": flagged(2), "problem": "no_approved_carry_out"},
            {"asset_tag": "NOPE-9", "authorised": false, "movement_id": null, "problem": "unknown_equipment"},
        ])
    );
    assert!(![authorised, too_early].contains(&flagged(1)));
    assert_eq!(out["event"]["carried_out"].as_array().unwrap().len(), 4);
    let done = body(app.get(&format!("/api/v1/movements/{authorised}"), &g.f.manager));
    assert_eq!(done["state"], "completed");
    assert!(done["completed_at"].is_string());
    let waiting = body(app.get(&format!("/api/v1/movements/{too_early}"), &g.f.manager));
    assert_eq!(waiting["state"], "approved");
    assert_eq!(
        body(app.get("/api/v1/equipment/SRV-001", &g.f.manager))["status"],
        "carried_out"
    );
    assert_eq!(
        body(app.get("/api/v1/equipment/SRV-002", &g.f.manager))["status"],
        "carried_out",
        "flagged or not, the device is out of the room"
    );
    let actions = app.audit_actions();
    assert!(actions.iter().any(|a| a == "movement.complete"));
    assert!(actions.iter().any(|a| a == "access.carry_out_flagged"));
    assert_eq!(app.verify(&g.f.admin)["ok"], true);
}
