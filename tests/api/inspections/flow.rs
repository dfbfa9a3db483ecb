//! The API journey: open (the report frozen), decide, sign (422 until every
//! finding is decided), and nothing changes after (409, and the database refuses).

use super::{decide_all, open, opened, with_findings};
use crate::common::{TestApp, assert_error, body};
use daicho::reports::inspections::service::last_signed_at;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[test]
fn a_security_manager_opens_decides_and_signs_an_inspection() {
    let app = TestApp::spawn();
    let f = with_findings(&app);
    let (_, auditor) = app.user(&f.admin, "kansa", &["auditor"], None);
    assert_error(open(&app, &f.operator), 403, "forbidden");
    assert_error(open(&app, &f.admin), 403, "forbidden");
    assert_error(open(&app, &auditor), 403, "forbidden");
    assert_error(
        app.post(
            "/api/v1/inspections",
            &f.manager,
            &json!({"from": "2026-11-30", "to": "2026-11-01"}),
        ),
        422,
        "invalid_field",
    );
    assert_error(
        app.post(
            "/api/v1/inspections",
            &f.manager,
            &json!({"from": "2026-11-01", "to": "2099-01-01"}),
        ),
        422,
        "invalid_field",
    );

    let inspection = opened(&app, &f.manager);
    let id = inspection["id"].as_i64().unwrap();
    assert_eq!(inspection["state"], "open");
    assert_eq!(inspection["from"], "2026-11-01");
    let findings = inspection["findings"].as_array().unwrap();
    assert!(findings.len() >= 2, "{inspection}");
    assert_eq!(findings[0]["n"], 1);
    assert!(findings.iter().all(|f| f["disposition"].is_null()));
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "key_equipment_outside_zone"),
        "{inspection}"
    );
    assert!(
        inspection["report"]["articles"].is_array(),
        "the frozen report"
    );

    // Frozen: a change to the register after opening does not reach it.
    let mut more = crate::register::device("SRV-003", &f);
    more["zone_id"] = json!(null);
    app.post("/api/v1/equipment", &f.operator, &more);
    let again = body(app.get(&format!("/api/v1/inspections/{id}"), &auditor));
    assert_eq!(again["findings"], inspection["findings"]);
    assert_eq!(again["report"], inspection["report"]);

    let finding = |n: i64| format!("/api/v1/inspections/{id}/findings/{n}");
    let decision = json!({"disposition": "resolved", "comment": "管理区域に設置した"});
    assert_error(
        app.patch(&finding(1), &auditor, &decision),
        403,
        "forbidden",
    );
    assert_error(
        app.patch(
            &finding(1),
            &f.manager,
            &json!({"disposition": "resolved", "comment": " "}),
        ),
        422,
        "invalid_field",
    );
    assert_error(
        app.patch(
            &finding(1),
            &f.manager,
            &json!({"disposition": "ignored", "comment": "x"}),
        ),
        422,
        "invalid_field",
    );
    assert_error(
        app.patch(&finding(999), &f.manager, &decision),
        404,
        "not_found",
    );
    let decided = body(app.patch(&finding(1), &f.manager, &decision));
    assert_eq!(decided["disposition"], "resolved");
    assert_eq!(decided["decided_by_name"], "kacho 氏名");

    let undecided = assert_error(
        app.post(
            &format!("/api/v1/inspections/{id}/sign"),
            &f.manager,
            &json!({}),
        ),
        422,
        "findings_undecided",
    );
    assert!(
        undecided["error"]["message"]
            .as_str()
            .unwrap()
            .contains("指摘 2"),
        "{undecided}"
    );
    decide_all(
        &app,
        &f.manager,
        &body(app.get(&format!("/api/v1/inspections/{id}"), &f.manager)),
    );
    // The first decision was changed to 'planned' by decide_all; both are recorded.
    assert_error(
        app.post(
            &format!("/api/v1/inspections/{id}/sign"),
            &auditor,
            &json!({}),
        ),
        403,
        "forbidden",
    );
    let signed = body(app.post(
        &format!("/api/v1/inspections/{id}/sign"),
        &f.manager,
        &json!({}),
    ));
    assert_eq!(signed["state"], "signed");
    assert_eq!(signed["signed_by_name"], "kacho 氏名");
    let chain_seq = signed["chain_seq"].as_i64().unwrap();

    // The chain holds the signed report, its hash and the head; a checkpoint follows.
    use daicho::db::schema::audit_events::dsl;
    use diesel::prelude::*;
    let (seq, detail): (i64, String) = dsl::audit_events
        .filter(dsl::action.eq("inspection.signed"))
        .select((dsl::seq, dsl::detail))
        .first(&mut app.db())
        .unwrap();
    assert_eq!(
        seq,
        chain_seq + 1,
        "signed over the head before its own event"
    );
    let detail: Value = serde_json::from_str(&detail).unwrap();
    let text = detail["report"].as_str().unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(text.as_bytes())),
        signed["report_sha256"].as_str().unwrap()
    );
    assert_eq!(detail["chain_hash"], signed["chain_hash"]);
    let report: Value = serde_json::from_str(text).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), findings.len());
    assert_eq!(report["findings"][0]["disposition"], "planned");
    let checkpoints = body(app.get("/api/v1/audit/checkpoints", &auditor));
    assert_eq!(checkpoints["total"], 1, "the sign-off takes a checkpoint");
    assert!(checkpoints["items"][0]["seq"].as_i64().unwrap() > seq);
    let actions = app.audit_actions();
    for action in [
        "inspection.open",
        "inspection.finding_decide",
        "inspection.signed",
        "audit.checkpoint",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} recorded");
    }

    // Nothing changes after signing.
    assert_error(
        app.patch(&finding(1), &f.manager, &decision),
        409,
        "inspection_signed",
    );
    assert_error(
        app.post(
            &format!("/api/v1/inspections/{id}/sign"),
            &f.manager,
            &json!({}),
        ),
        409,
        "inspection_signed",
    );
    let mut conn = app.db();
    assert!(
        conn.batch_execute("UPDATE inspections SET note = 'x'")
            .is_err()
    );
    assert!(
        conn.batch_execute("UPDATE inspection_findings SET comment = 'x'")
            .is_err()
    );
    assert!(
        conn.batch_execute("DELETE FROM inspection_findings")
            .is_err()
    );
    assert!(conn.batch_execute("DELETE FROM inspections").is_err());
    assert_eq!(
        body(app.get(&format!("/api/v1/inspections/{id}"), &auditor)),
        signed
    );
    assert!(last_signed_at(&mut conn).unwrap().is_some());

    let list = body(app.get("/api/v1/inspections?per_page=10", &auditor));
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["state"], "signed");
    assert_eq!(list["items"][0]["decided"], list["items"][0]["findings"]);
    assert_error(
        app.get("/api/v1/inspections", &f.operator),
        403,
        "forbidden",
    );
    assert_error(
        app.get("/api/v1/inspections/999", &auditor),
        404,
        "not_found",
    );
}

