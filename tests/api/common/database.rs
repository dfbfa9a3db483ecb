//! A fresh database per test: a SQLite file in a temp directory, or a new
//! PostgreSQL database beside `TEST_DATABASE_URL`'s (dropped afterwards).

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDatabase {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temp dir");
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            None => TestDatabase {
                url: dir.path().join("daicho.db").display().to_string(),
                dir,
                postgres: None,
            },
            Some(server_url) => TestDatabase::on_server(&server_url, dir),
        }
    }

    /// A fresh database on the PostgreSQL server `server_url` names (its query, such as
    /// `sslmode`, kept), dropped afterwards.
    pub fn on_server(server_url: &str, dir: tempfile::TempDir) -> TestDatabase {
        let name = format!(
            "daicho_t_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            rand::random::<u32>()
        );
        let mut admin = PgConnection::establish(server_url)
            .unwrap_or_else(|e| panic!("{server_url} connects: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("CREATE DATABASE");
        TestDatabase {
            url: with_database(server_url, &name),
            dir,
            postgres: Some((server_url.to_owned(), name)),
        }
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server_url, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(server_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}
