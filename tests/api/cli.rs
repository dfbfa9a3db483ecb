//! The `daicho` command: user add, audit verify, backup, migrate, and a graceful stop on SIGTERM.

use crate::common::{TestApp, TestDatabase};
use std::io::Write;
use std::process::{Command, Stdio};

fn daicho(db: &TestDatabase) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_daicho"));
    command
        .env("DATABASE_URL", &db.url)
        .env("DAICHO_DATA_DIR", db.dir.path())
        .env("RUST_LOG", "warn");
    command
}

#[test]
fn user_add_then_sign_in() {
    let db = TestDatabase::create();
    assert!(daicho(&db).arg("migrate").status().unwrap().success());
    let mut child = daicho(&db)
        .args([
            "user",
            "add",
            "--username",
            "script",
            "--display-name",
            "スクリプト",
            "--role",
            "operator",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Kikai-Passw0rd-2026\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let weak = daicho(&db)
        .args([
            "user",
            "add",
            "--username",
            "weak",
            "--display-name",
            "弱",
            "--role",
            "staff",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"short\n").unwrap();
            c.wait_with_output()
        })
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("12文字以上"));

    let verify = daicho(&db).args(["audit", "verify"]).output().unwrap();
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).contains("audit chain OK: 1 events"));
}

#[test]
fn audit_verify_fails_on_a_forgery() {
    let app = TestApp::spawn();
    let admin = app.admin();
    app.department(&admin, "A1", "課");
    let mut conn = app.disable_audit_guards();
    use diesel::connection::SimpleConnection;
    conn.batch_execute("UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = 1")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_daicho"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.settings.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("BROKEN at id"));
}

#[test]
fn backup_is_a_consistent_copy_while_serving() {
    let app = TestApp::spawn();
    if app.backend() != daicho::db::Backend::Sqlite {
        eprintln!(
            "backup: PostgreSQL is backed up with pg_dump; the SQLite copy is tested in the SQLite pass"
        );
        return;
    }
    let admin = app.admin();
    app.department(&admin, "BK", "バックアップ課");
    let target = tempfile::tempdir().unwrap();
    let path = target.path().join("copy.db");
    let out = Command::new(env!("CARGO_BIN_EXE_daicho"))
        .args(["backup", path.to_str().unwrap()])
        .env("DATABASE_URL", &app.settings.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = Command::new(env!("CARGO_BIN_EXE_daicho"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", path.to_str().unwrap())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        copy.status.success(),
        "the copy verifies: {}",
        String::from_utf8_lossy(&copy.stderr)
    );
    let again = Command::new(env!("CARGO_BIN_EXE_daicho"))
        .args(["backup", path.to_str().unwrap()])
        .env("DATABASE_URL", &app.settings.database_url)
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
}

/// `daicho serve` on a free port, its log piped; returns once it is ready, with its base URL.
fn serve(db: &TestDatabase, env: &[(&str, &str)]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = daicho(db)
        .arg("serve")
        .env("DAICHO_BIND", format!("127.0.0.1:{port}"))
        .env("DAICHO_ADMIN_PASSWORD", crate::common::ADMIN_PASSWORD)
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = crate::common::client_builder().build().unwrap();
    let ready = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        client
            .get(format!("{base}/readyz"))
            .send()
            .is_ok_and(|r| r.status() == 200)
    });
    assert!(ready, "the server came up");
    (child, base)
}

#[test]
fn serve_stops_gracefully_on_sigterm() {
    let db = TestDatabase::create();
    let (mut child, _) = serve(&db, &[]);
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
}

#[test]
fn a_request_cut_at_the_stop_limit_is_logged() {
    let db = TestDatabase::create();
    assert!(daicho(&db).arg("migrate").status().unwrap().success());
    let (child, base) = serve(&db, &[("DAICHO_SHUTDOWN_SECONDS", "1")]);
    let client = crate::common::client_builder().build().unwrap();
    let login = |password: &str| -> String {
        let answer: serde_json::Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "admin", "password": password}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        answer["token"].as_str().unwrap().to_owned()
    };
    // The configured admin password must be changed first; then a full session.
    let first = login(crate::common::ADMIN_PASSWORD);
    let changed = client
        .post(format!("{base}/api/v1/auth/password"))
        .bearer_auth(&first)
        .json(
            &serde_json::json!({"current_password": crate::common::ADMIN_PASSWORD,
                                  "new_password": "Kanri-Atarashii-Passw0rd-2026"}),
        )
        .send()
        .unwrap();
    assert_eq!(changed.status(), 204);
    let token = login("Kanri-Atarashii-Passw0rd-2026");
    // Hold the audit chain's head: every write waits behind it.
    use diesel::connection::SimpleConnection;
    let mut holder = daicho::db::establish(&db.url).unwrap();
    holder
        .batch_execute("BEGIN; UPDATE audit_head SET seq = seq WHERE id = 1;")
        .unwrap();
    let blocked = std::thread::spawn({
        let url = format!("{base}/api/v1/departments");
        move || {
            let _ = crate::common::client_builder()
                .build()
                .unwrap()
                .post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({"code": "CUT", "name": "止まる課"}))
                .send();
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    let stop = std::time::Instant::now();
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let took = stop.elapsed();
    holder.batch_execute("ROLLBACK").unwrap();
    blocked.join().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        took < std::time::Duration::from_secs(10),
        "stopped after the 1 s limit, not the write's wait: {took:?}"
    );
    assert_eq!(
        log.matches("cut POST /api/v1/departments after it ran")
            .count(),
        1,
        "the cut request is logged once: {log}"
    );
}
