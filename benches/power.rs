//! Power (第6条): the coverage check over 500 key devices on 50 polled UPSes, recording
//! one poll (the poller's write per UPS and round), and drawing a day of readings as SVG.
//! SQLite always; PostgreSQL too when `TEST_DATABASE_URL` names a server.
//!
//! cargo bench --bench power

mod common;

use chrono::Duration;
use common::scratch::{ScratchDb, pg_server};
use criterion::{Criterion, criterion_group, criterion_main};
use daicho::db::schema::{departments, equipment, ups_units};
use daicho::db::{self, DbConn};
use daicho::power::nut::NutReading;
use daicho::power::{chart, service};
use diesel::prelude::*;

const UPSES: usize = 50;
const DEVICES: usize = 500;

fn fill(conn: &mut DbConn) -> Vec<(i64, String)> {
    let now = db::now();
    let dept: i64 = diesel::insert_into(departments::table)
        .values((
            departments::code.eq("BENCH"),
            departments::name.eq("ベンチ課"),
            departments::created_at.eq(now),
        ))
        .returning(departments::id)
        .get_result(conn)
        .unwrap();
    let device = |conn: &mut DbConn, tag: &str, kind: &str, key: bool, ups: Option<i64>| -> i64 {
        diesel::insert_into(equipment::table)
            .values((
                equipment::asset_tag.eq(tag),
                equipment::name.eq(tag),
                equipment::kind.eq(kind),
                equipment::key_equipment.eq(key),
                equipment::department_id.eq(dept),
                equipment::classification.eq("general"),
                equipment::status.eq("in_service"),
                equipment::ups_equipment_id.eq(ups),
                equipment::surge_protection.eq(Some("ups")),
                equipment::required_shutdown_min.eq(Some(10)),
                equipment::created_at.eq(now),
                equipment::updated_at.eq(now),
            ))
            .returning(equipment::id)
            .get_result(conn)
            .unwrap()
    };
    let mut upses = Vec::new();
    for u in 0..UPSES {
        let tag = format!("UPS-{u:03}");
        let id = device(conn, &tag, "ups", false, None);
        diesel::insert_into(ups_units::table)
            .values((
                ups_units::equipment_id.eq(id),
                ups_units::capacity_va.eq(1500),
                ups_units::rated_runtime_min.eq(15),
                ups_units::battery_replace_due
                    .eq(Some(now.date() + Duration::days(400 - u as i64 * 10))),
                ups_units::nut_host.eq(Some("127.0.0.1")),
                ups_units::nut_port.eq(Some(3493)),
                ups_units::nut_ups_name.eq(Some(format!("u{u}"))),
                ups_units::created_at.eq(now),
                ups_units::updated_at.eq(now),
            ))
            .execute(conn)
            .unwrap();
        upses.push((id, tag));
    }
    for d in 0..DEVICES {
        let ups = (d % 7 != 0).then(|| upses[d % UPSES].0);
        device(conn, &format!("SRV-{d:04}"), "server", true, ups);
    }
    upses
}

fn reading(i: u64) -> Result<NutReading, String> {
    Ok(NutReading {
        status: "OL".to_owned(),
        battery_charge: Some(100.0 - (i % 10) as f64),
        runtime_s: Some(1800),
        load: Some(35.0),
    })
}

fn bench_backend(c: &mut Criterion, label: &str, conn: &mut DbConn) {
    let upses = fill(conn);
    // A day of readings at 30 s for every UPS would be 144,000 rows; one per UPS is enough
    // for coverage (it reads only the latest), the poll bench adds more as it runs.
    for (id, tag) in &upses {
        service::record_poll(conn, *id, tag, &reading(0)).unwrap();
    }
    let today = service::today();
    let fresh = db::now() - Duration::minutes(5);
    c.bench_function(
        &format!("power coverage, {DEVICES} devices ({label})"),
        |b| {
            b.iter(|| {
                let rows = service::coverage(conn, today, fresh).unwrap();
                assert_eq!(rows.len(), DEVICES);
            })
        },
    );
    let mut i = 0u64;
    c.bench_function(&format!("power record one poll ({label})"), |b| {
        b.iter(|| {
            i += 1;
            let (id, tag) = &upses[(i as usize) % UPSES];
            service::record_poll(conn, *id, tag, &reading(i)).unwrap();
        })
    });
}

fn bench_chart(c: &mut Criterion) {
    let to = db::now();
    let from = to - Duration::hours(24);
    let points: Vec<_> = (0..2880)
        .map(|i| {
            let t = from + Duration::seconds(30 * i);
            let v = if i % 500 == 499 {
                None
            } else {
                Some((i % 100) as f64)
            };
            (t, v)
        })
        .collect();
    c.bench_function("power SVG chart, 2880 readings", |b| {
        b.iter(|| chart::line_chart("充電率", "%", from, to, 100.0, &points).len())
    });
}

fn benches(c: &mut Criterion) {
    bench_chart(c);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db").display().to_string();
    let pool = db::build_pool(&path, 1).unwrap();
    let mut conn = pool.get().unwrap();
    bench_backend(c, "SQLite", &mut conn);
    drop(conn);
    if let Some(server) = pg_server("TEST_DATABASE_URL") {
        let scratch = ScratchDb::create(
            &server,
            &format!("daicho_bench_power_{}", std::process::id()),
        );
        let pool = db::build_pool(&scratch.url, 1).unwrap();
        bench_backend(c, "PostgreSQL", &mut pool.get().unwrap());
    }
}

criterion_group!(power, benches);
criterion_main!(power);
