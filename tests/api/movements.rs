//! Carry-in and carry-out (持込・持出): requests, approval by a manager of the zone, history.

use crate::common::{TestApp, assert_error, body};
use crate::register::{device, fixture};
use serde_json::json;

fn carry_out(tag: &str, zone: i64) -> serde_json::Value {
    json!({"direction": "out", "asset_tag": tag, "zone_id": zone, "reason": "メーカー修理", "destination": "富士通 修理センター",
           "planned_at": "2099-12-01T10:00:00+09:00", "return_due": "2099-12-20"})
}

/// A movement planned long ago (a request can no longer be planned in the past).
pub fn backdate(app: &TestApp, movement: i64, planned: &str, due: &str) {
    use daicho::db::schema::movements::dsl::*;
    use diesel::prelude::*;
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    diesel::update(movements.find(movement))
        .set((
            planned_at.eq(day(planned).and_hms_opt(0, 0, 0).unwrap()),
            return_due.eq(Some(day(due))),
        ))
        .execute(&mut app.db())
        .unwrap();
}

#[test]
fn a_carry_out_is_approved_by_a_zone_manager_then_carried_and_returned() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f))
            .status(),
        201
    );
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let requested = app.post("/api/v1/movements", &staff, &carry_out("srv-001", f.zone));
    assert_eq!(requested.status(), 201);
    let requested = body(requested);
    assert_eq!(requested["state"], "requested");
    assert_eq!(requested["asset_tag"], "SRV-001");
    let id = requested["id"].as_i64().unwrap();
    assert_error(
        app.post("/api/v1/movements", &staff, &carry_out("SRV-001", f.zone)),
        409,
        "duplicate_request",
    );

    let approved = app.post(
        &format!("/api/v1/movements/{id}/approve"),
        &f.manager,
        &json!({"note": "修理のため許可"}),
    );
    assert_eq!(approved.status(), 200);
    let approved = body(approved);
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["decided_by"], f.manager_id);
    assert_error(
        app.post(
            &format!("/api/v1/movements/{id}/approve"),
            &f.manager,
            &json!({}),
        ),
        409,
        "invalid_state",
    );

    let done = body(app.post(
        &format!("/api/v1/movements/{id}/complete"),
        &f.operator,
        &json!({}),
    ));
    assert_eq!(done["state"], "completed");
    assert_eq!(
        body(app.get("/api/v1/equipment/SRV-001", &staff))["status"],
        "carried_out"
    );
    let back = body(app.post(
        &format!("/api/v1/movements/{id}/return"),
        &f.operator,
        &json!({}),
    ));
    assert_eq!(back["state"], "returned");
    assert_eq!(
        body(app.get("/api/v1/equipment/SRV-001", &staff))["status"],
        "in_service"
    );

    let history = body(app.get("/api/v1/equipment/SRV-001/history", &f.manager));
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..4],
        [
            "movement.return",
            "movement.complete",
            "movement.approve",
            "movement.request"
        ]
    );
    assert_eq!(app.verify(&f.admin)["ok"], true);
}

#[test]
fn nobody_approves_their_own_request_and_only_the_zones_managers_approve() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-002", &f));
    let other = app.department(&f.admin, "SOMU", "総務課");
    let (_, other_manager) = app.user(&f.admin, "somu", &["security_manager"], Some(other));
    let own = body(app.post(
        "/api/v1/movements",
        &f.manager,
        &carry_out("SRV-002", f.zone),
    ));
    let id = own["id"].as_i64().unwrap();
    assert_error(
        app.post(
            &format!("/api/v1/movements/{id}/approve"),
            &f.manager,
            &json!({}),
        ),
        403,
        "self_approval",
    );
    assert_error(
        app.post(
            &format!("/api/v1/movements/{id}/approve"),
            &other_manager,
            &json!({}),
        ),
        403,
        "not_zone_manager",
    );
    assert_error(
        app.post(
            &format!("/api/v1/movements/{id}/approve"),
            &f.operator,
            &json!({}),
        ),
        403,
        "not_zone_manager",
    );
    // A second manager of the zone may decide.
    let (second_id, second) = app.user(&f.admin, "kakaricho", &["security_manager"], Some(f.dept));
    let managers = json!({"manager_ids": [f.manager_id, second_id]});
    assert_eq!(
        app.patch(&format!("/api/v1/zones/{}", f.zone), &f.admin, &managers)
            .status(),
        200
    );
    let rejected = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/movements/{id}/reject"),
            Some(&second),
        )
        .send()
        .unwrap();
    assert_eq!(rejected.status(), 200, "a decision needs no body");
    assert_eq!(body(rejected)["state"], "rejected");
    assert_error(
        app.post(
            &format!("/api/v1/movements/{id}/cancel"),
            &f.manager,
            &json!({}),
        ),
        409,
        "invalid_state",
    );
}

