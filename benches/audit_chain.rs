//! Audit chain: appending an event (one write transaction each, as every change
//! does) and verifying a chain of 10,000 events. SQLite always; PostgreSQL too
//! when `TEST_DATABASE_URL` names a server (a scratch database is created beside it).
//!
//! cargo bench --bench audit_chain

mod common;

use common::scratch::{ScratchDb, migrated, pg_server};
use criterion::{Criterion, criterion_group, criterion_main};
use daicho::audit::{self, Actor};
use daicho::db::{self, DbConn};
use serde_json::json;

fn append(conn: &mut DbConn, actor: &Actor, i: u64) {
    db::write_tx(conn, |conn| {
        audit::record(
            conn,
            actor,
            "bench.append",
            "bench",
            &i.to_string(),
            json!({ "i": i, "note": "ベンチマーク" }),
        )
    })
    .expect("append");
}

fn fill(conn: &mut DbConn, n: u64) {
    let actor = Actor::system("bench");
    for i in 0..n {
        append(conn, &actor, i);
    }
}

fn bench_backend(c: &mut Criterion, label: &str, conn: &mut DbConn) {
    let actor = Actor::system("bench");
    let mut i = 0;
    c.bench_function(&format!("audit append ({label})"), |b| {
        b.iter(|| {
            i += 1;
            append(conn, &actor, i);
        })
    });
    let (seq, _) = audit::model::head(conn).unwrap();
    if seq < 10_000 {
        fill(conn, 10_000 - seq as u64);
    }
    let mut group = c.benchmark_group(format!("audit verify ({label})"));
    group.sample_size(10);
    group.bench_function("10k events", |b| {
        b.iter(|| {
            let report = audit::verify(conn).unwrap();
            assert!(report.ok);
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
            &format!("daicho_bench_audit_{}", std::process::id()),
        );
        bench_backend(c, "PostgreSQL", &mut scratch.connect());
    }
}

criterion_group!(audit_benches, benches);
criterion_main!(audit_benches);
