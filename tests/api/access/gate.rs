//! The gate: every reason to deny, two guards at once, and devices carried out at the exit.

use super::*;

#[test]
fn every_deny_reason_at_the_gate_and_each_refusal_is_recorded() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let zone = g.f.zone;
    let (id, code) = approved(&app, &g, &g.staff, &staff_request(zone, g.staff_id, 0, 8));

    let allow = check(&app, &g, &code, zone);
    assert_eq!(allow["verdict"], "allow");
    assert!(allow["reason_code"].is_null());
    assert_eq!(allow["holder"]["name"], "hira 氏名");
    assert_eq!(allow["holder"]["permit_id"], id);
    assert_eq!(allow["inside"], false);

    let expect = |code: &str, zone: i64, reason: &str| {
        let answer = check(&app, &g, code, zone);
        assert_eq!(answer["verdict"], "deny", "{answer}");
        assert_eq!(answer["reason_code"], reason, "{answer}");
        assert!(!answer["reason"].as_str().unwrap().is_empty());
    };
    expect("garbage", zone, "unknown_code");
    expect("https://example.jp/e/SRV-001", zone, "unknown_code");
    let mut forged: Vec<&str> = code.split('.').collect();
    let other_claims = {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: Value = serde_json::from_slice(&engine.decode(forged[1]).unwrap()).unwrap();
        claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 86_400 * 30);
        engine.encode(serde_json::to_vec(&claims).unwrap())
    };
    forged[1] = &other_claims;
    expect(&forged.join("."), zone, "bad_signature");
    expect(&code, g.zone2, "wrong_zone");

    // A code our key signed for a permit that was never approved.
    let pending = body(app.post(
        "/api/v1/permits",
        &g.staff,
        &staff_request(zone, g.staff_id, 0, 8),
    ));
    let keys = daicho::access::PermitKeys::load(&app.settings.data_dir).unwrap();
    let now = daicho::db::now();
    let (pending_code, _) = keys
        .sign(
            pending["id"].as_i64().unwrap(),
            zone,
            now,
            now + TimeDelta::hours(8),
            now,
        )
        .unwrap();
    expect(&pending_code, zone, "not_approved");

    let (_, later) = approved(&app, &g, &g.staff, &visitor_request(zone, 24, 30));
    expect(&later, zone, "not_yet_valid");

    let (expired_id, expired) = approved(&app, &g, &g.staff, &visitor_request(zone, 0, 2));
    let mut conn = app.db();
    diesel::update(permits::table.find(expired_id))
        .set((
            permits::valid_from.eq(now - TimeDelta::hours(5)),
            permits::valid_until.eq(now - TimeDelta::hours(1)),
        ))
        .execute(&mut conn)
        .unwrap();
    expect(&expired, zone, "expired");

    let (revoked_id, revoked) = approved(&app, &g, &g.staff, &visitor_request(zone, 0, 2));
    app.post(
        &format!("/api/v1/permits/{revoked_id}/revoke"),
        &g.f.manager,
        &json!({}),
    );
    expect(&revoked, zone, "revoked");

    // Entries: the ID check is required; the refusals are recorded.
    let no_id = app.post(
        "/api/v1/gate/entries",
        &g.guard,
        &json!({"code": code, "zone_id": zone, "id_checked": false}),
    );
    let denied = assert_error(no_id, 403, "id_not_checked");
    assert_eq!(denied["reason_code"], "id_not_checked");
    assert_eq!(denied["check"]["holder"]["name"], "hira 氏名");
    assert_error(enter(&app, &g, &revoked, zone), 403, "revoked");
    assert_error(enter(&app, &g, "garbage", zone), 403, "unknown_code");
    assert_error(exit(&app, &g, &code, zone, &[]), 403, "not_inside");

    let entry = enter(&app, &g, &code, zone);
    assert_eq!(entry.status(), 201);
    let entry = body(entry);
    assert_eq!(entry["kind"], "entry");
    assert_eq!(entry["id_checked"], true);
    assert_eq!(entry["id_document"], "職員証");
    assert_eq!(entry["guard_name"], "keibi 氏名");
    assert_eq!(entry["holder_name"], "hira 氏名");
    let inside = check(&app, &g, &code, zone);
    assert_eq!(inside["reason_code"], "already_inside");
    assert_eq!(inside["inside"], true);
    assert_error(enter(&app, &g, &code, zone), 403, "already_inside");
    assert_error(exit(&app, &g, &code, g.zone2, &[]), 403, "wrong_zone");

    let left = exit(&app, &g, &code, zone, &[]);
    assert_eq!(left.status(), 201);
    let left = body(left);
    assert_eq!(left["event"]["kind"], "exit");
    assert_eq!(left["event"]["entry_event_id"], entry["id"]);
    assert_eq!(left["carried_out"], json!([]));

    assert_eq!(
        denied_events(&app),
        [
            ("entry", "id_not_checked"),
            ("entry", "revoked"),
            ("entry", "unknown_code"),
            ("exit", "not_inside"),
            ("entry", "already_inside"),
            ("exit", "wrong_zone"),
        ]
        .map(|(a, r)| (a.to_owned(), r.to_owned()))
    );
    let actions = app.audit_actions();
    assert_eq!(actions.iter().filter(|a| *a == "access.denied").count(), 6);
    assert!(actions.iter().any(|a| a == "access.entry"));
    assert!(actions.iter().any(|a| a == "access.exit"));

    // Only guards and the zone's managers work the gate.
    assert_error(
        app.post(
            "/api/v1/gate/check",
            &g.staff,
            &json!({"code": code, "zone_id": zone}),
        ),
        403,
        "forbidden",
    );
    assert_error(
        app.post(
            "/api/v1/gate/check",
            &g.guard,
            &json!({"code": code, "zone_id": 9999}),
        ),
        404,
        "not_found",
    );
    let manager_check = app.post(
        "/api/v1/gate/check",
        &g.f.manager,
        &json!({"code": code, "zone_id": zone}),
    );
    assert_eq!(manager_check.status(), 200);
    assert_eq!(app.verify(&g.f.admin)["ok"], true);
}

