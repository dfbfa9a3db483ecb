//! Authority follows the person as they are now (issue: "the door holds"): a
//! demoted security manager loses every zone power at once, managers of one
//! zone or department cannot act in another, and entry codes stay with those
//! who hold them.

use crate::access::{Gate, approved, gate, staff_request};
use crate::common::{TestApp, USER_PASSWORD, assert_error, body};
use crate::licenses::{add_device, software};
use daicho::db::schema::zone_managers;
use diesel::prelude::*;
use serde_json::json;

fn carry_out(tag: &str, zone: i64) -> serde_json::Value {
    json!({"direction": "out", "asset_tag": tag, "zone_id": zone, "reason": "メーカー修理",
           "destination": "修理センター", "planned_at": crate::access::at(24), "return_due": "2099-12-20"})
}

/// Requests every kind of zone decision the manager of `g.f.zone` could take:
/// (permit id, movement id, cabling change id).
fn pending_decisions(app: &TestApp, g: &Gate) -> (i64, i64, i64) {
    add_device(app, &g.f, "SRV-101");
    let permit = app.post(
        "/api/v1/permits",
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, 1, 4),
    );
    assert_eq!(permit.status(), 201, "{:?}", permit.text());
    let movement = app.post(
        "/api/v1/movements",
        &g.staff,
        &carry_out("SRV-101", g.f.zone),
    );
    assert_eq!(movement.status(), 201, "{:?}", movement.text());
    let cabling = app.post(
        "/api/v1/cabling-changes",
        &g.staff,
        &json!({"zone_id": g.f.zone, "description": "ラック間の配線を張り替え", "asset_tags": ["SRV-101"],
                "planned_on": "2099-12-02",
                "contractor": {"company": "〇〇通信工業", "contract_number": "R8-1", "worker_name": "山田 太郎"}}),
    );
    assert_eq!(cabling.status(), 201, "{:?}", cabling.text());
    (
        body(permit)["id"].as_i64().unwrap(),
        body(movement)["id"].as_i64().unwrap(),
        body(cabling)["id"].as_i64().unwrap(),
    )
}

#[test]
fn a_demoted_security_manager_loses_every_zone_power_at_once() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (_, code) = approved(
        &app,
        &g,
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, -1, 4),
    );
    let (permit, movement, cabling) = pending_decisions(&app, &g);

    let demoted = app.patch(
        &format!("/api/v1/users/{}", g.f.manager_id),
        &g.f.admin,
        &json!({"roles": ["staff"]}),
    );
    assert_eq!(demoted.status(), 200, "{:?}", demoted.text());
    // The role change ended their sessions; they sign in again as staff.
    let former = app.login("kacho", USER_PASSWORD);

    for (path, what) in [
        (format!("/api/v1/permits/{permit}/approve"), "permit"),
        (format!("/api/v1/movements/{movement}/approve"), "carry-out"),
        (
            format!("/api/v1/cabling-changes/{cabling}/authorize"),
            "cabling",
        ),
    ] {
        let r = app.post(&path, &former, &json!({}));
        assert_eq!(r.status(), 403, "{what}: {:?}", r.text());
    }
    let check = app.post(
        "/api/v1/gate/check",
        &former,
        &json!({"code": code, "zone_id": g.f.zone}),
    );
    assert_eq!(check.status(), 403, "gate check: {:?}", check.text());
    let entry = app.post(
        "/api/v1/gate/entries",
        &former,
        &json!({"code": code, "zone_id": g.f.zone, "id_checked": true}),
    );
    assert_eq!(entry.status(), 403, "gate entry: {:?}", entry.text());
    let inside = app.get(&format!("/api/v1/zones/{}/occupancy", g.f.zone), &former);
    assert_eq!(inside.status(), 403, "occupancy: {:?}", inside.text());

    // The link went with the role, audited, and the zone no longer names them.
    let zone = body(app.get(&format!("/api/v1/zones/{}", g.f.zone), &g.f.admin));
    assert_eq!(zone["manager_ids"], json!([]));
    assert!(
        app.audit_actions()
            .contains(&"zone.manager_removed".to_owned())
    );
    // Given the role back, they manage nothing until an admin names them again.
    let restored = app.patch(
        &format!("/api/v1/users/{}", g.f.manager_id),
        &g.f.admin,
        &json!({"roles": ["security_manager"]}),
    );
    assert_eq!(restored.status(), 200);
    let again = app.login("kacho", USER_PASSWORD);
    assert_error(
        app.post(
            &format!("/api/v1/permits/{permit}/approve"),
            &again,
            &json!({}),
        ),
        403,
        "not_zone_manager",
    );
}

