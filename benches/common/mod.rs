//! What the HTTP benches share: the app served on a loopback port, a small JSON client for
//! setting up, and a deliberately small load generator — one thread per connection, each
//! writing HTTP/1.1 keep-alive requests on a plain TcpStream and reading the answer, so the
//! client costs little beside the server. Each bench uses part of it.
#![allow(dead_code)]

pub mod scratch;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Bench-Passw0rd-2026";
/// `DAICHO_ADMIN_PASSWORD`: changed to [`PASSWORD`] at the first sign-in, as it must be.
pub const ADMIN_INITIAL_PASSWORD: &str = "Bench-Shoki-Passw0rd-2026";

pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Serves the app on the database at `url` (keys in `dir`), one worker per core, the admin's
/// password [`PASSWORD`]; returns its address once it answers.
pub fn serve(url: &str, dir: &Path) -> (String, Api) {
    let mut settings = daicho::config::Settings::for_database(url, dir.to_path_buf());
    settings.admin_password = Some(ADMIN_INITIAL_PASSWORD.to_owned());
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    settings.workers = cores;
    settings.pool_size = (cores * 4) as u32;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let state = daicho::app::prepare(settings).expect("the app prepares");
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            daicho::app::server(state, listener).unwrap().await.unwrap();
        })
    });
    let api = Api {
        base: format!("http://{addr}"),
        http: client_builder().build().unwrap(),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while api
        .http
        .get(format!("{}/healthz", api.base))
        .send()
        .is_err()
    {
        assert!(Instant::now() < deadline, "the server starts");
        std::thread::sleep(Duration::from_millis(50));
    }
    // On a new database the admin still has the initial password: make the forced change.
    let first = api
        .http
        .post(format!("{}/api/v1/auth/login", api.base))
        .json(&json!({"username": "admin", "password": ADMIN_INITIAL_PASSWORD}))
        .send()
        .unwrap();
    if first.status().is_success() {
        api.first_change("admin", ADMIN_INITIAL_PASSWORD);
    }
    (addr, api)
}

/// A client builder with the process's TLS crypto provider chosen first (reqwest's rustls
/// needs it before a client is built).
pub fn client_builder() -> reqwest::blocking::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
}

pub struct Api {
    pub base: String,
    pub http: reqwest::blocking::Client,
}

impl Api {
    pub fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().expect("the server answers");
        let status = response.status();
        let value: Value = response.json().unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {value}");
        value
    }

    pub fn login(&self, username: &str, password: &str) -> String {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({"username": username, "password": password}),
        )["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn user(&self, admin: &str, username: &str, roles: &[&str], dept: i64) -> (i64, String) {
        let initial = "Shoki-Passw0rd-9999";
        let id = self.post(
            "/api/v1/users",
            Some(admin),
            json!({"username": username, "display_name": username, "password": initial,
                   "roles": roles, "department_id": dept}),
        )["id"]
            .as_i64()
            .unwrap();
        (id, self.first_change(username, initial))
    }

    /// The forced first change from `initial` to [`PASSWORD`]; a full token.
    pub fn first_change(&self, username: &str, initial: &str) -> String {
        let limited = self.login(username, initial);
        let response = self
            .http
            .post(format!("{}/api/v1/auth/password", self.base))
            .bearer_auth(&limited)
            .json(&json!({"current_password": initial, "new_password": PASSWORD}))
            .send()
            .unwrap();
        assert_eq!(response.status(), 204);
        self.login(username, PASSWORD)
    }
}

/// One raw HTTP/1.1 request, written once and sent again and again.
pub fn request_bytes(method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n");
    if let Some(t) = token {
        text.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(b) = body {
        text.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        ));
    } else {
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// Reads one response; returns its status.
pub fn read_response(reader: &mut BufReader<TcpStream>, body: &mut Vec<u8>) -> u16 {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a status line");
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).expect("a header");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    body.resize(length, 0);
    reader.read_exact(body).expect("the body");
    status
}

pub struct Figures {
    pub requests: usize,
    pub errors: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

pub fn load(
    addr: &str,
    request: &[u8],
    connections: usize,
    seconds: u64,
    check: fn(&[u8]) -> bool,
) -> Figures {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let results: Vec<(Vec<Duration>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..connections)
            .map(|_| {
                s.spawn(|| {
                    let stream = TcpStream::connect(addr).expect("connect");
                    stream.set_nodelay(true).unwrap();
                    let mut writer = stream.try_clone().unwrap();
                    let mut reader = BufReader::new(stream);
                    let mut body = Vec::new();
                    let mut latencies = Vec::with_capacity(100_000);
                    let mut errors = 0;
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        writer.write_all(request).expect("write");
                        let status = read_response(&mut reader, &mut body);
                        latencies.push(t.elapsed());
                        if status != 200 || !check(&body) {
                            errors += 1;
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let errors = results.iter().map(|r| r.1).sum();
    let mut all: Vec<Duration> = results.into_iter().flat_map(|r| r.0).collect();
    all.sort_unstable();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Figures {
        requests: all.len(),
        errors,
        per_second: all.len() as f64 / elapsed,
        p50: at(0.50),
        p99: at(0.99),
        max: *all.last().unwrap(),
    }
}

pub fn print(name: &str, f: &Figures) {
    println!(
        "{name:<34} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  ({} requests, {} errors)",
        f.per_second,
        f.p50.as_secs_f64() * 1e3,
        f.p99.as_secs_f64() * 1e3,
        f.max.as_secs_f64() * 1e3,
        f.requests,
        f.errors
    );
}
