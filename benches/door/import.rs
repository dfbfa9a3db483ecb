//! A busy door during import: a real `daicho serve` (the release binary, a
//! child process) takes a 100,000-row CSV import through the API while a
//! guard records entries and exits and checks codes at the gate, back to
//! back. Prints the import's time, the gate's p99 and errors beside it, and
//! the server's peak memory (VmHWM). Then two imports at once, the same way.

use crate::common::{ADMIN_INITIAL_PASSWORD, Api};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    api: Api,
}

impl std::ops::Deref for Server {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(url: &str, dir: &std::path::Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_daicho"))
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("DAICHO_DATA_DIR", dir)
            .env("DAICHO_BIND", format!("127.0.0.1:{port}"))
            .env("DAICHO_ADMIN_PASSWORD", ADMIN_INITIAL_PASSWORD)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("daicho serve starts");
        let server = Server {
            child,
            api: Api {
                base: format!("http://127.0.0.1:{port}"),
                http: crate::common::client_builder()
                    .timeout(Duration::from_secs(600))
                    .build()
                    .unwrap(),
            },
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while server
            .http
            .get(format!("{}/readyz", server.base))
            .send()
            .map_or(true, |r| !r.status().is_success())
        {
            assert!(Instant::now() < deadline, "the server starts");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Peak resident memory of the server process so far, in MB.
    fn peak_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    fn import(&self, token: &str, bytes: Vec<u8>) -> (u16, Duration) {
        let started = Instant::now();
        let response = self
            .http
            .post(format!("{}/api/v1/equipment/import", self.base))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(bytes)
            .send()
            .expect("the import answers");
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        assert_eq!(status, 200, "the import: {text}");
        (status, started.elapsed())
    }
}

/// What the guard saw: latencies of one kind of call, and the answers that were not 2xx.
#[derive(Default)]
struct Door {
    times: Vec<Duration>,
    errors: Vec<u16>,
}

impl Door {
    fn line(&self, name: &str) -> String {
        let mut t = self.times.clone();
        t.sort_unstable();
        let at = |q: f64| {
            t.get(((t.len() as f64 * q) as usize).min(t.len().saturating_sub(1)))
                .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
        };
        format!(
            "{name:<28} {:>6} calls  p50 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms  errors {}{}",
            t.len(),
            at(0.5),
            at(0.99),
            t.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1e3),
            self.errors.len(),
            if self.errors.is_empty() {
                String::new()
            } else {
                format!(" {:?}", &self.errors[..self.errors.len().min(5)])
            }
        )
    }
}

/// Times one call; a non-2xx answer (or none) is an error.
fn timed(door: &mut Door, call: impl FnOnce() -> reqwest::Result<reqwest::blocking::Response>) {
    let started = Instant::now();
    let status = call().map_or(0, |r| r.status().as_u16());
    door.times.push(started.elapsed());
    if !(200..300).contains(&status) {
        door.errors.push(status);
    }
}

/// Runs `imports` at once (each with its own connection) while the guard works the door.
fn busy_door(
    server: &Server,
    guard: &str,
    operator: &str,
    zone: i64,
    code: &str,
    files: Vec<Vec<u8>>,
) {
    let stop = AtomicBool::new(false);
    let (entries, checks, imports) = std::thread::scope(|s| {
        let importers: Vec<_> = files
            .into_iter()
            .map(|bytes| s.spawn(|| server.import(operator, bytes)))
            .collect();
        let entries = s.spawn(|| {
            let mut door = Door::default();
            while !stop.load(Ordering::Relaxed) {
                for (path, body) in [
                    ("/api/v1/gate/entries", json!({"code": code, "zone_id": zone, "id_checked": true, "id_document": "入館証"})),
                    ("/api/v1/gate/exits", json!({"code": code, "zone_id": zone, "carried_out": []})),
                ] {
                    timed(&mut door, || {
                        server
                            .http
                            .post(format!("{}{path}", server.base))
                            .bearer_auth(guard)
                            .json(&body)
                            .send()
                    });
                }
            }
            door
        });
        let checks = s.spawn(|| {
            let mut door = Door::default();
            let body = json!({"code": code, "zone_id": zone});
            while !stop.load(Ordering::Relaxed) {
                timed(&mut door, || {
                    server
                        .http
                        .post(format!("{}/api/v1/gate/check", server.base))
                        .bearer_auth(guard)
                        .json(&body)
                        .send()
                });
                std::thread::sleep(Duration::from_millis(5));
            }
            door
        });
        let imports: Vec<Duration> = importers.into_iter().map(|h| h.join().unwrap().1).collect();
        stop.store(true, Ordering::Relaxed);
        (entries.join().unwrap(), checks.join().unwrap(), imports)
    });
    for (i, took) in imports.iter().enumerate() {
        println!("  import {}: {:.2} s", i + 1, took.as_secs_f64());
    }
    println!("  {}", entries.line("gate entries + exits"));
    println!("  {}", checks.line("gate checks"));
    println!(
        "  server peak memory (VmHWM) so far: {:.0} MB",
        server.peak_mb()
    );
}

/// The whole scene on one database: set-up, one import of `rows`, then two at once.
pub fn run(label: &str, url: &str, csv: fn(usize) -> Vec<u8>, rows: usize) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(url, dir.path());
    let admin = server.first_change("admin", ADMIN_INITIAL_PASSWORD);
    let dept = server.post(
        "/api/v1/departments",
        Some(&admin),
        json!({"code": "JOHO", "name": "情報政策課"}),
    )["id"]
        .as_i64()
        .unwrap();
    let (manager_id, manager) = server.user(&admin, "kacho", &["security_manager"], dept);
    let (_, guard) = server.user(&admin, "keibi", &["guard"], dept);
    let (_, staff) = server.user(&admin, "hira", &["staff"], dept);
    let (_, operator) = server.user(&admin, "unyo", &["operator"], dept);
    let mut zone = 0;
    for code in ["Z1", "Z2", "Z3", "Z4"] {
        zone = server.post(
            "/api/v1/zones",
            Some(&admin),
            json!({"code": code, "name": "サーバ室", "department_id": dept, "manager_ids": [manager_id]}),
        )["id"]
            .as_i64()
            .unwrap();
    }
    let now = chrono::Utc::now();
    let permit = server.post(
        "/api/v1/permits",
        Some(&staff),
        json!({"zone_id": zone, "visitor": {"name": "山田 太郎", "organization": "保守会社"},
               "purpose": "保守", "valid_from": now.to_rfc3339(),
               "valid_until": (now + chrono::TimeDelta::hours(8)).to_rfc3339()}),
    )["id"]
        .as_i64()
        .unwrap();
    let code = server.post(
        &format!("/api/v1/permits/{permit}/approve"),
        Some(&manager),
        json!({}),
    )["code"]
        .as_str()
        .unwrap()
        .to_owned();
    println!(
        "== busy door during import on {label} (release `daicho serve`, import through the API) =="
    );
    println!(
        "  server peak memory (VmHWM) before: {:.0} MB",
        server.peak_mb()
    );
    println!("one import of {rows} rows:");
    busy_door(&server, &guard, &operator, zone, &code, vec![csv(rows)]);
    let half = rows / 2;
    let other = |prefix: &str| {
        String::from_utf8(csv(half))
            .unwrap()
            .replace("SRV-", prefix)
            .into_bytes()
    };
    println!("two imports of {half} new rows each, at once:");
    busy_door(
        &server,
        &guard,
        &operator,
        zone,
        &code,
        vec![other("NET-"), other("STO-")],
    );
}
