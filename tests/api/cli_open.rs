//! Tools that cannot reassure falsely: every command but `serve` and
//! `migrate` opens an existing daicho database only (exit 2 otherwise,
//! creating nothing), and a backup is whole under its name or not there.

use crate::common::{TestApp, TestDatabase};
use std::path::Path;
use std::process::{Command, Output};

fn daicho(url: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_daicho"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("DAICHO_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// Every tool command, as run against a place with no daicho database.
const TOOLS: [&[&str]; 4] = [
    &["audit", "verify"],
    &["export", "equipment"],
    &["import", "equipment", "/nonexistent/kiki.csv"],
    &[
        "user",
        "add",
        "--username",
        "x",
        "--display-name",
        "x",
        "--role",
        "staff",
    ],
];

fn assert_no_database(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    assert!(
        stderr.contains("is not a daicho database"),
        "{what}: {stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("audit chain OK"),
        "{what}"
    );
}

#[test]
fn tools_refuse_a_place_without_a_daicho_database_and_create_nothing() {
    // SQLite: a file that is not there; PostgreSQL: a database without daicho's tables.
    let db = TestDatabase::create();
    for args in TOOLS {
        let out = daicho(&db.url, db.dir.path(), args);
        assert_no_database(&out, &args.join(" "));
    }
    match daicho::db::Backend::of(&db.url) {
        daicho::db::Backend::Sqlite => {
            assert!(!Path::new(&db.url).exists(), "no file was created");
            // An empty file (a copy cut short) and a SQLite file of something else.
            std::fs::write(&db.url, b"").unwrap();
            assert_no_database(&daicho(&db.url, db.dir.path(), TOOLS[0]), "empty file");
            std::fs::remove_file(&db.url).unwrap();
            let mut other = daicho::db::establish(&db.url).unwrap();
            use diesel::connection::SimpleConnection;
            other.batch_execute("CREATE TABLE notes (x TEXT)").unwrap();
            drop(other);
            assert_no_database(&daicho(&db.url, db.dir.path(), TOOLS[0]), "other SQLite");
            std::fs::write(&db.url, b"not a database at all, just text").unwrap();
            assert_no_database(&daicho(&db.url, db.dir.path(), TOOLS[0]), "text file");
            std::fs::remove_file(&db.url).unwrap();
        }
        daicho::db::Backend::Postgres => {
            let out = daicho(&db.url, db.dir.path(), TOOLS[0]);
            assert_no_database(&out, "again");
            use diesel::prelude::*;
            let mut conn = daicho::db::establish(&db.url).unwrap();
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let tables = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'",
            )
            .get_result::<N>(&mut conn)
            .unwrap();
            assert_eq!(tables.n, 0, "no migration ran");
        }
    }
    // `migrate` still creates one, and then the tools open it.
    let migrate = daicho(&db.url, db.dir.path(), &["migrate"]);
    assert!(migrate.status.success());
    let verify = daicho(&db.url, db.dir.path(), TOOLS[0]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn a_backup_killed_part_way_leaves_nothing_under_its_name() {
    let app = TestApp::spawn();
    if app.backend() != daicho::db::Backend::Sqlite {
        eprintln!("backup: PostgreSQL is backed up with pg_dump; tested in the SQLite pass");
        return;
    }
    // Enough data that the copy takes a while to write.
    use diesel::connection::SimpleConnection;
    app.db()
        .batch_execute(
            "CREATE TABLE ballast AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) \
             SELECT randomblob(500000) AS b FROM n",
        )
        .unwrap();
    let target = tempfile::tempdir().unwrap();
    let path = target.path().join("copy.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_daicho"))
        .args(["backup", path.to_str().unwrap()])
        .env("DATABASE_URL", &app.settings.database_url)
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    // Kill it as soon as its copy has begun to be written.
    let started = std::time::Instant::now();
    let mut seen = false;
    while started.elapsed() < std::time::Duration::from_secs(20) {
        let sizes: u64 = std::fs::read_dir(target.path())
            .unwrap()
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        if sizes > 0 {
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(seen, "the copy began to be written");
    assert!(
        !status.success(),
        "the backup was killed before it finished"
    );
    assert!(
        !path.exists(),
        "nothing under the final name: {:?}",
        std::fs::read_dir(target.path())
            .unwrap()
            .collect::<Vec<_>>()
    );
    let verify = daicho(path.to_str().unwrap(), target.path(), &["audit", "verify"]);
    assert_no_database(&verify, "verify of the missing copy");
    assert!(!path.exists(), "verify created nothing");
    let left: Vec<String> = std::fs::read_dir(target.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter().any(|name| name.starts_with("copy.db.partial-")),
        "the partial copy is left in plain sight: {left:?}"
    );
    // Run to its end, the same backup verifies.
    let whole = daicho(
        &app.settings.database_url,
        target.path(),
        &["backup", path.to_str().unwrap()],
    );
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let verify = daicho(path.to_str().unwrap(), target.path(), &["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}
