//! Cabling changes (第7条): requested, authorised by a manager of the zone, done only
//! by the authorised operator or a contracted vendor, verified by the manager; every
//! step on each affected device's history.

use crate::common::{TestApp, assert_error, body};
use crate::licenses::add_device;
use crate::register::{Fixture, fixture};
use serde_json::{Value, json};

struct People {
    f: Fixture,
    staff: String,
    operator_id: i64,
    other_operator: String,
}

fn people(app: &TestApp) -> People {
    let f = fixture(app);
    let (_, staff) = app.user(&f.admin, "hira", &["staff"], Some(f.dept));
    let operator_id = body(app.get("/api/v1/me", &f.operator))["id"]
        .as_i64()
        .unwrap();
    let (_, other_operator) = app.user(&f.admin, "unyo2", &["operator"], Some(f.dept));
    add_device(app, &f, "SW-001");
    add_device(app, &f, "SRV-001");
    People {
        f,
        staff,
        operator_id,
        other_operator,
    }
}

fn change(app: &TestApp, token: &str, body_: &Value) -> Value {
    let r = app.post("/api/v1/cabling-changes", token, body_);
    assert_eq!(r.status(), 201, "{:?}", r.text());
    body(r)
}

fn by_operator(p: &People) -> Value {
    json!({
        "zone_id": p.f.zone, "work_kind": "add", "description": "SW-001 と SRV-001 の間にLANケーブルを1本追加",
        "asset_tags": ["sw-001", "SRV-001"], "performer_user_id": p.operator_id, "planned_on": "2026-12-01",
    })
}

fn by_contractor(p: &People) -> Value {
    json!({
        "zone_id": p.f.zone, "description": "ラック間の配線を張り替え",
        "asset_tags": ["SW-001"], "planned_on": "2026-12-02",
        "contractor": {"company": "〇〇通信工業株式会社", "contract_number": "R8-情-0123", "worker_name": "山田 太郎"},
    })
}

fn post_step(
    app: &TestApp,
    token: &str,
    id: i64,
    step: &str,
    body_: Value,
) -> reqwest::blocking::Response {
    app.post(
        &format!("/api/v1/cabling-changes/{id}/{step}"),
        token,
        &body_,
    )
}

fn history_actions(app: &TestApp, token: &str, tag: &str) -> Vec<String> {
    body(app.get(&format!("/api/v1/equipment/{tag}/history"), token))
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .filter(|a| a.starts_with("cabling."))
        .collect()
}

#[test]
fn an_operators_work_goes_from_request_to_verification_on_each_devices_history() {
    let app = TestApp::spawn();
    let p = people(&app);
    let created = change(&app, &p.staff, &by_operator(&p));
    assert_eq!(created["state"], "requested");
    assert_eq!(created["work_kind"], "add");
    assert_eq!(created["asset_tags"], json!(["SRV-001", "SW-001"]));
    assert_eq!(created["performer_user_id"], p.operator_id);
    assert!(created["contractor"].is_null());
    let id = created["id"].as_i64().unwrap();

    // Not before authorisation, not by anyone but the named operator.
    assert_error(
        post_step(&app, &p.f.operator, id, "complete", json!({"notes": "済"})),
        409,
        "wrong_state",
    );
    assert_error(
        post_step(&app, &p.f.manager, id, "verify", json!({})),
        409,
        "wrong_state",
    );

    let authorized = body(post_step(
        &app,
        &p.f.manager,
        id,
        "authorize",
        json!({"notes": "12/1 夜間に実施"}),
    ));
    assert_eq!(authorized["state"], "authorized");
    assert_eq!(authorized["decided_by"], p.f.manager_id);
    assert_eq!(authorized["decision_note"], "12/1 夜間に実施");
    assert_error(
        post_step(&app, &p.f.manager, id, "authorize", json!({})),
        409,
        "wrong_state",
    );
    assert_error(
        post_step(&app, &p.f.manager, id, "reject", json!({})),
        409,
        "wrong_state",
    );

    assert_error(
        post_step(&app, &p.other_operator, id, "complete", json!({})),
        403,
        "not_authorized_performer",
    );
    assert_error(
        post_step(&app, &p.staff, id, "complete", json!({})),
        403,
        "not_authorized_performer",
    );
    assert_error(
        post_step(&app, &p.f.manager, id, "complete", json!({})),
        403,
        "not_authorized_performer",
    );
    let completed = body(post_step(
        &app,
        &p.f.operator,
        id,
        "complete",
        json!({"notes": "ケーブル追加、疎通確認済", "diagram_updated": true}),
    ));
    assert_eq!(completed["state"], "completed");
    assert_eq!(completed["completed_by"], p.operator_id);
    assert_eq!(completed["diagram_updated"], true);
    assert!(
        completed["completed_at"]
            .as_str()
            .unwrap()
            .ends_with("+09:00")
    );

    assert_error(
        post_step(&app, &p.f.operator, id, "verify", json!({})),
        403,
        "not_zone_manager",
    );
    let verified = body(post_step(
        &app,
        &p.f.manager,
        id,
        "verify",
        json!({"notes": "現地確認"}),
    ));
    assert_eq!(verified["state"], "verified");
    assert_eq!(verified["verified_by"], p.f.manager_id);
    assert_error(
        post_step(&app, &p.f.manager, id, "verify", json!({})),
        409,
        "wrong_state",
    );

    for tag in ["SW-001", "SRV-001"] {
        assert_eq!(
            history_actions(&app, &p.f.operator, tag),
            [
                "cabling.verify",
                "cabling.complete",
                "cabling.authorize",
                "cabling.request"
            ],
            "{tag}'s history, newest first"
        );
    }
    let events = body(app.get(
        &format!("/api/v1/audit?entity_type=cabling_change&entity_id={id}"),
        &p.f.admin,
    ));
    assert_eq!(events["total"], 4, "{events}");
    assert_eq!(app.verify(&p.f.admin)["ok"], true);
    let got = body(app.get(&format!("/api/v1/cabling-changes/{id}"), &p.f.operator));
    assert_eq!(got["state"], "verified");
}

