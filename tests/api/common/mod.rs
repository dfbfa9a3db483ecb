//! The test harness: a running daicho, a client, and helpers to sign in.

#![allow(dead_code)]

pub mod browser;
pub mod certs;
mod database;
pub mod looks;
pub mod relay;
pub mod session;
pub mod tools;

pub use database::TestDatabase;

use daicho::config::{Settings, TlsFiles};
use daicho::db::{Backend, DbConn};
use reqwest::blocking::{Client, ClientBuilder, RequestBuilder, Response};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::thread::JoinHandle;

/// The first admin's password in every test app (after the forced first change).
pub const ADMIN_PASSWORD: &str = "Kanri-Passw0rd-2026";
/// What `DAICHO_ADMIN_PASSWORD` says in every test app: the first sign-in must change it.
pub const ADMIN_INITIAL_PASSWORD: &str = "Kanri-Shoki-Passw0rd-2026";
/// The password `TestApp::user` gives every user it creates (after their forced change).
pub const USER_PASSWORD: &str = "Shokuin-Passw0rd-2026";

pub struct TestApp {
    pub base: String,
    pub settings: Settings,
    pub client: Client,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<()>>,
    database: TestDatabase,
}

impl TestApp {
    pub fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {})
    }

    /// A running app whose admin has made the forced first change to [`ADMIN_PASSWORD`].
    pub fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        TestApp::start(TestDatabase::create(), adjust, None).admin_changed_password()
    }

    /// A running app as first started: the admin still has [`ADMIN_INITIAL_PASSWORD`].
    pub fn spawn_fresh_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        TestApp::start(TestDatabase::create(), adjust, None)
    }

    /// On a fresh database of the PostgreSQL server `server_url` names, whatever
    /// `TEST_DATABASE_URL` says.
    pub fn spawn_on_server(server_url: &str) -> TestApp {
        let dir = tempfile::tempdir().expect("a temp dir");
        TestApp::start(TestDatabase::on_server(server_url, dir), |_| {}, None)
            .admin_changed_password()
    }

    /// Serving HTTPS itself with `certs`; the app's client trusts their CA and nothing else.
    pub fn spawn_https(certs: &certs::TestCerts) -> TestApp {
        let files = TlsFiles {
            cert: certs.cert.clone(),
            key: certs.key.clone(),
        };
        TestApp::start(
            TestDatabase::create(),
            |s| s.tls = Some(files),
            Some(certs.client()),
        )
        .admin_changed_password()
    }

    /// The admin's forced first change, from the initial password to [`ADMIN_PASSWORD`].
    fn admin_changed_password(self) -> TestApp {
        if let Some(initial) = self.settings.admin_password.clone() {
            let token = self.login("admin", &initial);
            let changed = self.post(
                "/api/v1/auth/password",
                &token,
                &json!({"current_password": initial, "new_password": ADMIN_PASSWORD}),
            );
            assert_eq!(changed.status(), 204, "the admin's first password change");
        }
        self
    }

    fn start(
        database: TestDatabase,
        adjust: impl FnOnce(&mut Settings),
        client: Option<Client>,
    ) -> TestApp {
        let mut settings = Settings::for_database(&database.url, database.dir.path().to_path_buf());
        settings.admin_password = Some(ADMIN_INITIAL_PASSWORD.to_owned());
        adjust(&mut settings);
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let addr = listener.local_addr().unwrap();
        let scheme = if settings.tls.is_some() {
            settings.https = true;
            "https"
        } else {
            "http"
        };
        settings.public_url = format!("{scheme}://{addr}");
        let state = daicho::app::prepare(settings.clone()).expect("the app prepares");
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let server = daicho::app::server(state, listener).expect("the server starts");
                tx.send(server.handle()).unwrap();
                server.await.expect("the server runs");
            });
        });
        let handle = rx.recv().expect("the server reports its handle");
        let client = client.unwrap_or_else(|| {
            client_builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
        });
        TestApp {
            base: format!("{scheme}://{addr}"),
            settings,
            client,
            handle,
            thread: Some(thread),
            database,
        }
    }

    pub fn backend(&self) -> Backend {
        Backend::of(&self.database.url)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A direct connection, for looking behind the service's back.
    pub fn db(&self) -> DbConn {
        daicho::db::establish(&self.database.url).expect("a direct connection")
    }

    pub fn get(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .expect("GET answers")
    }

    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    pub fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .expect("POST answers")
    }

    pub fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .expect("PATCH answers")
    }

    pub fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .expect("PUT answers")
    }

    /// Signs in; returns the whole login answer.
    pub fn login_response(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .expect("login answers")
    }

    pub fn login(&self, username: &str, password: &str) -> String {
        let response = self.login_response(username, password);
        assert_eq!(response.status(), 200, "login of {username} succeeds");
        let body: Value = response.json().unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    pub fn admin(&self) -> String {
        self.login("admin", ADMIN_PASSWORD)
    }

    pub fn department(&self, admin: &str, code: &str, name: &str) -> i64 {
        let response = self.post(
            "/api/v1/departments",
            admin,
            &json!({ "code": code, "name": name }),
        );
        assert_eq!(response.status(), 201, "department {code} is created");
        response.json::<Value>().unwrap()["id"].as_i64().unwrap()
    }

    /// Creates a user with `roles`, does the forced first password change, and
    /// returns the user's id and a full-access token.
    pub fn user(
        &self,
        admin: &str,
        username: &str,
        roles: &[&str],
        department_id: Option<i64>,
    ) -> (i64, String) {
        let initial = "Shoki-Passw0rd-9999";
        let response = self.post(
            "/api/v1/users",
            admin,
            &json!({
                "username": username, "display_name": format!("{username} 氏名"), "password": initial,
                "roles": roles, "department_id": department_id,
            }),
        );
        assert_eq!(
            response.status(),
            201,
            "user {username} is created: {:?}",
            response.text()
        );
        let id = response.json::<Value>().unwrap()["id"].as_i64().unwrap();
        let limited = self.login(username, initial);
        let changed = self.post(
            "/api/v1/auth/password",
            &limited,
            &json!({ "current_password": initial, "new_password": USER_PASSWORD }),
        );
        assert_eq!(changed.status(), 204, "first password change");
        (id, self.login(username, USER_PASSWORD))
    }

    /// Every audit event, oldest first, read directly from the database.
    pub fn audit_actions(&self) -> Vec<String> {
        use daicho::db::schema::audit_events::dsl::*;
        use diesel::prelude::*;
        let mut conn = self.db();
        audit_events
            .order(seq.asc())
            .select(action)
            .load(&mut conn)
            .unwrap()
    }

    /// What someone with database access would do first before forging the log:
    /// get the append-only trigger out of the way. Returns the direct connection.
    pub fn disable_audit_guards(&self) -> DbConn {
        use diesel::connection::SimpleConnection;
        let mut conn = self.db();
        let sql = match self.backend() {
            Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
            Backend::Sqlite => {
                "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete"
            }
        };
        conn.batch_execute(sql).unwrap();
        conn
    }

    pub fn verify(&self, admin: &str) -> Value {
        let response = self.get("/api/v1/audit/verify", admin);
        assert_eq!(response.status(), 200);
        response.json().unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Every test's HTTP client starts here: reqwest's TLS (rustls) needs the process's crypto
/// provider chosen first; ring, the one daicho serves HTTPS with.
pub fn client_builder() -> ClientBuilder {
    // Err only when a provider is already installed: the same one, by this function.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
}

/// Reads a JSON body, failing the test with the body text when it is not JSON.
pub fn body(response: Response) -> Value {
    let status = response.status();
    let text = response.text().unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("status {status}: not JSON: {text}"))
}

/// Asserts a JSON error answer: the status and the stable `code`.
pub fn assert_error(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status for {code}");
    let value = body(response);
    assert_eq!(value["error"]["code"], code, "error code in {value}");
    assert!(
        value["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "a message in {value}"
    );
    value
}

/// Tries `attempt` until it holds, for at most `within`; how long it took.
pub fn eventually(
    within: std::time::Duration,
    what: &str,
    mut attempt: impl FnMut() -> bool,
) -> std::time::Duration {
    let start = std::time::Instant::now();
    loop {
        if attempt() {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "{what}: not seen within {within:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
