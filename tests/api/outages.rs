//! When the database stops, stalls or refuses writes (issue 12): answers come
//! fast, say which, and service resumes by itself; instances starting together
//! on an empty database all come up.

use crate::common::relay::Relay;
use crate::common::{ADMIN_PASSWORD, TestApp, TestDatabase, assert_error, eventually};
use daicho::config::Settings;
use daicho::db::Backend;
use diesel::connection::SimpleConnection;
use serde_json::json;
use std::time::{Duration, Instant};

/// A generous bound for "answers within 2 s": what fails is a hang.
const PROMPT: Duration = Duration::from_secs(5);

/// The status of `/readyz` and how long it took.
fn readyz(app: &TestApp) -> (u16, Duration, String) {
    let start = Instant::now();
    let r = app
        .client
        .get(app.url("/readyz"))
        .timeout(Duration::from_secs(20))
        .send()
        .expect("readyz answers");
    let status = r.status().as_u16();
    (status, start.elapsed(), r.text().unwrap())
}

fn new_department(app: &TestApp, admin: &str, n: usize) -> reqwest::blocking::Response {
    app.request(reqwest::Method::POST, "/api/v1/departments", Some(admin))
        .json(&json!({"code": format!("D{n:04}"), "name": format!("部署{n}（{}）", "記録".repeat(40))}))
        .timeout(Duration::from_secs(20))
        .send()
        .expect("the write answers")
}

#[test]
fn instances_starting_together_on_an_empty_database_all_come_up() {
    let database = TestDatabase::create();
    let settings = Settings::for_database(&database.url, database.dir.path().to_path_buf());
    let mut settings = settings;
    settings.admin_password = Some(ADMIN_PASSWORD.to_owned());
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let settings = settings.clone();
            std::thread::spawn(move || daicho::app::prepare(settings).map(|_| ()))
        })
        .collect();
    for start in starts {
        start
            .join()
            .unwrap()
            .expect("every instance comes up on the fresh database");
    }
    let mut conn = daicho::db::establish(&database.url).unwrap();
    use daicho::db::schema::users;
    use diesel::prelude::*;
    let admins: i64 = users::table
        .filter(users::username.eq("admin"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(admins, 1, "one first admin");
}

/// PostgreSQL reached through a relay the test can stall or take down, and
/// a signed-in admin. `None` on SQLite (no server to lose).
fn behind_relay() -> Option<(TestApp, Relay, String)> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let relay = Relay::start(&url);
    let app = TestApp::spawn_with(|s| s.database_url = relay.url(&s.database_url));
    assert_eq!(app.backend(), Backend::Postgres);
    let admin = app.admin();
    Some((app, relay, admin))
}

#[test]
fn a_stopped_or_frozen_database_answers_503_fast_and_service_resumes_by_itself() {
    let Some((app, relay, admin)) = behind_relay() else {
        eprintln!("PostgreSQL only: a SQLite file has no server to stop");
        return;
    };
    let me = |timeout: u64| {
        let start = Instant::now();
        let r = app
            .request(reqwest::Method::GET, "/api/v1/me", Some(&admin))
            .timeout(Duration::from_secs(timeout))
            .send()
            .expect("an answer, not a hang");
        (r, start.elapsed())
    };
    assert_eq!(me(5).0.status(), 200);
    assert_eq!(readyz(&app).0, 200);

    // Stopped: every connection cut, new ones refused.
    relay.down();
    for round in 0..3 {
        let (r, took) = me(20);
        eprintln!(
            "database stopped: /api/v1/me answered {} in {took:?}",
            r.status()
        );
        let error = assert_error(r, 503, "database_unavailable");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("データベース"),
            "a Japanese message: {error}"
        );
        assert!(took < PROMPT, "round {round}: {took:?}");
    }
    let write = new_department(&app, &admin, 1);
    assert_error(write, 503, "database_unavailable");
    let (status, took, _) = readyz(&app);
    eprintln!("database stopped: /readyz answered {status} in {took:?}");
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(3), "{took:?}");

    relay.resume();
    let back = eventually(Duration::from_secs(10), "service resumes", || {
        me(5).0.status() == 200
    });
    eprintln!("database back: service resumed after {back:?}");
    assert_eq!(readyz(&app).0, 200);

    // Frozen: packets stop, nothing is reset. A request in flight when it
    // froze and one that arrives later both answer 503, soon.
    let in_flight = {
        let client = app.client.clone();
        let url = app.url("/api/v1/me");
        let admin = admin.clone();
        relay.stall();
        std::thread::spawn(move || {
            let start = Instant::now();
            let r = client
                .get(url)
                .bearer_auth(admin)
                .timeout(Duration::from_secs(30))
                .send()
                .expect("an answer, not a hang");
            (r.status().as_u16(), start.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let (r, took) = me(30);
    eprintln!(
        "database frozen: /api/v1/me answered {} in {took:?}",
        r.status()
    );
    assert_error(r, 503, "database_unavailable");
    assert!(took < PROMPT, "{took:?}");
    let (status, took) = in_flight.join().unwrap();
    eprintln!("database frozen: a request in flight answered {status} in {took:?}");
    assert_eq!(status, 503);
    assert!(took < PROMPT, "{took:?}");
    let (status, took, _) = readyz(&app);
    eprintln!("database frozen: /readyz answered {status} in {took:?}");
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(3), "{took:?}");

    relay.resume();
    let back = eventually(Duration::from_secs(10), "service resumes", || {
        me(5).0.status() == 200
    });
    eprintln!("database thawed: service resumed after {back:?}");
    assert_eq!(new_department(&app, &admin, 2).status(), 201);
}

/// A small filesystem of its own (tmpfs), unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            let strict = std::env::var("DAICHO_REQUIRE_ALL_TESTS").is_ok_and(|v| v == "1");
            assert!(
                !strict,
                "mounting a small tmpfs needs root (DAICHO_REQUIRE_ALL_TESTS=1)"
            );
            eprintln!(
                "\n*** SKIPPED full-disk test: cannot mount a small tmpfs (needs root) ***\n"
            );
            return None;
        }
        Some(SmallDisk { dir })
    }

    /// Fills what is left with one file; returns its path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.dir.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let _ = file.write_all(&block[..512]);
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes until one is refused; that answer must be 503 `storage_unavailable`.
fn write_until_refused(app: &TestApp, admin: &str) {
    for n in 100..2100 {
        let r = new_department(app, admin, n);
        if r.status() != 201 {
            let error = assert_error(r, 503, "storage_unavailable");
            eprintln!("refused after {} writes: {error}", n - 100);
            return;
        }
    }
    panic!("2,000 writes went through on storage that should refuse them");
}

