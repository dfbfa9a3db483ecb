//! TLS to PostgreSQL (第7条 names interception of cabling): daicho against a PostgreSQL
//! server of the test's own with `ssl=on`, a certificate from a CA the test made, and a
//! `pg_hba.conf` that refuses every unencrypted TCP connection.

use crate::common::TestApp;
use crate::common::certs::TestCerts;
use crate::common::tools;
use daicho::db::changes::WATCH_NAME;
use daicho::db::transport::{Transport, transport};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A PostgreSQL server in a temp directory, stopped on drop.
struct TlsPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    certs: TestCerts,
    /// Root may not run PostgreSQL: then every server command runs as `postgres`.
    as_postgres: bool,
    dir: tempfile::TempDir,
}

impl TlsPostgres {
    /// `None` (after a loud SKIPPED line) when PostgreSQL's server programs are not installed.
    fn start(test: &str) -> Option<TlsPostgres> {
        let mut candidates: Vec<String> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|versions| {
                versions
                    .flatten()
                    .map(|v| v.path().join("bin/initdb").display().to_string())
                    .collect()
            })
            .unwrap_or_default();
        candidates.sort_by_key(|path| std::cmp::Reverse(version_of(path)));
        let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
        let initdb = tools::require("initdb", &candidates, test)?;
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = std::fs::metadata("/proc/self").unwrap().uid() == 0;
        let server = TlsPostgres {
            bin: initdb.parent().unwrap().to_path_buf(),
            data: dir.path().join("data"),
            port: free_port(),
            certs: TestCerts::issue(dir.path(), "pg"),
            as_postgres,
            dir,
        };
        if as_postgres {
            let owned = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(server.dir.path())
                .status()
                .unwrap();
            assert!(owned.success(), "chown to postgres");
        }
        server.run(
            "initdb",
            &[
                "-D",
                server.data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "--locale=C",
                "-E",
                "UTF8",
            ],
        );
        // TLS or nothing over TCP, so a connection that works at all is encrypted.
        std::fs::write(
            server.data.join("pg_hba.conf"),
            "local all all trust\n\
             hostssl all all 127.0.0.1/32 trust\n\
             hostnossl all all 0.0.0.0/0 reject\n",
        )
        .unwrap();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file={} \
             -c ssl_key_file={} -c fsync=off",
            server.port,
            server.dir.path().display(),
            server.certs.cert.display(),
            server.certs.key.display(),
        );
        let log = server.dir.path().join("server.log");
        server.run(
            "pg_ctl",
            &[
                "-D",
                server.data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        Some(server)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = command.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{} {args:?}: {}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
    }

    /// A `DATABASE_URL` for this server's `postgres` database, with `query` (libpq's parameters).
    fn url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres?{query}", self.port)
    }

    /// The strictest setting: the certificate checked against our CA and the host name.
    fn verify_full(&self, ca: &Path) -> String {
        self.url(
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
        )
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let data = self.data.to_str().unwrap().to_owned();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}

/// `/usr/lib/postgresql/15/bin/initdb` → 15, so the newest server is tried first.
fn version_of(path: &str) -> u32 {
    path.split('/')
        .nth(4)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[derive(QueryableByName, Debug)]
struct Sessions {
    #[diesel(sql_type = BigInt)]
    connections: i64,
    #[diesel(sql_type = BigInt)]
    encrypted: i64,
    #[diesel(sql_type = Nullable<Text>)]
    version: Option<String>,
    #[diesel(sql_type = BigInt)]
    watch_encrypted: i64,
}

#[test]
fn daicho_works_over_verified_tls_and_every_connection_is_encrypted() {
    let Some(pg) = TlsPostgres::start("transport::postgres_tls (verify-full)") else {
        return;
    };
    let app = TestApp::spawn_on_server(&pg.verify_full(&pg.certs.ca));
    let admin = app.admin();
    assert_eq!(app.get("/api/v1/me", &admin).status(), 200);

    // What the server says of daicho's connections: its pool and its change watch.
    let mut conn = app.db();
    let query = format!(
        "SELECT count(*) AS connections, count(*) FILTER (WHERE s.ssl) AS encrypted, \
                min(s.version) AS version, \
                count(*) FILTER (WHERE a.application_name = '{WATCH_NAME}' AND s.ssl) \
                    AS watch_encrypted \
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
         WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
    );
    // The change watch connects on its own thread: give it a moment.
    let deadline = Instant::now() + Duration::from_secs(20);
    let sessions = loop {
        let sessions: Sessions = diesel::sql_query(&query).get_result(&mut conn).unwrap();
        if sessions.watch_encrypted == 1 || Instant::now() > deadline {
            break sessions;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(sessions.connections >= 2, "{sessions:?}");
    assert_eq!(sessions.encrypted, sessions.connections, "{sessions:?}");
    assert_eq!(
        sessions.watch_encrypted, 1,
        "the change watch: {sessions:?}"
    );
    assert!(
        sessions
            .version
            .as_deref()
            .is_some_and(|v| v.starts_with("TLSv1.")),
        "{sessions:?}"
    );
    // And daicho's own reading of it (logged at start).
    match transport(&mut conn).unwrap() {
        Transport::Tls { version } => assert!(version.starts_with("TLSv1."), "{version}"),
        other => panic!("not encrypted: {other:?}"),
    }
}

#[test]
fn tls_settings_are_honoured_and_checked() {
    let Some(pg) = TlsPostgres::start("transport::postgres_tls (sslmode)") else {
        return;
    };
    // require: encrypted, the certificate not checked.
    let mut conn = daicho::db::establish(&pg.url("127.0.0.1", "sslmode=require"))
        .expect("sslmode=require connects");
    assert!(matches!(
        transport(&mut conn).unwrap(),
        Transport::Tls { .. }
    ));

    // verify-full against another authority: refused, with libpq's reason.
    let stranger = TestCerts::issue(pg.dir.path(), "stranger");
    let err = daicho::db::establish(&pg.verify_full(&stranger.ca))
        .err()
        .expect("a certificate from another CA is refused");
    assert!(err.contains("certificate verify failed"), "{err}");

    // verify-full to a name the certificate does not carry: refused.
    let err = daicho::db::establish(&pg.url(
        "wrong.example",
        &format!(
            "hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}",
            pg.certs.ca.display()
        ),
    ))
    .err()
    .expect("a certificate for another name is refused");
    assert!(err.contains("wrong.example"), "{err}");

    // disable: this server refuses plain TCP, so everything above went over TLS.
    let err = daicho::db::establish(&pg.url("127.0.0.1", "sslmode=disable"))
        .err()
        .expect("plain TCP is refused");
    assert!(err.contains("no encryption"), "{err}");
}
