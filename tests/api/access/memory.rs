//! The gate answers repeated checks from memory (`src/db/changes.rs`). These
//! tests show that the memory never outlives a change, wherever it is made:
//! through this instance, through another instance on the same database, or
//! by hand in SQL. (Two instances in one test process also share the
//! process's change generation; the hand-made SQL is what only the change
//! watch can see: PostgreSQL's notices, SQLite's data version.)

use super::{approved, check, enter, gate, visitor_request};
use crate::common::relay::Relay;
use crate::common::{TestApp, assert_error, body, eventually};
use daicho::db::Backend;
use daicho::db::changes::WATCH_NAME;
use daicho::db::schema::{permits, users};
use diesel::prelude::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// `/metrics`: how many checks were answered from memory and from the database.
fn answered(app: &TestApp) -> (u64, u64) {
    let text = metrics(app);
    let count = |label: &str| {
        let prefix = format!("daicho_gate_checks_total{{answered=\"{label}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .map_or(0, |v| v.trim().parse().unwrap())
    };
    assert!(text.contains("daicho_change_watch_up 1"), "{text}");
    (count("memory"), count("database"))
}

#[test]
fn a_change_made_here_reaches_the_very_next_check() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let zone = g.f.zone;
    let (id, code) = approved(&app, &g, &g.staff, &visitor_request(zone, 0, 2));
    let first = check(&app, &g, &code, zone);
    // Any commit clears the memory: this instance's own (again when the watch
    // sees them a moment later) and, in a test process, other tests' apps'
    // too. So repeat until a few checks were answered from memory.
    let mut repeats = 0;
    while answered(&app).0 < 3 {
        assert_eq!(check(&app, &g, &code, zone), first, "a repeated check");
        repeats += 1;
        assert!(
            repeats < 200,
            "never answered from memory: {:?}",
            answered(&app)
        );
    }
    assert!(answered(&app).1 >= 1, "the first check read the database");
    assert_eq!(first["verdict"], "allow");
    assert_eq!(first["inside"], false);

    assert_eq!(enter(&app, &g, &code, zone).status(), 201);
    let inside = check(&app, &g, &code, zone);
    assert_eq!(inside["inside"], true, "the entry, at once: {inside}");
    assert_eq!(inside["reason_code"], "already_inside");

    let revoked = app.post(
        &format!("/api/v1/permits/{id}/revoke"),
        &g.f.manager,
        &json!({}),
    );
    assert_eq!(revoked.status(), 200, "{:?}", revoked.text());
    let after = check(&app, &g, &code, zone);
    assert_eq!(after["reason_code"], "revoked", "the revocation, at once");
    assert_eq!(after["permit"]["state"], "revoked");
}

#[test]
fn another_instance_and_hand_made_sql_reach_the_gate_too() {
    let a = TestApp::spawn();
    let g = gate(&a);
    let zone = g.f.zone;
    // A second instance on the same database and keys, as a ward runs them
    // behind a load balancer.
    let b = TestApp::spawn_fresh_with(|s| {
        s.database_url = a.settings.database_url.clone();
        s.data_dir = a.settings.data_dir.clone();
    });
    let (id, code) = approved(&a, &g, &g.staff, &visitor_request(zone, 0, 2));
    for _ in 0..3 {
        assert_eq!(check(&b, &g, &code, zone)["verdict"], "allow");
    }

    let revoked = a.post(
        &format!("/api/v1/permits/{id}/revoke"),
        &g.f.manager,
        &json!({}),
    );
    assert_eq!(revoked.status(), 200, "{:?}", revoked.text());
    let took = eventually(Duration::from_secs(3), "a revocation in A, at B", || {
        check(&b, &g, &code, zone)["reason_code"] == "revoked"
    });
    eprintln!("B saw A's revocation after {took:?}");

    // A statement typed into the database by hand: the guard is switched off.
    let (_, code2) = approved(&a, &g, &g.staff, &visitor_request(zone, 0, 2));
    assert_eq!(check(&b, &g, &code2, zone)["verdict"], "allow");
    // Past the watch's own late notice of the approval: B remembers again.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(check(&b, &g, &code2, zone)["verdict"], "allow");
    diesel::update(users::table.find(g.guard_id))
        .set(users::active.eq(false))
        .execute(&mut a.db())
        .unwrap();
    let ask = |app: &TestApp| {
        app.post(
            "/api/v1/gate/check",
            &g.guard,
            &json!({"code": code2, "zone_id": zone}),
        )
    };
    let took = eventually(
        Duration::from_secs(3),
        "a deactivation by SQL, at B",
        || ask(&b).status() == 401,
    );
    eprintln!("B saw a deactivation by SQL after {took:?}");
    assert_error(ask(&a), 401, "unauthorized");
    assert_eq!(
        body(ask(&b))["error"]["code"],
        "unauthorized",
        "and it stays so"
    );
}

