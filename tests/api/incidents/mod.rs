//! Incident and fault records (第10条, 第27条): anyone reports; the security manager
//! of the zone (or, without one, of the department) records the response, the
//! cause and the prevention, then closes it; closed records stay as they were.

mod pages;

use crate::common::{TestApp, assert_error, body};
use crate::licenses::add_device;
use crate::register::{Fixture, fixture};
use serde_json::{Value, json};

pub struct People {
    pub f: Fixture,
    /// A member of staff in the same department, who reports.
    pub staff: String,
    /// A security manager of the department who does not manage the zone.
    pub other_manager: String,
}

pub fn people(app: &TestApp) -> People {
    let f = fixture(app);
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let (_, other_manager) = app.user(&f.admin, "kakaricho", &["security_manager"], Some(f.dept));
    add_device(app, &f, "SRV-001");
    add_device(app, &f, "UPS-001");
    People {
        f,
        staff,
        other_manager,
    }
}

pub fn report(app: &TestApp, token: &str, input: &Value) -> Value {
    let r = app.post("/api/v1/incidents", token, input);
    assert_eq!(r.status(), 201, "{:?}", r.text());
    body(r)
}

pub fn in_zone(p: &People) -> Value {
    json!({
        "kind": "fault", "title": "UPS がバッテリー運転に切り替わった",
        "description": "停電はなく、入力電圧の異常と思われる。", "found_at": "2026-11-30T09:30:00+09:00",
        "zone_id": p.f.zone, "asset_tags": ["ups-001", "SRV-001", "UPS-001"], "source": "ups_event:7",
    })
}

fn answer() -> Value {
    json!({"response": "UPS を点検し、入力電源を切り替えた。", "cause": "分電盤のブレーカー劣化",
           "prevention": "分電盤の年次点検を契約に追加する。"})
}

#[test]
fn staff_report_a_fault_with_its_devices_and_it_reaches_each_devices_history() {
    let app = TestApp::spawn();
    let p = people(&app);
    let i = report(&app, &p.staff, &in_zone(&p));
    assert_eq!(i["state"], "open");
    assert_eq!(i["kind"], "fault");
    assert_eq!(
        i["asset_tags"],
        json!(["SRV-001", "UPS-001"]),
        "normalised, once each, in tag order"
    );
    assert_eq!(i["found_at"], "2026-11-30T09:30:00+09:00");
    assert_eq!(i["source"], "ups_event:7");
    let id = i["id"].as_i64().unwrap();

    let history = body(app.get("/api/v1/equipment/UPS-001/history", &p.f.operator));
    let events = history
        .as_array()
        .unwrap_or_else(|| history["items"].as_array().unwrap());
    let reported = events
        .iter()
        .find(|e| e["action"] == "incident.report")
        .expect("the report is on the device's history");
    assert_eq!(reported["detail"]["incident_id"], id);
    assert!(app.audit_actions().iter().any(|a| a == "incident.report"));
    assert_eq!(app.verify(&p.f.admin)["ok"], true);
}

#[test]
fn a_report_is_read_by_its_reporter_and_by_those_who_audit_or_answer_not_by_other_staff() {
    let app = TestApp::spawn();
    let p = people(&app);
    let (_, other_staff) = app.user(&p.f.admin, "hira2", &["staff"], Some(p.f.dept));
    let (_, auditor) = app.user(&p.f.admin, "kansa", &["auditor"], None);
    let id = report(&app, &p.staff, &in_zone(&p))["id"].as_i64().unwrap();
    let path = format!("/api/v1/incidents/{id}");
    for token in [&p.staff, &p.f.manager, &auditor, &p.f.admin] {
        assert_eq!(app.get(&path, token).status(), 200);
    }
    assert_error(app.get(&path, &other_staff), 404, "not_found");
    assert_eq!(body(app.get("/api/v1/incidents", &other_staff))["total"], 0);
    assert_eq!(body(app.get("/api/v1/incidents", &auditor))["total"], 1);
    assert_eq!(
        body(app.get("/api/v1/incidents?state=open", &auditor))["total"],
        1
    );
    assert_eq!(
        body(app.get("/api/v1/incidents?state=closed", &auditor))["total"],
        0
    );
    assert_error(
        app.get("/api/v1/incidents?state=lost", &auditor),
        422,
        "invalid_field",
    );
}

