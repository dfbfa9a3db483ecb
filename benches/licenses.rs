//! License compliance over a ward-sized estate: 2,000 devices, 100 products,
//! 200 licenses, 6,000 installations (a quarter without permission); and recording
//! one installation (which also re-checks the product's seats). SQLite always;
//! PostgreSQL too when `TEST_DATABASE_URL` names a server.
//!
//! cargo bench --bench licenses

mod common;

use chrono::NaiveDate;
use common::scratch::{ScratchDb, migrated, pg_server};
use criterion::{Criterion, criterion_group, criterion_main};
use daicho::db::schema::{
    departments, equipment, install_requests, installations, licenses, software, users,
};
use daicho::db::{self, DbConn};
use daicho::identity::{Principal, Role};
use daicho::licenses::service::{self, InstallationInput};
use diesel::prelude::*;

const DEVICES: i64 = 2_000;
const PRODUCTS: i64 = 100;

fn seed(conn: &mut DbConn) -> Principal {
    let now = db::now();
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        let dept: i64 = diesel::insert_into(departments::table)
            .values((
                departments::code.eq("JOHO"),
                departments::name.eq("情報政策課"),
                departments::created_at.eq(now),
            ))
            .returning(departments::id)
            .get_result(conn)?;
        let user: i64 = diesel::insert_into(users::table)
            .values((
                users::username.eq("bench"),
                users::display_name.eq("bench"),
                users::password_hash.eq("x"),
                users::department_id.eq(Some(dept)),
                users::active.eq(true),
                users::must_change_password.eq(false),
                users::password_changed_at.eq(now),
                users::failed_logins.eq(0),
                users::session_version.eq(0),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .returning(users::id)
            .get_result(conn)?;
        let mut devices = vec![];
        for i in 0..DEVICES {
            devices.push(
                diesel::insert_into(equipment::table)
                    .values((
                        equipment::asset_tag.eq(format!("PC-{i:05}")),
                        equipment::name.eq("端末"),
                        equipment::kind.eq("terminal"),
                        equipment::key_equipment.eq(false),
                        equipment::department_id.eq(dept),
                        equipment::classification.eq("general"),
                        equipment::status.eq(if i % 50 == 0 {
                            "disposed"
                        } else {
                            "in_service"
                        }),
                        equipment::created_at.eq(now),
                        equipment::updated_at.eq(now),
                    ))
                    .returning(equipment::id)
                    .get_result::<i64>(conn)?,
            );
        }
        for p in 0..PRODUCTS {
            let sw: i64 = diesel::insert_into(software::table)
                .values((
                    software::name.eq(format!("製品{p}")),
                    software::vendor.eq("ベンダー"),
                    software::created_at.eq(now),
                ))
                .returning(software::id)
                .get_result(conn)?;
            for l in 0..2 {
                diesel::insert_into(licenses::table)
                    .values((
                        licenses::software_id.eq(sw),
                        licenses::kind.eq("device"),
                        licenses::seats.eq(Some(30)),
                        licenses::valid_until.eq(NaiveDate::from_ymd_opt(2026 + l, 3, 31)),
                        licenses::department_id.eq(dept),
                        licenses::created_by.eq(user),
                        licenses::created_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            for k in 0..60 {
                let device = devices[((p * 60 + k) % DEVICES) as usize];
                let request = if k % 4 == 0 {
                    None
                } else {
                    Some(
                        diesel::insert_into(install_requests::table)
                            .values((
                                install_requests::equipment_id.eq(device),
                                install_requests::software_id.eq(sw),
                                install_requests::version.eq("1"),
                                install_requests::change_kind.eq("new"),
                                install_requests::reason.eq("業務"),
                                install_requests::state.eq("approved"),
                                install_requests::requested_by.eq(user),
                                install_requests::requested_at.eq(now),
                            ))
                            .returning(install_requests::id)
                            .get_result::<i64>(conn)?,
                    )
                };
                diesel::insert_into(installations::table)
                    .values((
                        installations::equipment_id.eq(device),
                        installations::software_id.eq(sw),
                        installations::version.eq("1"),
                        installations::install_request_id.eq(request),
                        installations::recorded_by.eq(user),
                        installations::recorded_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(Principal {
            id: user,
            username: "bench".into(),
            display_name: "bench".into(),
            roles: vec![Role::Admin],
            department_id: Some(dept),
        })
    })
    .expect("seed")
}

fn bench_backend(c: &mut Criterion, label: &str, conn: &mut DbConn) {
    let who = seed(conn);
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let report = service::compliance(conn, &who, today).unwrap();
    let over = report.items.iter().filter(|r| r.over_by > 0).count();
    println!("{label}: {} products, {over} over-used", report.items.len());
    let mut group = c.benchmark_group(format!("licenses ({label})"));
    group.sample_size(20);
    group.bench_function("compliance, 100 products / 6,000 installs", |b| {
        b.iter(|| service::compliance(conn, &who, today).unwrap())
    });
    let mut i = 0;
    group.bench_function("record one installation", |b| {
        b.iter(|| {
            i += 1;
            service::record_installation(
                conn,
                &who,
                &InstallationInput {
                    asset_tag: format!("PC-{:05}", 1 + (i % 38) * 41),
                    software_id: 1 + (i % PRODUCTS),
                    version: format!("{i}"),
                    install_request_id: None,
                    installed_on: None,
                },
            )
            .unwrap()
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut lite = migrated(dir.path().join("bench.db").to_str().unwrap());
    bench_backend(c, "SQLite", &mut lite);

    if let Some(server) = pg_server("TEST_DATABASE_URL") {
        let scratch = ScratchDb::create(
            &server,
            &format!("daicho_bench_licenses_{}", std::process::id()),
        );
        bench_backend(c, "PostgreSQL", &mut scratch.connect());
    }
}

criterion_group!(licenses_benches, benches);
criterion_main!(licenses_benches);