#[test]
fn a_contractors_work_is_recorded_by_an_operator() {
    let app = TestApp::spawn();
    let p = people(&app);
    let created = change(&app, &p.f.operator, &by_contractor(&p));
    assert_eq!(created["work_kind"], "change");
    assert_eq!(created["contractor"]["contract_number"], "R8-情-0123");
    let id = created["id"].as_i64().unwrap();
    body(post_step(&app, &p.f.manager, id, "authorize", json!({})));
    assert_error(
        post_step(&app, &p.staff, id, "complete", json!({})),
        403,
        "not_authorized_performer",
    );
    assert_error(
        post_step(&app, &p.f.manager, id, "complete", json!({})),
        403,
        "not_authorized_performer",
    );
    // Any operator records the named contractor's work, even with an empty body.
    let done = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/cabling-changes/{id}/complete"),
            Some(&p.other_operator),
        )
        .send()
        .unwrap();
    assert_eq!(done.status(), 200);
    assert_eq!(body(done)["state"], "completed");
    let verified = body(post_step(&app, &p.f.manager, id, "verify", json!({})));
    assert_eq!(verified["state"], "verified");
    let history = body(app.get("/api/v1/equipment/SW-001/history", &p.f.operator));
    let complete = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "cabling.complete")
        .unwrap();
    assert_eq!(complete["detail"]["contractor"]["worker_name"], "山田 太郎");
    assert_eq!(complete["detail"]["cabling_change_id"], id);
}

#[test]
fn only_a_manager_of_the_zone_authorises_and_never_their_own_request() {
    let app = TestApp::spawn();
    let p = people(&app);
    // A security manager of the same department who does not manage this zone.
    let (other_id, other_manager) =
        app.user(&p.f.admin, "kacho2", &["security_manager"], Some(p.f.dept));
    let z2 = app.post(
        "/api/v1/zones",
        &p.f.admin,
        &json!({"code": "NET-ROOM", "name": "ネットワーク室", "department_id": p.f.dept, "manager_ids": [other_id]}),
    );
    assert_eq!(z2.status(), 201);
    let id = change(&app, &p.staff, &by_operator(&p))["id"]
        .as_i64()
        .unwrap();
    assert_error(
        post_step(&app, &other_manager, id, "authorize", json!({})),
        403,
        "not_zone_manager",
    );
    assert_error(
        post_step(&app, &p.f.admin, id, "authorize", json!({})),
        403,
        "not_zone_manager",
    );
    assert_error(
        post_step(&app, &p.f.operator, id, "reject", json!({})),
        403,
        "not_zone_manager",
    );
    let rejected = body(post_step(
        &app,
        &p.f.manager,
        id,
        "reject",
        json!({"notes": "作業時間帯を再調整"}),
    ));
    assert_eq!(rejected["state"], "rejected");
    assert_error(
        post_step(&app, &p.f.manager, id, "authorize", json!({})),
        409,
        "wrong_state",
    );
    assert_error(
        post_step(&app, &p.f.operator, id, "complete", json!({})),
        409,
        "wrong_state",
    );
    assert_eq!(
        history_actions(&app, &p.f.operator, "SW-001"),
        ["cabling.reject", "cabling.request"]
    );

    // The zone's manager asks; the manager may not authorise or reject it.
    let own = change(&app, &p.f.manager, &by_operator(&p))["id"]
        .as_i64()
        .unwrap();
    assert_error(
        post_step(&app, &p.f.manager, own, "authorize", json!({})),
        403,
        "self_approval",
    );
    assert_error(
        post_step(&app, &p.f.manager, own, "reject", json!({})),
        403,
        "self_approval",
    );
    assert_error(
        post_step(&app, &p.f.manager, 9999, "authorize", json!({})),
        404,
        "not_found",
    );

    let listed = body(app.get(
        &format!(
            "/api/v1/cabling-changes?zone_id={}&state=requested",
            p.f.zone
        ),
        &p.f.operator,
    ));
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["id"], own);
    let by_tag = body(app.get("/api/v1/cabling-changes?asset_tag=srv-001", &p.f.operator));
    assert_eq!(by_tag["total"], 2);
    assert_error(
        app.get("/api/v1/cabling-changes?state=done", &p.f.operator),
        422,
        "invalid_field",
    );
    assert_error(
        app.get("/api/v1/cabling-changes", &p.staff),
        403,
        "forbidden",
    );
}