#[test]
fn bad_requests_are_refused_field_by_field() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-003", &f));
    let other_zone = body(app.post(
        "/api/v1/zones",
        &f.admin,
        &json!({"code": "NW-ROOM", "name": "ネットワーク室", "department_id": f.dept, "manager_ids": [f.manager_id]}),
    ))["id"]
        .as_i64()
        .unwrap();
    let (_, guard) = app.user(&f.admin, "keibi", &["guard"], None);
    assert_error(
        app.post("/api/v1/movements", &guard, &carry_out("SRV-003", f.zone)),
        403,
        "forbidden",
    );
    let cases = [
        (
            json!({"direction": "out", "zone_id": f.zone, "reason": "x", "planned_at": "2099-12-01"}),
            "asset_tag",
        ),
        (carry_out("NOPE-9", f.zone), "asset_tag"),
        (carry_out("SRV-003", other_zone), "zone_id"),
        (
            json!({"direction": "out", "asset_tag": "SRV-003", "zone_id": f.zone, "reason": " ", "planned_at": "2099-12-01"}),
            "reason",
        ),
        (
            json!({"direction": "out", "asset_tag": "SRV-003", "zone_id": f.zone, "reason": "x", "planned_at": "soon"}),
            "planned_at",
        ),
        (
            json!({"direction": "out", "asset_tag": "SRV-003", "zone_id": f.zone, "reason": "x", "planned_at": "2099-12-10", "return_due": "2099-12-01"}),
            "return_due",
        ),
        (
            json!({"direction": "sideways", "asset_tag": "SRV-003", "zone_id": f.zone, "reason": "x", "planned_at": "2099-12-01"}),
            "direction",
        ),
    ];
    for (input, field) in cases {
        let e = assert_error(
            app.post("/api/v1/movements", &f.operator, &input),
            422,
            "invalid_field",
        );
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    let visitor_laptop = json!({"direction": "in", "item_description": "保守用ノートPC（委託業者）", "zone_id": f.zone, "reason": "保守作業", "planned_at": "2099-12-01"});
    assert_eq!(
        app.post("/api/v1/movements", &f.operator, &visitor_laptop)
            .status(),
        201,
        "an unregistered item may be carried in"
    );
}

#[test]
fn the_movement_history_is_listed_exported_and_shows_overdue_returns() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-004", &f));
    app.post("/api/v1/equipment", &f.operator, &device("SRV-005", &f));
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let late = carry_out("SRV-004", f.zone);
    let late_id = body(app.post("/api/v1/movements", &staff, &late))["id"]
        .as_i64()
        .unwrap();
    backdate(&app, late_id, "2026-01-05", "2026-01-10");
    app.post(
        &format!("/api/v1/movements/{late_id}/approve"),
        &f.manager,
        &json!({}),
    );
    app.post(
        &format!("/api/v1/movements/{late_id}/complete"),
        &f.operator,
        &json!({}),
    );
    let mut later = carry_out("SRV-005", f.zone);
    later["return_due"] = json!("2099-12-31");
    body(app.post("/api/v1/movements", &f.operator, &later));

    let all = body(app.get("/api/v1/movements", &f.manager));
    assert_eq!(all["total"], 2);
    let overdue = body(app.get("/api/v1/movements?overdue=true", &f.manager));
    assert_eq!(overdue["total"], 1);
    assert_eq!(overdue["items"][0]["asset_tag"], "SRV-004");
    assert_eq!(overdue["items"][0]["overdue"], true);
    let one = body(app.get("/api/v1/movements?asset_tag=srv-005", &f.manager));
    assert_eq!(one["total"], 1);
    let by_zone = body(app.get(
        &format!("/api/v1/movements?zone_id={}&state=requested", f.zone),
        &f.manager,
    ));
    assert_eq!(by_zone["total"], 1);
    let mine = body(app.get("/api/v1/movements", &staff));
    assert_eq!(mine["total"], 1, "staff see their own requests");

    let csv = app.get("/api/v1/movements/export.csv", &f.manager);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().unwrap();
    assert!(text.starts_with('\u{FEFF}'));
    let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("申請番号,区分,資産番号"));
    assert!(text.contains("SRV-004") && text.contains("遅延") && text.contains("持出"));
}

