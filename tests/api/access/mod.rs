//! Machine-room access (第5条): permits, signed codes, the gate, occupancy, the log.

mod browser;
mod inside;
mod keys;
mod memory;
mod pages;

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

fn enter(app: &TestApp, g: &Gate, code: &str, zone: i64) -> reqwest::blocking::Response {
    app.post(
        "/api/v1/gate/entries",
        &g.guard,
        &json!({"code": code, "zone_id": zone, "id_checked": true, "id_document": "職員証"}),
    )
}

fn exit(
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

#[test]
fn codes_verify_offline_with_the_published_keys_and_survive_rotation() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (id, code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    // The JWK set needs no sign-in: a tablet fetches it once and verifies offline.
    let keys = app
        .client
        .get(app.url("/api/v1/permits/keys"))
        .send()
        .unwrap();
    assert_eq!(keys.status(), 200);
    let keys = body(keys);
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1);
    let jwk = &keys["keys"][0];
    assert_eq!(jwk["kty"], "OKP");
    assert_eq!(jwk["crv"], "Ed25519");
    assert_eq!(jwk["alg"], "EdDSA");

    let verify_offline = |set: &Value, code: &str| -> Value {
        let header = jsonwebtoken::decode_header(code).unwrap();
        let kid = header.kid.unwrap();
        let jwk = set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .expect("the code's key is published");
        let key =
            jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.set_audience(&["permit"]);
        jsonwebtoken::decode::<Value>(code, &key, &validation)
            .expect("verifies with the published key")
            .claims
    };
    let claims = verify_offline(&keys, &code);
    assert_eq!(claims["pid"], id);
    assert_eq!(claims["zid"], g.f.zone);
    assert_eq!(claims["aud"], "permit");
    // A session token is not a permit code, and a tampered code fails offline too.
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["permit"]);
    let key = jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
    let mut tampered = code.clone().into_bytes();
    let i = tampered.len() - 10;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert!(jsonwebtoken::decode::<Value>(&tampered, &key, &validation).is_err());
    assert_eq!(
        check(&app, &g, &g.staff, g.f.zone)["reason_code"],
        "unknown_code",
        "a session token at the gate"
    );

    assert_error(
        app.post("/api/v1/permits/keys/rotate", &g.f.manager, &json!({})),
        403,
        "forbidden",
    );
    let rotated = app.post("/api/v1/permits/keys/rotate", &g.f.admin, &json!({}));
    assert_eq!(rotated.status(), 200);
    let rotated = body(rotated);
    assert_eq!(rotated["keys"].as_array().unwrap().len(), 2);
    assert_eq!(
        rotated["keys"][1]["kid"], jwk["kid"],
        "the old key stays published"
    );
    let (_, new_code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    let new_kid = jsonwebtoken::decode_header(&new_code).unwrap().kid.unwrap();
    assert_eq!(rotated["keys"][0]["kid"], new_kid.as_str());
    assert_ne!(new_kid, jwk["kid"].as_str().unwrap());
    let published = body(
        app.client
            .get(app.url("/api/v1/permits/keys"))
            .send()
            .unwrap(),
    );
    verify_offline(&published, &code);
    verify_offline(&published, &new_code);
    assert_eq!(
        check(&app, &g, &code, g.f.zone)["verdict"],
        "allow",
        "old code after rotation"
    );
    assert_eq!(check(&app, &g, &new_code, g.f.zone)["verdict"], "allow");
    assert!(app.audit_actions().iter().any(|a| a == "permit.key_rotate"));
}

#[test]
fn the_badge_qr_holds_the_code() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (id, code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    let png = app.get(&format!("/api/v1/permits/{id}/qr.png"), &g.staff);
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let pending = body(app.post(
        "/api/v1/permits",
        &g.staff,
        &visitor_request(g.f.zone, 0, 8),
    ));
    assert_error(
        app.get(
            &format!("/api/v1/permits/{}/qr.png", pending["id"]),
            &g.staff,
        ),
        409,
        "not_approved",
    );
    let Some(zbarimg) = crate::common::tools::require(
        "zbarimg",
        &["/usr/bin/zbarimg"],
        "the_badge_qr_holds_the_code",
    ) else {
        return;
    };
    let file = tempfile::NamedTempFile::with_suffix(".png").unwrap();
    std::fs::write(file.path(), &bytes).unwrap();
    let out = std::process::Command::new(zbarimg)
        .args(["--quiet", "--raw", "-Sbinary"])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), code);
    // The printable badge page.
    let page = app
        .client
        .get(app.url(&format!("/permits/{id}/badge")))
        .send()
        .unwrap();
    assert_eq!(page.status(), 303, "pages need a session cookie");
}

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
    assert_eq!(
        out["carried_out"],
        json!([
            {"asset_tag": "SRV-001", "authorised": true, "movement_id": authorised, "problem": null},
            {"asset_tag": "SRV-002", "authorised": false, "movement_id": null, "problem": "no_approved_carry_out"},
            {"asset_tag": "SRV-003", "authorised": false, "movement_id": null, "problem": "no_approved_carry_out"},
            {"asset_tag": "NOPE-9", "authorised": false, "movement_id": null, "problem": "unknown_equipment"},
        ])
    );
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
        "in_service"
    );
    let actions = app.audit_actions();
    assert!(actions.iter().any(|a| a == "movement.complete"));
    assert!(actions.iter().any(|a| a == "access.carry_out_flagged"));
    assert_eq!(app.verify(&g.f.admin)["ok"], true);
}