#[test]
fn the_worker_does_not_verify_their_own_work() {
    let app = TestApp::spawn();
    let p = people(&app);
    // A zone manager who is also an operator, named as the performer.
    let (both_id, both) = app.user(
        &p.f.admin,
        "kacho-unyo",
        &["security_manager", "operator"],
        Some(p.f.dept),
    );
    let r = app.patch(
        &format!("/api/v1/zones/{}", p.f.zone),
        &p.f.admin,
        &json!({"manager_ids": [p.f.manager_id, both_id]}),
    );
    assert_eq!(r.status(), 200, "{:?}", r.text());
    let mut input = by_operator(&p);
    input["performer_user_id"] = json!(both_id);
    let id = change(&app, &p.staff, &input)["id"].as_i64().unwrap();
    body(post_step(&app, &both, id, "authorize", json!({})));
    body(post_step(&app, &both, id, "complete", json!({})));
    assert_error(
        post_step(&app, &both, id, "verify", json!({})),
        403,
        "self_verification",
    );
    assert_eq!(
        body(post_step(&app, &p.f.manager, id, "verify", json!({})))["state"],
        "verified"
    );
}

#[test]
fn requests_name_the_zones_devices_and_exactly_one_performer() {
    let app = TestApp::spawn();
    let p = people(&app);
    let (_, auditor) = app.user(&p.f.admin, "kansa", &["auditor"], None);
    let (staff_id, _) = (
        body(app.get("/api/v1/me", &p.staff))["id"]
            .as_i64()
            .unwrap(),
        (),
    );
    let bad = |patch: Value| {
        let mut input = by_operator(&p);
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                input.as_object_mut().unwrap().remove(k);
            } else {
                input[k] = v.clone();
            }
        }
        assert_error(
            app.post("/api/v1/cabling-changes", &p.staff, &input),
            422,
            "invalid_field",
        )
    };
    let field =
        |e: &Value, name: &str| assert!(e["error"]["fields"][name].is_string(), "{name}: {e}");
    field(
        &bad(json!({"contractor": {"company": "A", "contract_number": "1", "worker_name": "B"}})),
        "performer_user_id",
    );
    field(
        &bad(json!({"performer_user_id": null})),
        "performer_user_id",
    );
    field(
        &bad(json!({"performer_user_id": staff_id})),
        "performer_user_id",
    );
    field(
        &bad(json!({"performer_user_id": 9999})),
        "performer_user_id",
    );
    field(&bad(json!({"asset_tags": []})), "asset_tags");
    field(&bad(json!({"asset_tags": ["NOPE-1"]})), "asset_tags");
    field(&bad(json!({"asset_tags": ["サーバ"]})), "asset_tags");
    field(&bad(json!({"zone_id": 9999})), "zone_id");
    field(&bad(json!({"work_kind": "paint"})), "work_kind");
    field(&bad(json!({"description": "  "})), "description");
    field(&bad(json!({"planned_on": "来週"})), "planned_on");
    field(
        &bad(
            json!({"performer_user_id": null, "contractor": {"company": "A", "contract_number": " ", "worker_name": "B"}}),
        ),
        "contractor.contract_number",
    );
    // Devices of another zone are not this zone manager's to authorise.
    let z2 = app.post(
        "/api/v1/zones",
        &p.f.admin,
        &json!({"code": "NET-ROOM", "name": "ネットワーク室", "department_id": p.f.dept, "manager_ids": [p.f.manager_id]}),
    );
    let z2 = body(z2)["id"].as_i64().unwrap();
    field(&bad(json!({"zone_id": z2})), "asset_tags");
    assert_error(
        app.post("/api/v1/cabling-changes", &auditor, &by_operator(&p)),
        403,
        "forbidden",
    );
    assert!(
        !app.audit_actions().contains(&"cabling.request".to_owned()),
        "nothing was recorded"
    );
}