#[test]
fn staff_request_on_the_page_and_the_manager_approves_there() {
    use crate::common::session::Browser;
    let app = TestApp::spawn();
    let f = fixture(&app);
    app.post("/api/v1/equipment", &f.operator, &device("SRV-009", &f));
    app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let mut staff = Browser::new(&app);
    staff.sign_in("hira", crate::common::USER_PASSWORD);
    let csrf = staff.csrf("/movements/new");
    let zone = f.zone.to_string();
    let form = |reason: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("direction", "out".to_owned()),
            ("asset_tag", "srv-009".to_owned()),
            ("zone_id", zone.clone()),
            ("reason", reason.to_owned()),
            ("planned_at", "2099-12-01".to_owned()),
            ("return_due", "2099-12-05".to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        staff.post("/movements/new", &pairs)
    };
    let blank = send(form(" "));
    assert_eq!(blank.status(), 422);
    assert!(
        blank.text().unwrap().contains("入力してください"),
        "the fault stands beside the reason field"
    );
    let made = send(form("庁外での修理"));
    assert_eq!(made.status(), 303);
    let detail_path = made.headers()["location"].to_str().unwrap().to_owned();
    let page = staff.get(&detail_path).text().unwrap();
    assert!(page.contains("申請中") && page.contains("SRV-009") && page.contains("申請を取り消す"));
    assert!(
        !page.contains("承認する"),
        "the requester is not offered the approval"
    );

    let mut manager = Browser::new(&app);
    manager.sign_in("kacho", crate::common::USER_PASSWORD);
    let home = manager.get("/").text().unwrap();
    assert!(
        home.contains("<span class=\"count\">1</span> 承認待ちの持出・持込申請"),
        "the manager's to-do list"
    );
    let page = manager.get(&detail_path).text().unwrap();
    assert!(page.contains("承認する"));
    let csrf = manager.csrf(&detail_path);
    let approved = manager.post(
        &format!("{detail_path}/approve"),
        &[("csrf", &csrf), ("note", "許可")],
    );
    assert_eq!(approved.status(), 303);
    let page = manager.get(&detail_path).text().unwrap();
    assert!(page.contains("承認済") && page.contains("kacho 氏名"));
    let list = manager.get("/movements?state=approved").text().unwrap();
    assert!(list.contains("SRV-009") && list.contains("庁外での修理"));
}

#[test]
fn the_history_pages_csv_button_exports_everything_by_default() {
    use crate::common::session::Browser;
    let app = TestApp::spawn();
    let f = fixture(&app);
    for tag in ["SRV-011", "SRV-012"] {
        app.post("/api/v1/equipment", &f.operator, &device(tag, &f));
        let r = app.post("/api/v1/movements", &f.operator, &carry_out(tag, f.zone));
        assert_eq!(r.status(), 201, "{:?}", r.text());
    }
    let mut manager = Browser::new(&app);
    manager.sign_in("kacho", crate::common::USER_PASSWORD);
    let html = manager.get("/movements").text().unwrap();
    let marker = "href=\"/api/v1/movements/export.csv";
    let start = html.find(marker).expect("the CSV button") + "href=\"".len();
    let href = html[start..start + html[start..].find('"').unwrap()].replace("&amp;", "&");
    // The button, pressed without choosing a filter: the whole history, not a refusal.
    let csv = manager.get(&href);
    assert_eq!(csv.status(), 200, "{href}: {:?}", csv.text());
    let text = csv.text().unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(lines.len(), 3, "{href}: {text}");
    assert!(text.contains("SRV-011") && text.contains("SRV-012"));
}
