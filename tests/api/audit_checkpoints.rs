//! Signed checkpoints (第16条, issue 14 §3): taken on a schedule, listed for
//! auditors, their keys published as a JWK set, and a chain cut short or
//! rewritten from the start caught against them, in the database and offline.

use crate::common::{TestApp, assert_error, body, eventually};
use daicho::audit::rules::Link;
use daicho::audit::rules::checkpoint::{jwk_key, verify_jws};
use daicho::audit::rules::export::ExportedEvent;
use daicho::audit::service::checkpoints::{self, CheckpointSigner};
use daicho::db::DbConn;
use diesel::connection::SimpleConnection;
use serde_json::Value;
use std::process::{Command, Output};
use std::time::Duration;

fn daicho(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_daicho"));
    command
        .env("DATABASE_URL", &app.settings.database_url)
        .env("DAICHO_DATA_DIR", &app.settings.data_dir)
        .env("RUST_LOG", "warn");
    command
}

fn run(app: &TestApp, args: &[&str]) -> Output {
    daicho(app).args(args).output().unwrap()
}

fn stdout(out: &Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.clone()
}

/// Takes the scheduled checkpoint for the interval `minutes_from_now` away.
fn scheduled(app: &TestApp, minutes_from_now: i64) -> Option<Value> {
    let signer = CheckpointSigner::load(&app.settings.data_dir).unwrap();
    let at = daicho::db::now() + chrono::TimeDelta::minutes(minutes_from_now * 60);
    checkpoints::scheduled(&mut app.db(), &signer, 60, at)
        .unwrap()
        .map(|c| serde_json::to_value(c).unwrap())
}

fn history(app: &TestApp, admin: &str, from: usize, to: usize) {
    for i in from..to {
        app.department(admin, &format!("C{i}"), &format!("第{i}課"));
    }
}

fn head(conn: &mut DbConn) -> (i64, String) {
    use daicho::db::schema::audit_head::dsl;
    use diesel::prelude::*;
    dsl::audit_head
        .select((dsl::seq, dsl::hash))
        .first(conn)
        .unwrap()
}

#[test]
fn checkpoints_are_taken_once_per_interval_and_listed_for_auditors() {
    let app = TestApp::spawn();
    let admin = app.admin();
    history(&app, &admin, 0, 3);
    let first = scheduled(&app, 0).expect("the first interval takes one");
    let (head_seq, head_hash) = head(&mut app.db());
    assert_eq!(
        first["seq"], head_seq,
        "it signs the head, its own event included"
    );
    assert_eq!(first["hash"], head_hash.as_str());
    assert!(scheduled(&app, 0).is_none(), "one per interval");
    assert!(
        scheduled(&app, 1).is_none(),
        "nothing recorded since: nothing to sign"
    );
    history(&app, &admin, 3, 4);
    let second = scheduled(&app, 1).expect("the next interval, after a change");
    assert!(second["seq"].as_i64() > first["seq"].as_i64());
    assert!(
        app.audit_actions()
            .iter()
            .filter(|a| *a == "audit.checkpoint")
            .count()
            == 2
    );

    let (_, auditor) = app.user(&admin, "kansa", &["auditor"], None);
    let (_, operator) = app.user(&admin, "unyo", &["operator"], None);
    assert_error(
        app.get("/api/v1/audit/checkpoints", &operator),
        403,
        "forbidden",
    );
    let listed = body(app.get("/api/v1/audit/checkpoints?per_page=1", &auditor));
    assert_eq!(listed["total"], 2);
    assert_eq!(listed["per_page"], 1);
    assert_eq!(listed["items"][0], second, "newest first, as taken");

    // The JWK set: public, one Ed25519 key whose kid every checkpoint names.
    let keys = app
        .client
        .get(app.url("/api/v1/audit/keys"))
        .send()
        .unwrap();
    assert_eq!(keys.status(), 200);
    let keys = body(keys);
    let key = &keys["keys"][0];
    assert_eq!(keys["keys"].as_array().unwrap().len(), 1);
    for (field, value) in [
        ("kty", "OKP"),
        ("crv", "Ed25519"),
        ("alg", "EdDSA"),
        ("use", "sig"),
    ] {
        assert_eq!(key[field], value, "{keys}");
    }
    assert_eq!(key["x"].as_str().unwrap().len(), 43, "32 bytes, base64url");
    assert_eq!(key["kid"], second["kid"]);
    let jwk = serde_json::from_value(key.clone()).unwrap();
    let raw = jwk_key(&jwk).expect("an Ed25519 key under its own kid");
    let claims = verify_jws(
        second["jws"].as_str().unwrap(),
        &[(key["kid"].as_str().unwrap().to_owned(), raw)],
    )
    .unwrap();
    assert_eq!(
        (claims.seq, claims.hash.as_str(), claims.at.as_str()),
        (
            second["seq"].as_i64().unwrap(),
            second["hash"].as_str().unwrap(),
            second["at"].as_str().unwrap()
        )
    );
    assert!(
        !std::fs::read_to_string(app.settings.data_dir.join(checkpoints::KEY_FILE))
            .unwrap()
            .is_empty(),
        "the seed lives in the data directory"
    );

    // Evidence: only ever inserted into.
    let mut conn = app.db();
    assert!(
        conn.batch_execute("UPDATE audit_checkpoints SET seq = 1")
            .is_err()
    );
    assert!(conn.batch_execute("DELETE FROM audit_checkpoints").is_err());
    assert!(
        conn.batch_execute("DELETE FROM audit_checkpoint_keys")
            .is_err()
    );
    if app.backend() == daicho::db::Backend::Postgres {
        assert!(conn.batch_execute("TRUNCATE audit_checkpoints").is_err());
    }
    assert_eq!(app.verify(&admin)["checkpoints"], 2);
}