#[test]
fn an_open_inspection_may_change_and_none_signed_reads_none() {
    let app = TestApp::spawn();
    let f = with_findings(&app);
    assert!(last_signed_at(&mut app.db()).unwrap().is_none());
    let inspection = opened(&app, &f.manager);
    let id = inspection["id"].as_i64().unwrap();
    // While open, the database lets a decision change (the service does it).
    let mut conn = app.db();
    conn.batch_execute(&format!(
        "UPDATE inspection_findings SET comment = 'draft' WHERE inspection_id = {id}"
    ))
    .unwrap();
    assert!(last_signed_at(&mut conn).unwrap().is_none());
}

#[test]
fn a_report_without_findings_signs_at_once() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let (_, manager) = app.user(&admin, "kacho", &["security_manager"], None);
    let inspection = opened(&app, &manager);
    let id = inspection["id"].as_i64().unwrap();
    let findings = inspection["findings"].as_array().unwrap().len();
    if findings > 0 {
        decide_all(&app, &manager, &inspection);
    }
    let signed = body(app.post(
        &format!("/api/v1/inspections/{id}/sign"),
        &manager,
        &json!({}),
    ));
    assert_eq!(signed["state"], "signed");
    assert_eq!(signed["report_sha256"].as_str().unwrap().len(), 64);
}