#[test]
fn a_report_with_faults_is_refused_beside_each_field_and_nothing_is_written() {
    let app = TestApp::spawn();
    let p = people(&app);
    let before = app.audit_actions().len();
    let r = app.post(
        "/api/v1/incidents",
        &p.staff,
        &json!({"kind": "rumour", "title": " ", "description": "x", "found_at": "2099-01-01T00:00:00Z",
                "zone_id": 999_999, "asset_tags": ["NOPE-1"]}),
    );
    let e = assert_error(r, 422, "invalid_field");
    for field in ["kind", "title", "found_at", "zone_id", "asset_tags"] {
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    assert!(
        e["error"]["fields"]["found_at"]
            .as_str()
            .unwrap()
            .contains("未来")
    );
    assert!(
        e["error"]["fields"]["asset_tags"]
            .as_str()
            .unwrap()
            .contains("NOPE-1")
    );
    assert_eq!(app.audit_actions().len(), before);
    assert_eq!(body(app.get("/api/v1/incidents", &p.f.admin))["total"], 0);

    // Someone with neither a zone nor a department has no one to report to.
    let (_, drifter) = app.user(&p.f.admin, "nobody", &["staff"], None);
    let mut no_place = in_zone(&p);
    no_place["zone_id"] = Value::Null;
    let e = assert_error(
        app.post("/api/v1/incidents", &drifter, &no_place),
        422,
        "invalid_field",
    );
    assert!(e["error"]["fields"]["zone_id"].is_string());
}

#[test]
fn the_zones_manager_answers_and_closes_and_a_closed_record_stays_as_it_was() {
    let app = TestApp::spawn();
    let p = people(&app);
    let id = report(&app, &p.staff, &in_zone(&p))["id"].as_i64().unwrap();
    let respond = format!("/api/v1/incidents/{id}/response");
    let close = format!("/api/v1/incidents/{id}/close");

    // Not the reporter, not an operator (who reads it), not a security manager of another place.
    for token in [&p.staff, &p.f.operator, &p.other_manager] {
        assert_error(app.post(&respond, token, &answer()), 403, "not_responsible");
    }
    assert_error(
        app.post(&close, &p.f.manager, &json!({})),
        409,
        "response_missing",
    );
    let e = assert_error(
        app.post(
            &respond,
            &p.f.manager,
            &json!({"response": "", "cause": "x", "prevention": ""}),
        ),
        422,
        "invalid_field",
    );
    assert!(
        e["error"]["fields"]["response"].is_string()
            && e["error"]["fields"]["prevention"].is_string()
    );

    let answered = body(app.post(&respond, &p.f.manager, &answer()));
    assert_eq!(answered["state"], "responded");
    assert_eq!(answered["cause"], "分電盤のブレーカー劣化");
    // Rewritable until closed, with before and after in the audit log.
    let mut better = answer();
    better["cause"] = json!("分電盤のブレーカー劣化（型番 BK-3）");
    assert_eq!(
        body(app.post(&respond, &p.f.manager, &better))["cause"],
        better["cause"]
    );

    let closed = body(app.post(&close, &p.f.manager, &json!({})));
    assert_eq!(closed["state"], "closed");
    assert!(closed["closed_at"].is_string());
    assert_error(
        app.post(&respond, &p.f.manager, &answer()),
        409,
        "invalid_state",
    );
    assert_error(
        app.post(&close, &p.f.manager, &json!({})),
        409,
        "invalid_state",
    );

    let actions = app.audit_actions();
    for a in ["incident.report", "incident.respond", "incident.close"] {
        assert!(actions.iter().any(|x| x == a), "{a}");
    }
    let history = body(app.get("/api/v1/equipment/SRV-001/history", &p.f.operator)).to_string();
    assert!(
        history.contains("incident.close"),
        "closing reaches the devices' history"
    );

    // The database itself keeps a closed record and refuses to forget any.
    use diesel::RunQueryDsl;
    let mut conn = app.db();
    assert!(
        diesel::sql_query(format!("UPDATE incidents SET cause = 'x' WHERE id = {id}"))
            .execute(&mut conn)
            .is_err()
    );
    assert!(
        diesel::sql_query(format!("DELETE FROM incidents WHERE id = {id}"))
            .execute(&mut conn)
            .is_err()
    );
    assert_eq!(app.verify(&p.f.admin)["ok"], true);
}

#[test]
fn without_a_zone_the_departments_security_manager_answers() {
    let app = TestApp::spawn();
    let p = people(&app);
    let other_dept = app.department(&p.f.admin, "SOMU", "総務課");
    let (_, stranger) = app.user(
        &p.f.admin,
        "somu-kacho",
        &["security_manager"],
        Some(other_dept),
    );
    let mut input = in_zone(&p);
    input["zone_id"] = Value::Null;
    input["kind"] = json!("incident");
    input["title"] = json!("USBメモリの紛失");
    input["asset_tags"] = json!([]);
    let i = report(&app, &p.staff, &input);
    assert_eq!(
        i["department_id"], p.f.dept,
        "the reporter's department answers for it"
    );
    let respond = format!("/api/v1/incidents/{}/response", i["id"]);
    assert_error(
        app.post(&respond, &stranger, &answer()),
        403,
        "not_responsible",
    );
    assert_eq!(
        body(app.post(&respond, &p.other_manager, &answer()))["state"],
        "responded"
    );
}

#[test]
fn a_managers_rights_are_those_held_at_the_moment_of_the_answer() {
    let app = TestApp::spawn();
    let p = people(&app);
    let id = report(&app, &p.staff, &in_zone(&p))["id"].as_i64().unwrap();
    // The zone's manager is replaced by another: the first may no longer answer.
    let (new_id, new_manager) = app.user(
        &p.f.admin,
        "shin-kacho",
        &["security_manager"],
        Some(p.f.dept),
    );
    let r = app.patch(
        &format!("/api/v1/zones/{}", p.f.zone),
        &p.f.admin,
        &json!({"manager_ids": [new_id]}),
    );
    assert_eq!(r.status(), 200, "{:?}", r.text());
    let respond = format!("/api/v1/incidents/{id}/response");
    assert_error(
        app.post(&respond, &p.f.manager, &answer()),
        403,
        "not_responsible",
    );
    assert_eq!(
        body(app.post(&respond, &new_manager, &answer()))["state"],
        "responded"
    );
}

#[test]
fn the_csv_carries_every_record_for_excel() {
    let app = TestApp::spawn();
    let p = people(&app);
    let mut input = in_zone(&p);
    input["title"] = json!("=HYPERLINK(\"http://example.invalid\")");
    let id = report(&app, &p.staff, &input)["id"].as_i64().unwrap();
    let r = app.get("/api/v1/incidents/export.csv", &p.f.manager);
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.text().unwrap();
    assert!(text.starts_with('\u{feff}'), "with a BOM for Excel");
    assert!(text.contains("番号,種別,件名"), "{text}");
    assert!(text.contains(&format!("{id},障害,")));
    assert!(text.contains("SRV-001 UPS-001"));
    assert!(text.contains("'=HYPERLINK"), "a formula is defused: {text}");
    assert!(text.contains("hira 氏名"), "people by name");
}
