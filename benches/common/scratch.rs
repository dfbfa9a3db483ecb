//! Scratch databases for the benches: a PostgreSQL database made beside a
//! server URL's and dropped afterwards, and a migrated connection to it (or
//! to a SQLite file), so that every bench measures a database of its own.

use daicho::db::{self, DbConn};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// A PostgreSQL database made for the bench beside the server URL's, dropped on drop.
pub struct ScratchDb {
    server_url: String,
    name: String,
    pub url: String,
}

impl ScratchDb {
    pub fn create(server_url: &str, name: &str) -> ScratchDb {
        let mut admin =
            PgConnection::establish(server_url).expect("the PostgreSQL server connects");
        // One statement a call: several in one string run as one transaction, which these refuse.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("DROP DATABASE");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("CREATE DATABASE");
        let (base, query) = match server_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (server_url, String::new()),
        };
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let server = match base[scheme_end..].find('/') {
            Some(i) => &base[..scheme_end + i],
            None => base,
        };
        ScratchDb {
            server_url: server_url.to_owned(),
            name: name.to_owned(),
            url: format!("{server}/{name}{query}"),
        }
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.server_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl ScratchDb {
    /// A migrated connection to this database.
    pub fn connect(&self) -> DbConn {
        migrated(&self.url)
    }
}

/// A connection to `url` with every migration run.
pub fn migrated(url: &str) -> DbConn {
    let mut conn = db::establish(url).expect("the scratch database connects");
    db::run_migrations(&mut conn).expect("migrations");
    conn
}

/// The PostgreSQL server named by the environment variable `var`, if any.
pub fn pg_server(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .filter(|u| u.starts_with("postgres"))
}
