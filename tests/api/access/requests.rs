//! Permits: who may request and decide them, and what a request must hold.

use super::*;

#[test]
fn permits_are_approved_only_by_a_manager_of_the_zone_never_the_requester() {
    let app = TestApp::spawn();
    let g = gate(&app);
    // A staff member asks for themselves.
    let own = app.post(
        "/api/v1/permits",
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, 0, 8),
    );
    assert_eq!(own.status(), 201);
    let own = body(own);
    assert_eq!(own["state"], "requested");
    assert_eq!(own["holder_kind"], "staff");
    assert_eq!(own["holder_name"], "hira 氏名");
    assert_eq!(own["organization"], "情報政策課");
    assert_eq!(own["escort_required"], false);
    assert!(own["code"].is_null(), "no code before approval");
    assert!(own["valid_from"].as_str().unwrap().ends_with("+09:00"));
    let id = own["id"].as_i64().unwrap();
    let path = |action: &str| format!("/api/v1/permits/{id}/{action}");

    assert_error(
        app.post(&path("approve"), &g.staff, &json!({})),
        403,
        "self_approval",
    );
    assert_error(
        app.post(&path("approve"), &g.other_manager, &json!({})),
        403,
        "not_zone_manager",
    );
    assert_error(
        app.post(&path("approve"), &g.f.admin, &json!({})),
        403,
        "not_zone_manager",
    );
    // The zone's manager asks for themselves: they may not approve it either.
    let mine = body(app.post(
        "/api/v1/permits",
        &g.f.manager,
        &staff_request(g.f.zone, g.f.manager_id, 0, 8),
    ));
    assert_error(
        app.post(
            &format!("/api/v1/permits/{}/approve", mine["id"]),
            &g.f.manager,
            &json!({}),
        ),
        403,
        "self_approval",
    );

    // An empty body is fine for a decision.
    let ok = app
        .request(reqwest::Method::POST, &path("approve"), Some(&g.f.manager))
        .send()
        .unwrap();
    assert_eq!(ok.status(), 200);
    let ok = body(ok);
    assert_eq!(ok["state"], "approved");
    assert_eq!(ok["decided_by_name"], "kacho 氏名");
    assert!(ok["code"].as_str().unwrap().split('.').count() == 3);
    assert_error(
        app.post(&path("approve"), &g.f.manager, &json!({})),
        409,
        "invalid_state",
    );
    assert_error(
        app.post(&path("reject"), &g.f.manager, &json!({})),
        409,
        "invalid_state",
    );
    assert_error(
        app.post(&path("revoke"), &g.other_manager, &json!({"note": "x"})),
        403,
        "not_zone_manager",
    );
    let revoked = body(app.post(&path("revoke"), &g.f.manager, &json!({"note": "工事中止"})));
    assert_eq!(revoked["state"], "revoked");
    assert_eq!(revoked["revoke_reason"], "工事中止");
    assert_error(
        app.post(&path("revoke"), &g.f.manager, &json!({})),
        409,
        "invalid_state",
    );

    // Rejection, and a visitor's permit with an escort by default.
    let visitor = body(app.post(
        "/api/v1/permits",
        &g.staff,
        &visitor_request(g.f.zone, 1, 5),
    ));
    assert_eq!(visitor["holder_kind"], "contractor");
    assert_eq!(visitor["escort_required"], true);
    let vid = visitor["id"].as_i64().unwrap();
    let rejected = body(app.post(
        &format!("/api/v1/permits/{vid}/reject"),
        &g.f.manager,
        &json!({"note": "作業日程を再調整してください"}),
    ));
    assert_eq!(rejected["state"], "rejected");
    assert!(rejected["code"].is_null());
    assert_error(
        app.post(
            &format!("/api/v1/permits/{vid}/approve"),
            &g.f.manager,
            &json!({}),
        ),
        409,
        "invalid_state",
    );

    // Who sees what.
    let staff_list = body(app.get("/api/v1/permits", &g.staff));
    assert_eq!(staff_list["total"], 2, "the staff member's own two");
    let other_list = body(app.get("/api/v1/permits", &g.other_manager));
    assert_eq!(other_list["total"], 0);
    assert_error(
        app.get(&format!("/api/v1/permits/{id}"), &g.other_manager),
        404,
        "not_found",
    );
    let managed = body(app.get(
        &format!("/api/v1/permits?zone_id={}&state=revoked", g.f.zone),
        &g.f.manager,
    ));
    assert_eq!(managed["total"], 1);
    assert_eq!(managed["items"][0]["id"], id);
    assert_error(
        app.get("/api/v1/permits?state=bogus", &g.f.admin),
        422,
        "invalid_field",
    );

    let actions = app.audit_actions();
    for action in [
        "permit.request",
        "permit.approve",
        "permit.revoke",
        "permit.reject",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    assert_eq!(app.verify(&g.f.admin)["ok"], true);
}

#[test]
fn bad_permit_requests_are_refused_field_by_field() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let both = json!({"zone_id": g.f.zone, "holder_user_id": g.staff_id,
        "visitor": {"name": "a", "organization": "b"}, "purpose": "x",
        "valid_from": at(0), "valid_until": at(1)});
    let e = assert_error(
        app.post("/api/v1/permits", &g.staff, &both),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["holder_user_id"].is_string());
    let bad = json!({"zone_id": 9999, "visitor": {"name": " ", "organization": ""},
        "purpose": "", "valid_from": "tomorrow", "valid_until": at(-1), "escort_user_id": 9999});
    let e = assert_error(
        app.post("/api/v1/permits", &g.staff, &bad),
        422,
        "invalid_field",
    );
    let fields = e["error"]["fields"].as_object().unwrap();
    for f in [
        "zone_id",
        "visitor.name",
        "visitor.organization",
        "purpose",
        "valid_from",
        "escort_user_id",
    ] {
        assert!(fields.contains_key(f), "{f} in {fields:?}");
    }
    let backwards = json!({"zone_id": g.f.zone, "holder_user_id": g.staff_id, "purpose": "x",
        "valid_from": at(5), "valid_until": at(2)});
    let e = assert_error(
        app.post("/api/v1/permits", &g.staff, &backwards),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["valid_until"].is_string());
    let unknown = json!({"zone_id": g.f.zone, "holder_user_id": g.staff_id, "purpose": "x",
        "valid_from": at(0), "valid_until": at(2), "colour": "red"});
    assert_error(
        app.post("/api/v1/permits", &g.staff, &unknown),
        422,
        "invalid_field",
    );
    // Asking for another staff member is for managers and admins.
    assert_error(
        app.post(
            "/api/v1/permits",
            &g.staff,
            &staff_request(g.f.zone, g.guard_id, 0, 2),
        ),
        403,
        "forbidden",
    );
    let (_, auditor) = app.user(&g.f.admin, "kansa", &["auditor"], None);
    assert_error(
        app.post(
            "/api/v1/permits",
            &auditor,
            &visitor_request(g.f.zone, 0, 2),
        ),
        403,
        "forbidden",
    );
    assert_eq!(
        app.post(
            "/api/v1/permits",
            &g.f.manager,
            &staff_request(g.f.zone, g.staff_id, 0, 2)
        )
        .status(),
        201
    );
}
