//! The register at scale: CSV import of 100,000 rows, and list/search p99 at
//! 1,000 versus 100,000 devices. Prints figures; never fails on a timing.
//!
//! `cargo bench --bench register` (SQLite databases in a temp dir); PostgreSQL too
//! when `BENCH_DATABASE_URL` (or else `TEST_DATABASE_URL`) names a server: each run
//! creates its own fresh databases beside the one named, and drops them after.

use daicho::audit;
use daicho::db::{self, DbConn};
use daicho::identity::model as identity_model;
use daicho::register::model::{self, EquipmentFilter, NewZone};
use daicho::register::service::{self, csv_io};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use std::time::{Duration, Instant};

const HEADER: &str = "資産番号,機器名,種別,主要機器,所管課コード,管理区域コード,建物,階,部屋,ラック,ユニット,メーカー,型番,製造番号,情報区分,状態,設置日,UPS資産番号,サージ保護,必要停止時間（分）,備考\r\n";

fn csv(n: usize) -> Vec<u8> {
    let kinds = ["server", "network", "storage", "terminal", "media"];
    let makers = ["富士通", "NEC", "日立", "ヤマハ", "アライドテレシス"];
    let mut text = String::with_capacity(n * 160);
    text.push_str(HEADER);
    for i in 0..n {
        text.push_str(&format!(
            "SRV-{i:06},{}系サーバ{i},{},{},JOHO,{},本庁舎,{},サーバ室,R{},{},{},MODEL-{},SN{:08},{},,2024-04-01,,ups,15,\r\n",
            ["基幹", "庁内", "住基", "税務"][i % 4],
            kinds[i % 5],
            if i % 3 == 0 { "はい" } else { "いいえ" },
            ["Z1", "Z2", "Z3", "Z4"][i % 4],
            i % 10,
            i % 40,
            i % 42,
            makers[i % 5],
            i % 97,
            i * 7 + 13,
            if i % 2 == 0 { "secret" } else { "general" },
        ));
    }
    text.into_bytes()
}

/// A fresh PostgreSQL database beside the one `server` names, dropped at the end.
struct PgDatabase {
    admin: PgConnection,
    name: String,
    url: String,
}

impl PgDatabase {
    fn create(server: &str, name: &str) -> PgDatabase {
        let name = format!("daicho_bench_reg_{}_{name}", std::process::id());
        let mut admin = PgConnection::establish(server).expect("PostgreSQL server");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let url = format!("{}/{name}", &server[..server.rfind('/').unwrap()]);
        PgDatabase { admin, name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = self
            .admin
            .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name));
    }
}

fn fresh(server: Option<&str>, dir: &std::path::Path, name: &str) -> (DbConn, Option<PgDatabase>) {
    let (url, pg) = match server {
        Some(server) => {
            let pg = PgDatabase::create(server, name);
            (pg.url.clone(), Some(pg))
        }
        None => (
            format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
            None,
        ),
    };
    let mut conn = db::establish(&url).expect("database");
    db::run_migrations(&mut conn).expect("migrations");
    let now = db::now();
    let dept = identity_model::insert_department(&mut conn, "JOHO", "情報政策課", now).unwrap();
    for code in ["Z1", "Z2", "Z3", "Z4"] {
        model::insert_zone(
            &mut conn,
            &NewZone {
                code,
                name: "サーバ室",
                department_id: dept.id,
                location: None,
                active: true,
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
    }
    (conn, pg)
}

fn p99(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[(samples.len() * 99 / 100).min(samples.len() - 1)]),
    )
}

fn searches() -> Vec<(&'static str, EquipmentFilter)> {
    let zone = |conn_zone: i64| EquipmentFilter {
        zone_id: Some(conn_zone),
        status: Some("in_service".into()),
        ..Default::default()
    };
    vec![
        ("list page 1", EquipmentFilter::default()),
        (
            "tag prefix SRV-0005",
            EquipmentFilter {
                q: Some("SRV-0005".into()),
                ..Default::default()
            },
        ),
        (
            "name 住基系サーバ77",
            EquipmentFilter {
                q: Some("住基系サーバ77".into()),
                ..Default::default()
            },
        ),
        (
            "serial SN0000",
            EquipmentFilter {
                q: Some("SN0000".into()),
                ..Default::default()
            },
        ),
        ("zone 2 + in_service", zone(2)),
        (
            "kind network + key",
            EquipmentFilter {
                kind: Some("network".into()),
                key_equipment: Some(true),
                ..Default::default()
            },
        ),
    ]
}

fn run(label: &str, url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    println!("== register benchmarks on {label} ==");
    let mut results = Vec::new();
    for n in [1_000usize, 100_000] {
        let (mut conn, _pg) = fresh(url, dir.path(), &format!("n{n}"));
        let bytes = csv(n);
        let started = Instant::now();
        let outcome = csv_io::import_equipment_as_system(&mut conn, &bytes, &mut |_, _| {})
            .unwrap_or_else(|e| panic!("{}", e.describe()));
        let took = started.elapsed();
        assert_eq!(outcome.created as usize, n);
        println!(
            "import {n:>7} rows: {:>8.2} s ({:.0} rows/s)",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64()
        );
        let started = Instant::now();
        let report = audit::verify(&mut conn).unwrap();
        assert!(report.ok, "the audit chain verifies after the import");
        println!(
            "audit verify {:>7} events: {:>5.2} s",
            report.events,
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let exported = csv_io::export_equipment(&mut conn, &EquipmentFilter::default()).unwrap();
        println!(
            "export {n:>7} rows: {:>8.2} s ({} bytes)",
            started.elapsed().as_secs_f64(),
            exported.len()
        );
        if n == 100_000 {
            let started = Instant::now();
            let again = csv_io::import_equipment_as_system(&mut conn, &exported, &mut |_, _| {})
                .unwrap_or_else(|e| panic!("{}", e.describe()));
            println!(
                "re-import {n} unchanged rows: {:.2} s ({} unchanged)",
                started.elapsed().as_secs_f64(),
                again.unchanged
            );
        }
        for (name, filter) in searches() {
            let mut samples = Vec::new();
            let mut total = 0;
            for i in 0..220 {
                let started = Instant::now();
                let (_, t) = service::list_equipment(&mut conn, &filter, 0, 50).unwrap();
                if i >= 20 {
                    samples.push(started.elapsed());
                }
                total = t;
            }
            let (median, p99) = p99(samples);
            results.push((name, n, median, p99, total));
        }
    }
    println!(
        "{:<24} {:>8} {:>10} {:>10} {:>8}",
        "search (50/page)", "rows", "median ms", "p99 ms", "matches"
    );
    for (name, n, median, p99, total) in &results {
        println!("{name:<24} {n:>8} {median:>10.2} {p99:>10.2} {total:>8}");
    }
    for (name, _, _, p99_small, _) in results.iter().filter(|r| r.1 == 1_000) {
        let big = results
            .iter()
            .find(|r| r.0 == *name && r.1 == 100_000)
            .unwrap()
            .3;
        println!(
            "{name:<24} p99 100k/1k = {:.2}x",
            big / p99_small.max(0.001)
        );
    }
}

fn main() {
    run("SQLite", None);
    let server = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .ok();
    if let Some(server) = server.filter(|s| db::Backend::of(s) == db::Backend::Postgres) {
        run("PostgreSQL", Some(&server));
    }
}
