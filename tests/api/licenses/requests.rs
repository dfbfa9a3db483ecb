//! Install requests, decided by the device's manager and never by the requester.

use super::*;

#[test]
fn install_requests_are_decided_by_the_devices_manager_never_the_requester() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    let office = software(&app, &f.admin, "Office");
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let other = app.department(&f.admin, "SOMU", "総務課");
    let (_, outsider) = app.user(&f.admin, "somu-kacho", &["security_manager"], Some(other));
    let (zone_keeper_id, zone_keeper) =
        app.user(&f.admin, "zone-kacho", &["security_manager"], Some(other));
    let (_, auditor) = app.user(&f.admin, "kansa", &["auditor"], None);

    let created = request(&app, &staff, "pc-001", office, "upgrade");
    assert_eq!(created["state"], "requested");
    assert_eq!(created["change"], "upgrade");
    assert_eq!(created["asset_tag"], "PC-001");
    let id = created["id"].as_i64().unwrap();

    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &outsider,
            &json!({}),
        ),
        403,
        "not_manager",
    );
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &f.operator,
            &json!({}),
        ),
        403,
        "not_manager",
    );
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &f.admin,
            &json!({}),
        ),
        403,
        "not_manager",
    );
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &staff,
            &json!({}),
        ),
        403,
        "self_approval",
    );
    // The manager's own request goes to someone else.
    let own = request(&app, &f.manager, "PC-001", office, "setting");
    let own_id = own["id"].as_i64().unwrap();
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{own_id}/approve"),
            &f.manager,
            &json!({}),
        ),
        403,
        "self_approval",
    );

    // Approve with an empty body; a second decision is a wrong state.
    let approved = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/install-requests/{id}/approve"),
            Some(&f.manager),
        )
        .send()
        .unwrap();
    assert_eq!(approved.status(), 200);
    let approved = body(approved);
    assert_eq!(approved["state"], "approved");
    assert!(approved["decided_at"].as_str().unwrap().ends_with("+09:00"));
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/approve"),
            &f.manager,
            &json!({}),
        ),
        409,
        "wrong_state",
    );
    assert_error(
        app.post(
            &format!("/api/v1/install-requests/{id}/reject"),
            &f.manager,
            &json!({"note": "x"}),
        ),
        409,
        "wrong_state",
    );

    // A manager of the device's zone (from another department) may decide too, once the zone names them.
    let r = app.patch(
        &format!("/api/v1/zones/{}", f.zone),
        &f.admin,
        &json!({"manager_ids": [f.manager_id, zone_keeper_id]}),
    );
    assert_eq!(r.status(), 200, "{:?}", r.text());
    let rejected = body(app.post(
        &format!("/api/v1/install-requests/{own_id}/reject"),
        &zone_keeper,
        &json!({"note": "業務上の必要性が不明"}),
    ));
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["decision_note"], "業務上の必要性が不明");

    let e = assert_error(
        app.post("/api/v1/install-requests", &staff, &json!({"asset_tag": "ＮＯＰＥ", "software_id": 999, "version": "", "change": "delete", "reason": " "})),
        422,
        "invalid_field",
    );
    for field in ["asset_tag", "software_id", "version", "change", "reason"] {
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    assert_error(app.post("/api/v1/install-requests", &auditor, &json!({"asset_tag": "PC-001", "software_id": office, "version": "1", "change": "new", "reason": "x"})), 403, "forbidden");
    assert_error(
        app.post(
            "/api/v1/install-requests/9999/approve",
            &f.manager,
            &json!({}),
        ),
        404,
        "not_found",
    );

    // Readers see every request; a requester sees their own.
    let all = body(app.get("/api/v1/install-requests", &auditor));
    assert_eq!(all["total"], 2);
    let mine = body(app.get("/api/v1/install-requests", &staff));
    assert_eq!(mine["total"], 1);
    let approved_only = body(app.get(
        "/api/v1/install-requests?state=approved&asset_tag=PC-001",
        &auditor,
    ));
    assert_eq!(approved_only["total"], 1);
    assert_error(
        app.get("/api/v1/install-requests?state=maybe", &auditor),
        422,
        "invalid_field",
    );
    assert_eq!(
        body(app.get(&format!("/api/v1/install-requests/{id}"), &staff))["state"],
        "approved"
    );
    let (_, other_staff) = app.user(&f.admin, "hira2", &["staff"], Some(f.dept));
    assert_error(
        app.get(&format!("/api/v1/install-requests/{id}"), &other_staff),
        403,
        "forbidden",
    );

    let actions = app.audit_actions();
    assert!(actions.contains(&"install_request.approve".to_owned()));
    assert!(actions.contains(&"install_request.reject".to_owned()));
}
