//! Gate checks per second and latency at 16 connections, beside a trivial
//! handler (`GET /healthz`) and the cheapest authenticated call (`GET /api/v1/me`)
//! measured in the same run on the same server; then the gate check again
//! while entries and exits are recorded every 50 ms (each one clears the
//! gate's memory, `src/db/changes.rs`).
//!
//!   cargo bench --bench access                      # SQLite temp file, 10 s per target
//!   BENCH_SECONDS=3 BENCH_CONNECTIONS=16 cargo bench --bench access
//!   BENCH_DATABASE_URL=postgres://… cargo bench --bench access   # an empty database
//!
//! The load generator is deliberately small: one thread per connection, each
//! writing HTTP/1.1 keep-alive requests on a plain TcpStream and reading the
//! answer, so the client costs little beside the server. Prints figures; never
//! fails on a timing.

#[path = "support/api.rs"]
mod support;

use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{Api, PASSWORD};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One raw HTTP/1.1 request, written once and sent again and again.
fn request_bytes(method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Vec<u8> {
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
fn read_response(reader: &mut BufReader<TcpStream>, body: &mut Vec<u8>) -> u16 {
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

struct Figures {
    requests: usize,
    errors: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn load(
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

fn print(name: &str, f: &Figures) {
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

fn main() {
    // `cargo test --benches` runs bench targets with `--bench`-less args; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let seconds = env_number("BENCH_SECONDS", 10);
    let connections = env_number("BENCH_CONNECTIONS", 16) as usize;
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| dir.path().join("bench.db").display().to_string());
    let mut settings = daicho::config::Settings::for_database(&url, dir.path().to_path_buf());
    settings.admin_password = Some(PASSWORD.to_owned());
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
        http: reqwest::blocking::Client::new(),
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

    // An admin, a department, a zone with its manager, a guard, and an approved visitor permit.
    let admin = api.login("admin", PASSWORD);
    let dept = api.post(
        "/api/v1/departments",
        Some(&admin),
        json!({"code": "JOHO", "name": "情報政策課"}),
    )["id"]
        .as_i64()
        .unwrap();
    let (manager_id, manager) = api.user(&admin, "kacho", &["security_manager"], dept);
    let (_, guard) = api.user(&admin, "keibi", &["guard"], dept);
    let (_, staff) = api.user(&admin, "hira", &["staff"], dept);
    let zone = api.post(
        "/api/v1/zones",
        Some(&admin),
        json!({"code": "SRV-ROOM", "name": "サーバ室", "department_id": dept, "manager_ids": [manager_id]}),
    )["id"]
        .as_i64()
        .unwrap();
    let approved_code = |name: &str| -> String {
        let now = chrono::Utc::now();
        let permit = api.post(
            "/api/v1/permits",
            Some(&staff),
            json!({"zone_id": zone, "visitor": {"name": name, "organization": "保守会社"},
                   "purpose": "保守", "valid_from": now.to_rfc3339(),
                   "valid_until": (now + chrono::TimeDelta::hours(8)).to_rfc3339()}),
        )["id"]
            .as_i64()
            .unwrap();
        api.post(
            &format!("/api/v1/permits/{permit}/approve"),
            Some(&manager),
            json!({}),
        )["code"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let code = approved_code("山田 太郎");

    let check_body = json!({"code": code, "zone_id": zone}).to_string();
    let check = request_bytes(
        "POST",
        "/api/v1/gate/check",
        Some(&guard),
        Some(&check_body),
    );
    let healthz = request_bytes("GET", "/healthz", None, None);
    let me = request_bytes("GET", "/api/v1/me", Some(&guard), None);
    println!(
        "access bench: {connections} connections, {seconds} s per target, {cores} cores, {} workers, {}",
        cores,
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    // Warm up both paths (connections, caches, the key registry).
    load(&addr, &check, connections, 1, |_| true);
    let trivial = load(&addr, &healthz, connections, seconds, |_| true);
    print("GET /healthz (trivial handler)", &trivial);
    // For scale: the cheapest authenticated call (a session check, no work).
    let session = load(&addr, &me, connections, seconds, |b| b.starts_with(b"{"));
    print("GET /api/v1/me (session only)", &session);
    let gate = load(&addr, &check, connections, seconds, |b| {
        b.windows(17).any(|w| w == b"\"verdict\":\"allow\"")
    });
    print("POST /api/v1/gate/check (allow)", &gate);
    println!(
        "gate check / trivial = {:.2} of the ceiling; p99 {:.2} ms (targets: >= 0.5, <= 5 ms)",
        gate.per_second / trivial.per_second,
        gate.p99.as_secs_f64() * 1e3
    );

    // A busy door: meanwhile someone enters and leaves every 50 ms (far more
    // than a machine room sees), and each of those writes makes the gate
    // forget what it remembered, so checks go back to the database.
    let passer = approved_code("佐藤 花子");
    let stop = AtomicBool::new(false);
    let (busy, writes) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut writes = 0;
            while !stop.load(Ordering::Relaxed) {
                api.post(
                    "/api/v1/gate/entries",
                    Some(&guard),
                    json!({"code": passer, "zone_id": zone, "id_checked": true, "id_document": "入館証"}),
                );
                api.post(
                    "/api/v1/gate/exits",
                    Some(&guard),
                    json!({"code": passer, "zone_id": zone, "carried_out": []}),
                );
                writes += 2;
                std::thread::sleep(Duration::from_millis(50));
            }
            writes
        });
        let figures = load(&addr, &check, connections, seconds, |b| {
            b.windows(17).any(|w| w == b"\"verdict\":\"allow\"")
        });
        stop.store(true, Ordering::Relaxed);
        (figures, writer.join().unwrap())
    });
    print("POST /api/v1/gate/check, busy door", &busy);
    println!(
        "busy door: {writes} entries and exits recorded meanwhile; {:.2} of the ceiling",
        busy.per_second / trivial.per_second
    );
}