#[test]
fn storage_that_refuses_writes_answers_503_reports_not_ready_and_recovers() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        return read_only_postgres();
    }
    // SQLite on a full disk: a real filesystem that runs out of space.
    let Some(disk) = SmallDisk::mount(8) else {
        return;
    };
    let path = disk.dir.path().join("daicho.db").display().to_string();
    let app = TestApp::spawn_with(|s| s.database_url = path.clone());
    let admin = app.admin();
    assert_eq!(readyz(&app).0, 200);
    let filler = disk.fill();
    write_until_refused(&app, &admin);
    let (status, _, text) = readyz(&app);
    assert_eq!(
        (status, text.as_str()),
        (503, "storage unavailable: writes are refused")
    );
    // Reads still answer.
    assert_eq!(app.get("/api/v1/departments", &admin).status(), 200);

    std::fs::remove_file(filler).unwrap();
    eventually(Duration::from_secs(5), "ready once space returns", || {
        readyz(&app).0 == 200
    });
    assert_eq!(new_department(&app, &admin, 9000).status(), 201);
    drop(app);
    drop(disk);
}

/// PostgreSQL turned read-only (as a standby, or `default_transaction_read_only`).
fn read_only_postgres() {
    let app = TestApp::spawn();
    let admin = app.admin();
    assert_eq!(readyz(&app).0, 200);
    let set_read_only = |on: bool| {
        let mut conn = app.db();
        let value = if on { "on" } else { "off" };
        // One statement at a time: a batch is one transaction, begun read-only.
        conn.batch_execute("SET default_transaction_read_only = off")
            .unwrap();
        conn.batch_execute(&format!(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = {value}', current_database()); END $$"
        ))
        .unwrap();
        conn.batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .unwrap();
    };
    set_read_only(true);
    // Sessions the server ended are replaced; the new ones are read-only.
    let refused = eventually(Duration::from_secs(10), "a write is refused", || {
        let r = new_department(&app, &admin, 1);
        r.status() == 503 && crate::common::body(r)["error"]["code"] == "storage_unavailable"
    });
    eprintln!("read-only PostgreSQL: writes refused after {refused:?}");
    assert_error(new_department(&app, &admin, 2), 503, "storage_unavailable");
    let (status, _, text) = readyz(&app);
    assert_eq!(
        (status, text.as_str()),
        (503, "storage unavailable: writes are refused")
    );
    assert_eq!(app.get("/api/v1/departments", &admin).status(), 200);

    set_read_only(false);
    eventually(Duration::from_secs(10), "ready once writable", || {
        readyz(&app).0 == 200
    });
    eventually(Duration::from_secs(5), "writes go through again", || {
        new_department(&app, &admin, 3).status() == 201
    });
}