#[test]
fn the_background_check_signs_on_schedule() {
    let app = TestApp::spawn_with(|s| {
        s.audit_check_seconds = 1;
        s.audit_checkpoint_minutes = 1;
    });
    let admin = app.admin();
    eventually(Duration::from_secs(20), "a scheduled checkpoint", || {
        body(app.get("/api/v1/audit/checkpoints", &admin))["total"]
            .as_i64()
            .is_some_and(|n| n >= 1)
    });
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(metrics.contains("daicho_audit_chain_ok 1"), "{metrics}");
}

/// Drops the append-only guards of the chain (what a forger does first).
fn unguarded(app: &TestApp) -> DbConn {
    app.disable_audit_guards()
}

/// Cuts the chain back to `seq` and moves the head there, as a forger would.
fn cut_tail(app: &TestApp, seq: i64) {
    use daicho::db::schema::audit_events::dsl;
    use diesel::prelude::*;
    let mut conn = unguarded(app);
    let hash: String = dsl::audit_events
        .filter(dsl::seq.eq(seq))
        .select(dsl::hash)
        .first(&mut conn)
        .unwrap();
    conn.batch_execute(&format!(
        "DELETE FROM audit_events WHERE seq > {seq}; UPDATE audit_head SET seq = {seq}, hash = '{hash}'"
    ))
    .unwrap();
}

/// Rewrites the whole chain with one detail changed at `seq`, every hash
/// recomputed from the genesis, and the head moved: it verifies link by link.
fn rewrite_from_start(app: &TestApp, seq: i64) {
    use daicho::db::schema::audit_events::dsl;
    use diesel::prelude::*;
    let mut conn = unguarded(app);
    let events: Vec<daicho::audit::AuditEvent> = dsl::audit_events
        .order(dsl::seq.asc())
        .select(daicho::audit::AuditEvent::as_select())
        .load(&mut conn)
        .unwrap();
    let mut prev = daicho::audit::rules::GENESIS_HASH.to_owned();
    for mut event in events {
        if event.seq == seq {
            event.detail = "{\"name\":\"偽造\"}".to_owned();
        }
        let hash = Link {
            seq: event.seq,
            occurred_at: event.occurred_at,
            actor_id: event.actor_id,
            actor_name: &event.actor_name,
            action: &event.action,
            entity_type: &event.entity_type,
            entity_id: &event.entity_id,
            detail: &event.detail,
        }
        .hash(&prev);
        diesel::update(dsl::audit_events.filter(dsl::id.eq(event.id)))
            .set((
                dsl::detail.eq(&event.detail),
                dsl::prev_hash.eq(&prev),
                dsl::hash.eq(&hash),
            ))
            .execute(&mut conn)
            .unwrap();
        prev = hash;
    }
    conn.batch_execute(&format!("UPDATE audit_head SET hash = '{prev}'"))
        .unwrap();
}