#[test]
fn the_cabling_page_takes_a_change_from_request_to_verification() {
    use crate::common::USER_PASSWORD;
    use crate::licenses::pages::{Html, sign_in};
    let app = TestApp::spawn();
    let p = people(&app);
    let staff_page = sign_in(&app, "hira", USER_PASSWORD);
    assert_eq!(
        staff_page.get("/cabling").status(),
        403,
        "staff do not read the work records"
    );

    let operator = sign_in(&app, "unyo", USER_PASSWORD);
    let html = operator.html("/cabling");
    assert!(
        html.contains("<h1>配線・機器変更作業</h1>") && html.contains("unyo 氏名"),
        "operators are offered as performers"
    );
    let csrf = operator.csrf("/cabling");
    let zone = p.f.zone.to_string();
    let performer = p.operator_id.to_string();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("zone_id", zone.as_str()),
        ("work_kind", "add"),
        ("description", "LAN増設"),
        ("asset_tags", "sw-001、SRV-001"),
        ("performer", "operator"),
        ("performer_user_id", performer.as_str()),
        ("company", ""),
        ("contract_number", ""),
        ("worker_name", ""),
        ("planned_on", "2026-12-01"),
    ];
    let r = operator.post("/cabling", &form);
    assert_eq!(r.status(), 303, "{:?}", r.text());
    form[4] = ("asset_tags", "NOPE-1");
    form[10] = ("planned_on", "");
    let r = operator.post("/cabling", &form);
    assert_eq!(r.status(), 422);
    let text = r.text().unwrap();
    assert!(text.contains("日付は 例："), "field faults shown");

    let manager = sign_in(&app, "kacho", USER_PASSWORD);
    let html = manager.html("/cabling");
    assert!(html.contains("data-state=\"requested\"") && html.contains("SRV-001、SW-001"));
    let id = {
        let at = html.find("action=\"/cabling/").unwrap() + "action=\"/cabling/".len();
        html[at..at + html[at..].find('/').unwrap()].to_owned()
    };
    assert!(
        html.contains(&format!("/cabling/{id}/authorize")),
        "the zone manager is offered the instruction"
    );
    assert!(
        !operator
            .html("/cabling")
            .contains(&format!("/cabling/{id}/authorize")),
        "the operator is not"
    );
    let mcsrf = manager.csrf("/cabling");
    assert_eq!(
        operator
            .post(&format!("/cabling/{id}/complete"), &[("csrf", &csrf)])
            .status(),
        409,
        "not yet authorised"
    );
    assert_eq!(
        manager
            .post(
                &format!("/cabling/{id}/authorize"),
                &[("csrf", &mcsrf), ("notes", "夜間作業")]
            )
            .status(),
        303
    );
    assert_eq!(
        manager
            .post(&format!("/cabling/{id}/complete"), &[("csrf", &mcsrf)])
            .status(),
        403,
        "not the performer"
    );
    let html = operator.html("/cabling");
    assert!(html.contains(&format!("/cabling/{id}/complete")));
    let r = operator.post(
        &format!("/cabling/{id}/complete"),
        &[
            ("csrf", &csrf),
            ("notes", "疎通確認済"),
            ("diagram_updated", "1"),
        ],
    );
    assert_eq!(r.status(), 303);
    let r = manager.post(&format!("/cabling/{id}/verify"), &[("csrf", &mcsrf)]);
    assert_eq!(r.status(), 303);
    let html = manager.html("/cabling?done=verify");
    assert!(html.contains("完了を確認しました") && html.contains("data-state=\"verified\""));
    assert!(html.contains("構成図更新あり") && html.contains("「疎通確認済」"));
    assert_eq!(
        history_actions(&app, &p.f.operator, "SW-001"),
        [
            "cabling.verify",
            "cabling.complete",
            "cabling.authorize",
            "cabling.request"
        ]
    );
    assert_eq!(
        manager
            .post(&format!("/cabling/{id}/verify"), &[("csrf", "forged")])
            .status(),
        403
    );
}
