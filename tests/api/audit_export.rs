//! Evidence that verifies offline (第16条, 第32条): the chain exported over the
//! API and the CLI, verified from the file alone, and tampered files named at
//! their first broken seq.

use crate::common::{TestApp, assert_error, tools};
use reqwest::blocking::Response;
use serde_json::Value;
use std::process::{Command, Output};

fn daicho(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_daicho"));
    command
        .env("DATABASE_URL", &app.settings.database_url)
        .env("RUST_LOG", "warn");
    command
}

fn cli_export(app: &TestApp, args: &[&str]) -> Vec<u8> {
    let out = daicho(app)
        .args(["audit", "export"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn api_export(app: &TestApp, token: &str, query: &str) -> Response {
    app.get(&format!("/api/v1/audit/export.jsonl{query}"), token)
}

/// `daicho audit verify --file` on `bytes`, with nothing of daicho's around:
/// DATABASE_URL names a file that does not exist, and stays so.
fn verify_file(bytes: &[u8]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.jsonl");
    std::fs::write(&file, bytes).unwrap();
    let nowhere = dir.path().join("none.db");
    let out = Command::new(env!("CARGO_BIN_EXE_daicho"))
        .args(["audit", "verify", "--file", file.to_str().unwrap()])
        .env("DATABASE_URL", &nowhere)
        .env("DAICHO_DATA_DIR", dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!nowhere.exists(), "offline verification opens no database");
    out
}

fn verified(bytes: &[u8]) -> String {
    let out = verify_file(bytes);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "verifies: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The message of a file that must not verify (exit 1).
fn refused(lines: &[String]) -> String {
    let out = verify_file((lines.join("\n") + "\n").as_bytes());
    assert_eq!(out.status.code(), Some(1), "a tampered file fails");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn lines(bytes: &[u8]) -> Vec<String> {
    std::str::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn seqs(bytes: &[u8]) -> Vec<i64> {
    lines(bytes)
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

fn head(app: &TestApp) -> (i64, String) {
    use daicho::db::schema::audit_head::dsl;
    use diesel::prelude::*;
    dsl::audit_head
        .select((dsl::seq, dsl::hash))
        .first(&mut app.db())
        .unwrap()
}

fn some_history(app: &TestApp, admin: &str) {
    for i in 0..5 {
        app.department(admin, &format!("D{i}"), &format!("第{i}課"));
    }
    // Quotes, a backslash and characters beyond the BMP inside the detail text.
    app.department(admin, "Q", "\"引用\" \\ 課 😀");
}

#[test]
fn an_api_export_verifies_offline_for_auditors_and_admins_only() {
    let app = TestApp::spawn();
    let admin = app.admin();
    some_history(&app, &admin);
    let (_, auditor) = app.user(&admin, "kansa", &["auditor"], None);
    let (_, staff) = app.user(&admin, "ippan", &["staff"], None);
    assert_error(api_export(&app, &staff, ""), 403, "forbidden");

    let answer = api_export(&app, &auditor, "");
    assert_eq!(answer.status(), 200);
    let header = |name: &str| answer.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/x-ndjson");
    let (head_seq, head_hash) = head(&app);
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"daicho-audit-1-{head_seq}.jsonl\"")
    );
    let bytes = answer.bytes().unwrap();
    assert_eq!(seqs(&bytes), (1..=head_seq).collect::<Vec<_>>());
    let first = &lines(&bytes)[0];
    let order = [
        "seq",
        "occurred_at",
        "actor_id",
        "actor_name",
        "action",
        "entity_type",
        "entity_id",
        "detail",
        "prev_hash",
        "hash",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|k| first.find(&format!("\"{k}\":")).expect(k))
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "fields in the hash's order: {first}"
    );
    let last: Value = serde_json::from_str(lines(&bytes).last().unwrap()).unwrap();
    assert_eq!(last.as_object().unwrap().len(), order.len(), "{last}");
    assert_eq!(last["action"], "audit.export", "the export records itself");
    assert_eq!(last["actor_name"], "kansa");
    assert_eq!(last["hash"], head_hash.as_str());
    assert!(serde_json::from_str::<Value>(last["detail"].as_str().unwrap()).is_ok());

    let summary = verified(&bytes);
    assert!(
        summary.contains(&format!(
            "audit export OK: {head_seq} events, seq 1 to {head_seq}, head {head_hash}"
        )),
        "{summary}"
    );
    assert!(summary.contains("it starts the chain"), "{summary}");

    // An admin may export too; history does not change, so the earlier file is a prefix.
    let again = api_export(&app, &admin, "");
    assert_eq!(again.status(), 200);
    let again = again.bytes().unwrap();
    assert!(again.starts_with(&bytes));
    assert_eq!(seqs(&again).len() as i64, head_seq + 1);
    verified(&again);
}

#[test]
fn the_cli_export_matches_the_api_and_from_seq_continues_the_chain() {
    let app = TestApp::spawn();
    let admin = app.admin();
    some_history(&app, &admin);
    let from_api = api_export(&app, &admin, "").bytes().unwrap();
    let from_cli = cli_export(&app, &[]);
    assert_eq!(
        from_cli, from_api,
        "the command line exports the same bytes and records nothing"
    );

    let full = lines(&from_cli);
    let tail = cli_export(&app, &["--from-seq", "3"]);
    assert_eq!(lines(&tail), full[2..]);
    let seq2: Value = serde_json::from_str(&full[1]).unwrap();
    let summary = verified(&tail);
    assert!(
        summary.contains(&format!("seq 3 to {}", full.len())),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "continues the chain after seq 2, whose hash it takes as {}",
            seq2["hash"].as_str().unwrap()
        )),
        "{summary}"
    );

    let answer = api_export(&app, &admin, "?from_seq=3");
    let disposition = answer.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("daicho-audit-3-"), "{disposition}");
    let bytes = answer.bytes().unwrap();
    assert_eq!(seqs(&bytes)[0], 3);
    assert!(bytes.starts_with(&tail), "the same lines from either door");
    verified(&bytes);

    assert_error(
        api_export(&app, &admin, "?from_seq=0"),
        422,
        "invalid_field",
    );
    assert_error(
        api_export(&app, &admin, "?from_seq=abc"),
        422,
        "invalid_field",
    );
    let zero = daicho(&app)
        .args(["audit", "export", "--from-seq", "0"])
        .output()
        .unwrap();
    assert!(!zero.status.success() && zero.stdout.is_empty());

    // Past the head: nothing to export, and an empty file verifies nothing.
    let beyond = cli_export(&app, &["--from-seq", "100000"]);
    assert!(beyond.is_empty());
    let out = verify_file(&beyond);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
}

#[test]
fn a_tampered_export_names_the_first_broken_seq() {
    let app = TestApp::spawn();
    let admin = app.admin();
    some_history(&app, &admin);
    let good = lines(&cli_export(&app, &[]));
    assert!(good.len() >= 7);
    verified((good.join("\n") + "\n").as_bytes());
    let edit = |index: usize, f: &dyn Fn(&mut Value)| {
        let mut tampered = good.clone();
        let mut event: Value = serde_json::from_str(&tampered[index]).unwrap();
        f(&mut event);
        tampered[index] = event.to_string();
        tampered
    };

    let changed = refused(&edit(3, &|e| e["actor_name"] = "someone-else".into()));
    assert!(
        changed.contains("BROKEN at seq 4 (line 4): content_changed"),
        "{changed}"
    );
    assert!(changed.contains("3 events verified before it"), "{changed}");

    let mut removed = good.clone();
    removed.remove(2);
    let removed = refused(&removed);
    assert!(
        removed.contains("BROKEN at seq 4 (line 3): sequence_gap (seq 3 expected here)"),
        "{removed}"
    );

    let mut reordered = good.clone();
    reordered.swap(2, 3);
    let reordered = refused(&reordered);
    assert!(
        reordered.contains("BROKEN at seq 4 (line 3): sequence_gap"),
        "{reordered}"
    );

    let relinked = refused(&edit(3, &|e| e["prev_hash"] = "ab".repeat(32).into()));
    assert!(
        relinked.contains("BROKEN at seq 4 (line 4): broken_link"),
        "{relinked}"
    );

    // What a forger can do with the file alone: change a line and hash it
    // again. The next line's prev_hash still names the original.
    let rehashed = edit(3, &|e| {
        e["detail"] = "{\"code\":\"FORGED\"}".into();
        let forged: daicho::audit::rules::export::ExportedEvent =
            serde_json::from_value(e.clone()).unwrap();
        e["hash"] = forged
            .link()
            .unwrap()
            .hash(e["prev_hash"].as_str().unwrap())
            .into();
    });
    verified((rehashed[..4].join("\n") + "\n").as_bytes());
    let rehashed = refused(&rehashed);
    assert!(
        rehashed.contains("BROKEN at seq 5 (line 5): broken_link"),
        "{rehashed}"
    );

    let annotated = refused(&edit(3, &|e| e["note"] = "not hashed".into()));
    assert!(
        annotated.contains("BROKEN at seq 4 (line 4): not_an_event"),
        "{annotated}"
    );
}

#[test]
fn a_long_log_is_sent_in_batches_and_verifies() {
    let app = TestApp::spawn();
    let admin = app.admin();
    // 2,500 events written the way a bulk import writes them.
    let mut conn = app.db();
    daicho::db::write_tx(&mut conn, |conn| -> diesel::QueryResult<()> {
        let mut batch = daicho::audit::Batch::begin(conn, &daicho::audit::Actor::system("test"))?;
        for i in 0..2500 {
            batch.push(
                conn,
                "test.bulk",
                "test",
                &i.to_string(),
                &serde_json::json!({ "n": i }),
            )?;
        }
        batch.finish(conn).map(|_| ())
    })
    .unwrap();
    let answer = api_export(&app, &admin, "");
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.content_length(),
        None,
        "streamed as it is read, not sized in memory first"
    );
    let bytes = answer.bytes().unwrap();
    let (head_seq, head_hash) = head(&app);
    assert!(head_seq > 2500);
    assert_eq!(seqs(&bytes), (1..=head_seq).collect::<Vec<_>>());
    let summary = verified(&bytes);
    assert!(summary.contains(&format!("head {head_hash}")), "{summary}");
    assert_eq!(cli_export(&app, &[]), bytes);
}

#[test]
fn the_readme_recipe_verifies_an_export_with_python() {
    let Some(python) = tools::require("python3", &[], "the README's Python recipe") else {
        return;
    };
    let readme = include_str!("../../README.md");
    let start = readme
        .find("```python\n")
        .expect("the README gives the recipe in Python")
        + "```python\n".len();
    let recipe = &readme[start..start + readme[start..].find("```").unwrap()];
    let app = TestApp::spawn();
    let admin = app.admin();
    some_history(&app, &admin);
    let bytes = cli_export(&app, &[]);
    let (_, head_hash) = head(&app);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("verify.py");
    std::fs::write(&script, recipe).unwrap();
    let run = |bytes: &[u8]| {
        let file = dir.path().join("audit.jsonl");
        std::fs::write(&file, bytes).unwrap();
        Command::new(&python)
            .arg(&script)
            .arg(&file)
            .output()
            .unwrap()
    };
    let out = run(&bytes);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&head_hash), "{stdout}");
    let mut tampered = lines(&bytes);
    tampered[3] = tampered[3].replace("\"admin\"", "\"someone\"");
    let out = run((tampered.join("\n") + "\n").as_bytes());
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("seq 4"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