/// Sends `n` entry requests for one code at once, half from each of two guards.
fn parallel_entries(app: &TestApp, tokens: [&str; 2], code: &str, zone: i64, n: usize) -> Vec<u16> {
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (barrier, token) = (&barrier, tokens[i % 2]);
                s.spawn(move || {
                    let client = crate::common::client_builder().build().unwrap();
                    barrier.wait();
                    client
                        .post(app.url("/api/v1/gate/entries"))
                        .bearer_auth(token)
                        .json(&json!({"code": code, "zone_id": zone, "id_checked": true}))
                        .send()
                        .unwrap()
                        .status()
                        .as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn two_guards_recording_the_same_person_at_once_make_one_entry() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (_, second_guard) = app.user(&g.f.admin, "keibi2", &["guard"], None);
    let (permit_id, code) = approved(
        &app,
        &g,
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, 0, 8),
    );
    let statuses = parallel_entries(&app, [&g.guard, &second_guard], &code, g.f.zone, 8);
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        7,
        "{statuses:?}"
    );
    let mut conn = app.db();
    let entries: i64 = access_events::table
        .filter(access_events::kind.eq("entry"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(entries, 1);
    let refused: Vec<String> = access_events::table
        .filter(access_events::kind.eq("denied"))
        .select(access_events::reason_code.assume_not_null())
        .load(&mut conn)
        .unwrap();
    assert_eq!(refused, vec!["already_inside"; 7]);
    // The database itself refuses a second "inside" row for the same person,
    // even from a second permit of the same staff member.
    let presence: (i64, i64) = zone_presence::table
        .select((zone_presence::entry_event_id, zone_presence::zone_id))
        .first(&mut conn)
        .unwrap();
    let (second_permit, _) = approved(
        &app,
        &g,
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, 0, 4),
    );
    let twice = diesel::insert_into(zone_presence::table)
        .values((
            zone_presence::person_key.eq(format!("user:{}", g.staff_id)),
            zone_presence::zone_id.eq(presence.1),
            zone_presence::permit_id.eq(second_permit),
            zone_presence::entry_event_id.eq(presence.0),
            zone_presence::entered_at.eq(daicho::db::now()),
        ))
        .execute(&mut conn);
    assert!(
        matches!(
            twice,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        ),
        "{twice:?}"
    );
    assert_ne!(permit_id, second_permit);
    assert_eq!(app.verify(&g.f.admin)["ok"], true);
}