#[test]
fn a_cut_tail_is_caught_against_a_checkpoint() {
    let app = TestApp::spawn();
    let admin = app.admin();
    history(&app, &admin, 0, 3);
    let checkpoint = scheduled(&app, 0).unwrap();
    let signed = checkpoint["seq"].as_i64().unwrap();
    history(&app, &admin, 3, 5);
    let cps = stdout(&run(&app, &["audit", "checkpoints"]));
    let export = stdout(&run(&app, &["audit", "export"]));
    cut_tail(&app, signed - 2);

    let report = app.verify(&admin);
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["reason"], "tail_cut");
    assert_eq!(report["first_broken_seq"], signed);
    let out = run(&app, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("seq {signed}")) && said.contains("tail_cut"),
        "{said}"
    );

    // Offline: the export from before the cut verifies; cut below the checkpoint, it does not.
    let dir = tempfile::tempdir().unwrap();
    let cps_file = dir.path().join("cps.json");
    std::fs::write(&cps_file, &cps).unwrap();
    let full = dir.path().join("full.jsonl");
    std::fs::write(&full, &export).unwrap();
    let ok = offline(&full, &cps_file);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("held to 1 of the 1 signed checkpoint(s)"),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let text = String::from_utf8(export).unwrap();
    let kept: Vec<&str> = text.lines().take((signed - 2) as usize).collect();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, kept.join("\n") + "\n").unwrap();
    let without = offline_plain(&cut);
    assert!(
        without.status.success(),
        "without checkpoints a cut file verifies"
    );
    let refused = offline(&cut, &cps_file);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains(&format!("seq {signed}")) && said.contains("tail_cut"),
        "{said}"
    );
}

#[test]
fn a_chain_rewritten_from_the_start_is_caught_against_a_checkpoint() {
    let app = TestApp::spawn();
    let admin = app.admin();
    history(&app, &admin, 0, 3);
    let checkpoint = scheduled(&app, 0).unwrap();
    let signed = checkpoint["seq"].as_i64().unwrap();
    history(&app, &admin, 3, 4);
    let cps = stdout(&run(&app, &["audit", "checkpoints"]));
    assert_eq!(app.verify(&admin)["ok"], true);
    rewrite_from_start(&app, 2);

    let report = app.verify(&admin);
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["reason"], "checkpoint_mismatch");
    assert_eq!(report["first_broken_seq"], signed);
    assert_eq!(report["events"], signed - 1, "every link holds before it");
    let out = run(&app, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("checkpoint_mismatch"));
    let mut browser = crate::common::session::Browser::new(&app);
    browser.sign_in("admin", crate::common::ADMIN_PASSWORD);
    let page = browser.get("/audit?verify=1").text().unwrap();
    assert!(
        page.contains("署名済みチェックポイントとの不一致"),
        "the 監査ログ page names the fault"
    );

    // Offline: the rewritten export verifies alone, not against the checkpoints.
    let dir = tempfile::tempdir().unwrap();
    let cps_file = dir.path().join("cps.json");
    std::fs::write(&cps_file, &cps).unwrap();
    let forged = dir.path().join("forged.jsonl");
    std::fs::write(&forged, stdout(&run(&app, &["audit", "export"]))).unwrap();
    assert!(offline_plain(&forged).status.success());
    let refused = offline(&forged, &cps_file);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains(&format!("BROKEN at seq {signed}")) && said.contains("checkpoint_mismatch"),
        "{said}"
    );

    // A checkpoints file doctored to match the forgery fails its signature.
    let mut doctored: Value = serde_json::from_slice(&cps).unwrap();
    let line = std::fs::read_to_string(&forged).unwrap();
    let event: ExportedEvent =
        serde_json::from_str(line.lines().nth((signed - 1) as usize).unwrap()).unwrap();
    doctored["items"][0]["hash"] = event.hash.into();
    std::fs::write(&cps_file, doctored.to_string()).unwrap();
    let refused = offline(&forged, &cps_file);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("checkpoint_invalid"));
}

fn offline(file: &std::path::Path, checkpoints: &std::path::Path) -> Output {
    offline_with(file, &["--checkpoints", checkpoints.to_str().unwrap()])
}

fn offline_plain(file: &std::path::Path) -> Output {
    offline_with(file, &[])
}

/// `daicho audit verify --file`, with no database around.
fn offline_with(file: &std::path::Path, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = dir.path().join("none.db");
    let out = Command::new(env!("CARGO_BIN_EXE_daicho"))
        .args(["audit", "verify", "--file", file.to_str().unwrap()])
        .args(extra)
        .env("DATABASE_URL", &nowhere)
        .env("DAICHO_DATA_DIR", dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!nowhere.exists(), "offline verification opens no database");
    out
}