#[test]
fn a_zone_link_without_the_role_confers_nothing() {
    let app = TestApp::spawn();
    let g = gate(&app);
    // A link left from before links were dropped with the role: made by hand.
    let mut conn = app.db();
    diesel::insert_into(zone_managers::table)
        .values((
            zone_managers::zone_id.eq(g.f.zone),
            zone_managers::user_id.eq(g.staff_id),
        ))
        .execute(&mut conn)
        .unwrap();
    let permit = app.post(
        "/api/v1/permits",
        &g.other_manager,
        &staff_request(g.f.zone, g.guard_id, 1, 4),
    );
    assert_eq!(permit.status(), 201, "{:?}", permit.text());
    let id = body(permit)["id"].as_i64().unwrap();
    assert_error(
        app.post(
            &format!("/api/v1/permits/{id}/approve"),
            &g.staff,
            &json!({}),
        ),
        403,
        "not_zone_manager",
    );
    let zone = body(app.get(&format!("/api/v1/zones/{}", g.f.zone), &g.f.admin));
    assert_eq!(zone["manager_ids"], json!([g.f.manager_id]));
}

#[test]
fn managers_of_another_zone_cannot_carry_or_record_installs_here() {
    let app = TestApp::spawn();
    let g = gate(&app);
    // A security manager of another department who manages only zone 2.
    let other_dept = app.department(&g.f.admin, "SOMU", "総務課");
    let (far_id, far) = app.user(&g.f.admin, "tanin", &["security_manager"], Some(other_dept));
    let zone3 = app.post(
        "/api/v1/zones",
        &g.f.admin,
        &json!({"code": "ANNEX", "name": "別館機械室", "department_id": other_dept, "manager_ids": [far_id]}),
    );
    assert_eq!(zone3.status(), 201, "{:?}", zone3.text());
    add_device(&app, &g.f, "SRV-201");
    let office = software(&app, &g.f.manager, "Office");

    let recorded = app.post(
        "/api/v1/installations",
        &far,
        &json!({"asset_tag": "SRV-201", "software_id": office, "version": "1"}),
    );
    assert_error(recorded, 403, "forbidden");
    let own = app.post(
        "/api/v1/installations",
        &g.f.manager,
        &json!({"asset_tag": "SRV-201", "software_id": office, "version": "1"}),
    );
    assert_eq!(own.status(), 201, "{:?}", own.text());
    let installation = body(own)["installation"]["id"].as_i64().unwrap();
    assert_error(
        app.post(
            &format!("/api/v1/installations/{installation}/uninstall"),
            &far,
            &json!({}),
        ),
        403,
        "forbidden",
    );

    let movement = app.post(
        "/api/v1/movements",
        &g.staff,
        &carry_out("SRV-201", g.f.zone),
    );
    assert_eq!(movement.status(), 201, "{:?}", movement.text());
    let movement = body(movement)["id"].as_i64().unwrap();
    let ok = app.post(
        &format!("/api/v1/movements/{movement}/approve"),
        &g.f.manager,
        &json!({}),
    );
    assert_eq!(ok.status(), 200, "{:?}", ok.text());
    for who in [&far, &g.other_manager] {
        assert_error(
            app.post(
                &format!("/api/v1/movements/{movement}/complete"),
                who,
                &json!({}),
            ),
            403,
            "not_zone_manager",
        );
    }
    let done = app.post(
        &format!("/api/v1/movements/{movement}/complete"),
        &g.guard,
        &json!({}),
    );
    assert_eq!(done.status(), 200, "{:?}", done.text());
    assert_error(
        app.post(
            &format!("/api/v1/movements/{movement}/return"),
            &far,
            &json!({}),
        ),
        403,
        "not_zone_manager",
    );
    let back = app.post(
        &format!("/api/v1/movements/{movement}/return"),
        &g.f.manager,
        &json!({}),
    );
    assert_eq!(back.status(), 200, "{:?}", back.text());
}

#[test]
fn an_entry_code_is_read_only_by_those_who_hold_it() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (id, code) = approved(
        &app,
        &g,
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, -1, 4),
    );
    let (_, auditor) = app.user(&g.f.admin, "kansa", &["auditor"], None);

    for (who, token) in [
        ("holder", &g.staff),
        ("zone manager", &g.f.manager),
        ("admin", &g.f.admin),
    ] {
        let seen = body(app.get(&format!("/api/v1/permits/{id}"), token));
        assert_eq!(seen["code"], json!(code), "{who} holds the code");
        let qr = app.get(&format!("/api/v1/permits/{id}/qr.png"), token);
        assert_eq!(qr.status(), 200, "{who} gets the QR");
    }
    for (who, token) in [("guard", &g.guard), ("auditor", &auditor)] {
        let seen = body(app.get(&format!("/api/v1/permits/{id}"), token));
        assert_eq!(seen["state"], "approved", "{who} sees the permit");
        assert!(seen["code"].is_null(), "{who} must not read the code");
        let listed = body(app.get("/api/v1/permits", token));
        let items = listed["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{who} lists permits");
        assert!(items.iter().all(|p| p["code"].is_null()), "{who}: {listed}");
        assert_error(
            app.get(&format!("/api/v1/permits/{id}/qr.png"), token),
            403,
            "code_hidden",
        );
    }
    // The guard still checks the code the holder shows.
    let check = body(app.post(
        "/api/v1/gate/check",
        &g.guard,
        &json!({"code": code, "zone_id": g.f.zone}),
    ));
    assert_eq!(check["verdict"], "allow", "{check}");
}