/// `daicho_change_watch_up`, read from `/metrics`.
fn watch_up(app: &TestApp) -> bool {
    let text = metrics(app);
    text.lines().any(|line| line == "daicho_change_watch_up 1")
}

#[test]
fn while_the_watch_is_down_every_check_reads_the_database() {
    let app = TestApp::spawn();
    if app.backend() != Backend::Postgres {
        eprintln!("PostgreSQL only: SQLite's watch has no connection to lose");
        return;
    }
    let g = gate(&app);
    let zone = g.f.zone;
    let (id, code) = approved(&app, &g, &g.staff, &visitor_request(zone, 0, 2));
    assert_eq!(check(&app, &g, &code, zone)["verdict"], "allow");
    assert!(watch_up(&app));

    // The server ends the watch's connection (a restart, a failover, an admin).
    let mut conn = app.db();
    let ended: Vec<bool> = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = '{WATCH_NAME}'"
    )))
    .load(&mut conn)
    .unwrap();
    assert_eq!(ended, vec![true], "one watch connection");
    let noticed = eventually(Duration::from_secs(3), "the watch goes down", || {
        !watch_up(&app)
    });
    eprintln!("the watch noticed its lost connection after {noticed:?}");
    // Unwatched, a change by hand still reaches the very next check.
    diesel::update(permits::table.find(id))
        .set(permits::state.eq("revoked"))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(check(&app, &g, &code, zone)["reason_code"], "revoked");
    // It comes back by itself, and nothing from before is trusted.
    eventually(Duration::from_secs(5), "the watch comes back", || {
        watch_up(&app)
    });
    assert_eq!(check(&app, &g, &code, zone)["reason_code"], "revoked");
}

/// `/metrics` as text (it reads no database).
fn metrics(app: &TestApp) -> String {
    app.client
        .get(app.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap()
}

/// How many gate checks were answered from memory.
fn from_memory(app: &TestApp) -> u64 {
    metrics(app)
        .lines()
        .find_map(|l| l.strip_prefix("daicho_gate_checks_total{answered=\"memory\"} "))
        .map_or(0, |v| v.trim().parse().unwrap())
}

#[test]
fn a_stalled_database_never_leaves_the_door_open() {
    let Some(server) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("PostgreSQL only: a SQLite file has no connection to stall");
        return;
    };
    // The instance reaches PostgreSQL through a relay that can stop
    // forwarding without resetting anything (a frozen server, a dead switch).
    let relay = Relay::start(&server);
    let app = TestApp::spawn_with(|s| s.database_url = relay.url(&s.database_url));
    let g = gate(&app);
    let zone = g.f.zone;
    let (id, code) = approved(&app, &g, &g.staff, &visitor_request(zone, 0, 2));
    eventually(
        Duration::from_secs(5),
        "checks answered from memory",
        || {
            assert_eq!(check(&app, &g, &code, zone)["verdict"], "allow");
            from_memory(&app) >= 3
        },
    );

    relay.stall();
    std::thread::sleep(Duration::from_millis(1200));
    // Revoked elsewhere (by hand, on the server itself) while this instance
    // cannot hear of it.
    // (`db()` connects to the server directly, not through the relay.)
    let mut direct = app.db();
    diesel::update(permits::table.find(id))
        .set(permits::state.eq("revoked"))
        .execute(&mut direct)
        .unwrap();
    let remembered = from_memory(&app);
    let stalled = Instant::now();
    let mut answers = 0;
    while stalled.elapsed() < Duration::from_secs(5) {
        let start = Instant::now();
        let r = app
            .request(reqwest::Method::POST, "/api/v1/gate/check", Some(&g.guard))
            .json(&json!({"code": code, "zone_id": zone}))
            .timeout(Duration::from_secs(30))
            .send()
            .expect("an answer, not a hang");
        let took = start.elapsed();
        let answer = assert_error(r, 503, "database_unavailable");
        assert_ne!(answer["verdict"], "allow");
        assert!(took < Duration::from_secs(5), "answered after {took:?}");
        eprintln!("stalled database: a gate check answered 503 in {took:?}");
        answers += 1;
    }
    assert!(answers >= 2, "{answers} checks during the stall");
    assert_eq!(from_memory(&app), remembered, "none answered from memory");

    relay.resume();
    let took = eventually(
        Duration::from_secs(5),
        "the revocation, after the stall",
        || {
            app.post(
                "/api/v1/gate/check",
                &g.guard,
                &json!({"code": code, "zone_id": zone}),
            )
            .status()
                == 200
                && check(&app, &g, &code, zone)["reason_code"] == "revoked"
        },
    );
    eprintln!("after the stall the revocation was seen in {took:?}");
}
