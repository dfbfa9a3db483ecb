//! The audit chain: tampering is found and named, concurrent writers never fork it.

use crate::common::{TestApp, assert_error, body};
use daicho::db::DbConn;
use diesel::connection::SimpleConnection;
use serde_json::json;

fn event_id(conn: &mut DbConn, seq: i64) -> i64 {
    use daicho::db::schema::audit_events::dsl;
    use diesel::prelude::*;
    dsl::audit_events
        .filter(dsl::seq.eq(seq))
        .select(dsl::id)
        .first(conn)
        .unwrap()
}

fn some_history(app: &TestApp, admin: &str) {
    for i in 0..5 {
        app.department(admin, &format!("D{i}"), &format!("第{i}課"));
    }
}

#[test]
fn the_chain_refuses_updates_and_deletes() {
    let app = TestApp::spawn();
    let admin = app.admin();
    some_history(&app, &admin);
    let mut conn = app.db();
    assert!(
        conn.batch_execute("UPDATE audit_events SET actor_name = 'x' WHERE seq = 2")
            .is_err()
    );
    assert!(
        conn.batch_execute("DELETE FROM audit_events WHERE seq = 2")
            .is_err()
    );
    assert!(
        conn.batch_execute("DELETE FROM audit_events").is_err(),
        "nor emptied in one statement"
    );
    if app.backend() == daicho::db::Backend::Postgres {
        // TRUNCATE fires no row trigger; a statement trigger of its own refuses it.
        let refused = conn
            .batch_execute("TRUNCATE audit_events")
            .expect_err("TRUNCATE is refused");
        assert!(refused.to_string().contains("append-only"), "{refused}");
        assert!(
            conn.batch_execute("TRUNCATE audit_events RESTART IDENTITY CASCADE")
                .is_err()
        );
    } else {
        eprintln!("TRUNCATE: SQLite has none; the PostgreSQL pass checks it");
    }
    let report = app.verify(&admin);
    assert_eq!(report["ok"], true);
    assert!(report["events"].as_i64().unwrap() >= 6, "{report}");
}

#[test]
fn a_changed_row_is_named() {
    let app = TestApp::spawn();
    let admin = app.admin();
    some_history(&app, &admin);
    let ok = app.verify(&admin);
    assert_eq!(ok["ok"], true);
    assert!(ok["events"].as_i64().unwrap() >= 6);
    let mut conn = app.disable_audit_guards();
    conn.batch_execute("UPDATE audit_events SET detail = '{\"code\":\"FORGED\"}' WHERE seq = 4")
        .unwrap();
    let report = app.verify(&admin);
    assert_eq!(report["ok"], false);
    assert_eq!(report["first_broken_id"], event_id(&mut conn, 4));
    assert_eq!(report["reason"], "content_changed");
    assert_eq!(
        report["events"], 3,
        "three events verified before the forged one"
    );
}

#[test]
fn a_deleted_row_is_named() {
    let app = TestApp::spawn();
    let admin = app.admin();
    some_history(&app, &admin);
    let mut conn = app.disable_audit_guards();
    let after = event_id(&mut conn, 4);
    conn.batch_execute("DELETE FROM audit_events WHERE seq = 3")
        .unwrap();
    let report = app.verify(&admin);
    assert_eq!(report["ok"], false);
    assert_eq!(
        report["first_broken_id"], after,
        "the row after the gap is named"
    );
    assert_eq!(report["reason"], "sequence_gap");
}

#[test]
fn a_rehashed_forgery_still_breaks_the_next_link() {
    let app = TestApp::spawn();
    let admin = app.admin();
    some_history(&app, &admin);
    let mut conn = app.disable_audit_guards();
    // The forger recomputes row 3's own hash but cannot fix row 4's prev_hash without rewriting everything after.
    conn.batch_execute("UPDATE audit_events SET hash = 'f00d' || substr(hash, 5) WHERE seq = 3")
        .unwrap();
    let report = app.verify(&admin);
    assert_eq!(report["ok"], false);
    assert_eq!(report["first_broken_id"], event_id(&mut conn, 3));
}

#[test]
fn a_cut_tail_is_noticed() {
    let app = TestApp::spawn();
    let admin = app.admin();
    some_history(&app, &admin);
    let mut conn = app.disable_audit_guards();
    conn.batch_execute("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)")
        .unwrap();
    let report = app.verify(&admin);
    assert_eq!(report["ok"], false);
    assert_eq!(report["reason"], "tail_missing");
}

#[test]
fn concurrent_writers_never_fork_the_chain() {
    let app = TestApp::spawn_with(|s| {
        s.workers = 4;
        s.pool_size = 12;
    });
    let admin = app.admin();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (app, admin) = (&app, &admin);
            scope.spawn(move || {
                for i in 0..6 {
                    let response = app.post(
                        "/api/v1/departments",
                        admin,
                        &json!({"code": format!("C{t}-{i}"), "name": "並行"}),
                    );
                    assert_eq!(response.status(), 201, "{:?}", response.text());
                }
            });
        }
    });
    let report = app.verify(&admin);
    assert_eq!(report["ok"], true, "{report}");
    use daicho::db::schema::audit_events::dsl;
    use diesel::prelude::*;
    let mut conn = app.db();
    let seqs: Vec<i64> = dsl::audit_events
        .order(dsl::seq.asc())
        .select(dsl::seq)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "one unbroken sequence"
    );
    let created = app
        .audit_actions()
        .iter()
        .filter(|a| *a == "department.create")
        .count();
    assert_eq!(created, 48);
}

#[test]
fn the_log_filters_by_actor_entity_and_date_and_records_its_readers() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let admin_id = body(app.get("/api/v1/me", &admin))["id"].as_i64().unwrap();
    let dept = app.department(&admin, "KEIRI", "経理課");
    let (_, auditor) = app.user(&admin, "kansa", &["auditor"], None);

    let by_entity = body(app.get(
        &format!("/api/v1/audit?entity_type=department&entity_id={dept}"),
        &auditor,
    ));
    assert_eq!(by_entity["total"], 1);
    assert_eq!(by_entity["items"][0]["action"], "department.create");
    assert_eq!(by_entity["items"][0]["actor_id"], admin_id);
    assert!(
        by_entity["items"][0]["occurred_at"]
            .as_str()
            .unwrap()
            .ends_with("+09:00")
    );

    let by_actor = body(app.get(
        &format!("/api/v1/audit?actor_id={admin_id}&action=department.create"),
        &auditor,
    ));
    assert_eq!(by_actor["total"], 1);
    let today = chrono::Utc::now()
        .with_timezone(&daicho::kit::time::tokyo())
        .date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let dated = body(app.get(
        &format!("/api/v1/audit?from={today}&to={tomorrow}&entity_type=department"),
        &auditor,
    ));
    assert_eq!(dated["total"], 1);
    let future = body(app.get(&format!("/api/v1/audit?from={tomorrow}"), &auditor));
    assert_eq!(future["total"], 0);
    assert_error(
        app.get("/api/v1/audit?from=someday", &auditor),
        422,
        "invalid_field",
    );
    assert!(
        app.audit_actions().iter().any(|a| a == "audit.view"),
        "reading the log is recorded (第30条)"
    );
}