#[test]
fn occupancy_overdue_and_the_access_log_for_managers_auditors_and_admins() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (staff_permit, staff_code) = approved(
        &app,
        &g,
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, 0, 8),
    );
    let (_, visitor_code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    assert_eq!(enter(&app, &g, &staff_code, g.f.zone).status(), 201);
    assert_eq!(enter(&app, &g, &visitor_code, g.f.zone).status(), 201);
    let path = format!("/api/v1/zones/{}/occupancy", g.f.zone);
    let now_inside = body(app.get(&path, &g.guard));
    assert_eq!(now_inside["count"], 2);
    assert_eq!(now_inside["overdue"], 0);
    assert_eq!(now_inside["zone_name"], "サーバ室");
    assert_eq!(now_inside["people"][0]["name"], "hira 氏名");
    assert_eq!(now_inside["people"][1]["name"], "山田 太郎");
    assert_eq!(
        now_inside["people"][1]["organization"],
        "株式会社保守サービス"
    );
    assert_eq!(now_inside["people"][1]["escort_required"], true);
    assert!(
        now_inside["people"][0]["entered_at"]
            .as_str()
            .unwrap()
            .ends_with("+09:00")
    );
    // The staff member's window passes while inside: overdue.
    let mut conn = app.db();
    let now = daicho::db::now();
    diesel::update(permits::table.find(staff_permit))
        .set((
            permits::valid_from.eq(now - TimeDelta::hours(3)),
            permits::valid_until.eq(now - TimeDelta::minutes(1)),
        ))
        .execute(&mut conn)
        .unwrap();
    let later = body(app.get(&path, &g.f.manager));
    assert_eq!(later["overdue"], 1);
    assert_eq!(later["people"][0]["overdue"], true);
    assert_eq!(later["people"][1]["overdue"], false);
    assert_error(app.get(&path, &g.staff), 403, "forbidden");
    assert_error(app.get(&path, &g.other_manager), 403, "forbidden");
    // An overdue person still gets out.
    assert_eq!(exit(&app, &g, &staff_code, g.f.zone, &[]).status(), 201);
    assert_error(enter(&app, &g, &staff_code, g.f.zone), 403, "expired");
    assert_eq!(body(app.get(&path, &g.guard))["count"], 1);

    // The log: managers of the zone, auditors and admins only.
    let (_, auditor) = app.user(&g.f.admin, "kansa", &["auditor"], None);
    let log_path = format!("/api/v1/access-events?zone_id={}", g.f.zone);
    assert_error(app.get(&log_path, &g.guard), 403, "forbidden");
    assert_error(app.get(&log_path, &g.staff), 403, "forbidden");
    assert_error(app.get(&log_path, &g.other_manager), 403, "forbidden");
    let log = body(app.get(&log_path, &auditor));
    assert_eq!(log["total"], 4);
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["entry", "entry", "exit", "denied"]);
    assert_eq!(log["items"][3]["reason_code"], "expired");
    assert_eq!(body(app.get(&log_path, &g.f.manager))["total"], 4);
    // The other manager's own log is empty; no filter means their zones only.
    assert_eq!(
        body(app.get("/api/v1/access-events", &g.other_manager))["total"],
        0
    );
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .date_naive();
    let dated = body(app.get(
        &format!("/api/v1/access-events?from={today}&to={today}"),
        &g.f.admin,
    ));
    assert_eq!(dated["total"], 4);
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        body(app.get(
            &format!("/api/v1/access-events?from={tomorrow}"),
            &g.f.admin
        ))["total"],
        0
    );
    assert_error(
        app.get("/api/v1/access-events?from=yesterday", &g.f.admin),
        422,
        "invalid_field",
    );

    let csv = app.get(
        &format!("/api/v1/access-events/export.csv?zone_id={}", g.f.zone),
        &auditor,
    );
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = csv.bytes().unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("日時,区分,区域,氏名,所属・会社名,許可番号,身分証確認"));
    assert!(
        lines[1].contains(",入室,サーバ室,hira 氏名,情報政策課,P-"),
        "{}",
        lines[1]
    );
    assert!(lines[3].contains(",退室,"), "{}", lines[3]);
    assert!(lines[4].contains("入室拒否") && lines[4].contains("許可期間が終了しています。"));
    assert_error(
        app.get("/api/v1/access-events/export.csv", &g.guard),
        403,
        "forbidden",
    );
}

#[test]
fn the_access_api_is_in_the_openapi_document() {
    let app = TestApp::spawn();
    let doc = body(app.client.get(app.url("/api/openapi.json")).send().unwrap());
    for path in [
        "/api/v1/permits",
        "/api/v1/permits/{id}",
        "/api/v1/permits/{id}/approve",
        "/api/v1/permits/{id}/reject",
        "/api/v1/permits/{id}/revoke",
        "/api/v1/permits/{id}/qr.png",
        "/api/v1/permits/keys",
        "/api/v1/gate/check",
        "/api/v1/gate/entries",
        "/api/v1/gate/exits",
        "/api/v1/zones/{id}/occupancy",
        "/api/v1/access-events",
        "/api/v1/access-events/export.csv",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} in the OpenAPI document"
        );
    }
}
