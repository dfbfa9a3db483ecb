//! The register's searches read their indexes whatever the term (issue 18). The very
//! statements the service runs go through `EXPLAIN`: on PostgreSQL as a prepared statement
//! under `plan_cache_mode = force_generic_plan` (the plan a cached statement gets after a few
//! runs, made without seeing the term), on SQLite through `EXPLAIN QUERY PLAN`.

use super::{Fixture, fixture};
use crate::common::TestApp;
use daicho::db::{Backend, DbConn};
use daicho::register::model::{EquipmentFilter, SqlValue, matching_tags};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

const DEVICES: i64 = 5000;

/// A register of 5,000 devices with planner statistics; returns a zone's id.
fn register_with_devices(app: &TestApp, conn: &mut DbConn) -> i64 {
    let Fixture { dept, zone, .. } = fixture(app);
    let (numbers, tag, serial) = match conn.backend() {
        Backend::Postgres => (
            format!("SELECT i FROM generate_series(1, {DEVICES}) AS s(i)"),
            "'SRV-' || lpad(i::text, 6, '0')",
            "'SN' || lpad((i * 7)::text, 8, '0')",
        ),
        Backend::Sqlite => (
            format!(
                "SELECT i FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s \
                 WHERE i < {DEVICES}) SELECT i FROM s)"
            ),
            "printf('SRV-%06d', i)",
            "printf('SN%08d', i * 7)",
        ),
    };
    conn.batch_execute(&format!(
        "INSERT INTO equipment (asset_tag, name, kind, key_equipment, department_id, zone_id, \
         model, serial_number, classification, status, created_at, updated_at) \
         SELECT {tag}, '基幹系サーバ' || i, 'server', i % 3 = 0, {dept}, \
         CASE WHEN i % 4 = 0 THEN {zone} END, 'MODEL-' || (i % 97), {serial}, 'secret', \
         'in_service', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM ({numbers}) AS n; ANALYZE"
    ))
    .expect("devices inserted");
    zone
}

fn literal(value: &SqlValue) -> String {
    match value {
        SqlValue::Text(t) => format!("'{}'", t.replace('\'', "''")),
        SqlValue::Int(i) => i.to_string(),
        SqlValue::Bool(b) => b.to_string(),
    }
}

#[derive(QueryableByName)]
struct PgPlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

#[derive(QueryableByName)]
struct SqlitePlanLine {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// The plan of the statement that finds `filter`'s first page and its count.
fn plan(conn: &mut DbConn, filter: &EquipmentFilter) -> String {
    let backend = conn.backend();
    let (sql, values) = matching_tags(filter, backend, 1001).render(backend);
    match conn {
        DbConn::Pg(pg) => {
            pg.batch_execute(&format!(
                "SET plan_cache_mode = force_generic_plan; DEALLOCATE ALL; \
                 PREPARE search AS {sql}"
            ))
            .expect("the search prepares");
            let args: Vec<String> = values.iter().map(literal).collect();
            let lines: Vec<PgPlanLine> =
                diesel::sql_query(format!("EXPLAIN EXECUTE search({})", args.join(", ")))
                    .load(pg)
                    .expect("EXPLAIN EXECUTE");
            lines.into_iter().map(|l| l.line + "\n").collect()
        }
        DbConn::Sqlite(lite) => {
            let mut query = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).into_boxed();
            for value in values {
                query = match value {
                    SqlValue::Text(t) => query.bind::<Text, _>(t),
                    SqlValue::Int(i) => query.bind::<BigInt, _>(i),
                    SqlValue::Bool(b) => query.bind::<Bool, _>(b),
                };
            }
            let lines: Vec<SqlitePlanLine> = query.load(lite).expect("EXPLAIN QUERY PLAN");
            lines.into_iter().map(|l| l.detail + "\n").collect()
        }
    }
}

/// A plan step that walks a whole table or a whole index: on PostgreSQL a scan whose next
/// line is not an index or recheck condition (a `Seq Scan`, or an index read end to end in
/// tag order with a `Filter`); on SQLite a `SCAN` of the table rather than a `SEARCH`.
fn reads_everything(backend: Backend, plan: &str) -> bool {
    let lines: Vec<&str> = plan.lines().map(str::trim).collect();
    match backend {
        Backend::Postgres => lines.iter().enumerate().any(|(i, line)| {
            line.contains(" Scan ")
                && !lines.get(i + 1).is_some_and(|next| {
                    next.starts_with("Index Cond:") || next.starts_with("Recheck Cond:")
                })
        }),
        Backend::Sqlite => lines
            .iter()
            .any(|l| l.starts_with("SCAN equipment") && !l.starts_with("SCAN equipment_text")),
    }
}

fn search(q: &str) -> EquipmentFilter {
    EquipmentFilter {
        q: Some(q.into()),
        ..Default::default()
    }
}

#[test]
fn searches_use_their_indexes_under_any_plan() {
    let app = TestApp::spawn();
    let mut conn = app.db();
    let zone = register_with_devices(&app, &mut conn);
    let in_zone = EquipmentFilter {
        zone_id: Some(zone),
        ..Default::default()
    };
    let zone_search = EquipmentFilter {
        zone_id: Some(zone),
        ..search("SN0000")
    };
    for (name, filter) in [
        ("serial number", search("SN00003167")),
        ("name", search("副本バックアップ")),
        ("zone page", in_zone),
        ("zone and serial", zone_search),
    ] {
        let plan = plan(&mut conn, &filter);
        println!("{name}:\n{plan}");
        assert!(
            !reads_everything(app.backend(), &plan),
            "{name}: every row is read\n{plan}"
        );
    }
}
