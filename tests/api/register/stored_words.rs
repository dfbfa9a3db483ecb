//! Stored vocabulary is read strictly (issue 15): a row whose state or kind is
//! not a word daicho knows was changed behind its back. It is answered as our
//! fault (500, logged), never read as some default that looks valid.

use super::{device, fixture};
use crate::common::{TestApp, assert_error, body};
use daicho::db::{Backend, DbConn};
use diesel::RunQueryDsl;

/// A connection on which `table.column`'s CHECK no longer holds: the
/// database's own guard lifted, as a hand edit or a newer version would.
fn past_the_check(app: &TestApp, table: &str, column: &str) -> DbConn {
    let mut conn = app.db();
    let lift = match app.backend() {
        Backend::Sqlite => "PRAGMA ignore_check_constraints = ON".to_owned(),
        Backend::Postgres => format!("ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_check"),
    };
    diesel::sql_query(lift).execute(&mut conn).unwrap();
    conn
}

#[test]
fn a_device_whose_stored_kind_is_unknown_is_an_error_not_a_guess() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let created = app.post("/api/v1/equipment", &f.operator, &device("SRV-901", &f));
    assert_eq!(created.status(), 201, "{:?}", created.text());
    let before = body(app.get("/api/v1/equipment/SRV-901", &f.operator));
    assert_eq!(before["kind"], "server");

    let mut conn = past_the_check(&app, "equipment", "kind");
    let changed =
        diesel::sql_query("UPDATE equipment SET kind = 'toaster' WHERE asset_tag = 'SRV-901'")
            .execute(&mut conn)
            .unwrap();
    assert_eq!(changed, 1);

    // Before, the device read as 「その他」 (other): a corrupted row passed as a valid one.
    assert_error(
        app.get("/api/v1/equipment/SRV-901", &f.operator),
        500,
        "internal_error",
    );
    assert_error(
        app.get("/api/v1/equipment?q=SRV-901", &f.operator),
        500,
        "internal_error",
    );
}

#[test]
fn a_movement_whose_stored_state_is_unknown_is_an_error_not_a_guess() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let created = app.post("/api/v1/equipment", &f.operator, &device("SRV-902", &f));
    assert_eq!(created.status(), 201, "{:?}", created.text());
    let movement = app.post(
        "/api/v1/movements",
        &f.operator,
        &serde_json::json!({
            "direction": "out", "asset_tag": "SRV-902", "zone_id": f.zone,
            "reason": "修理", "planned_at": "2099-12-01",
        }),
    );
    assert_eq!(movement.status(), 201, "{:?}", movement.text());
    let id = body(movement)["id"].as_i64().unwrap();
    assert_eq!(
        body(app.get(&format!("/api/v1/movements/{id}"), &f.operator))["state"],
        "requested"
    );

    let mut conn = past_the_check(&app, "movements", "state");
    diesel::sql_query("UPDATE movements SET state = 'lost-in-space'")
        .execute(&mut conn)
        .unwrap();
    assert_error(
        app.get(&format!("/api/v1/movements/{id}"), &f.operator),
        500,
        "internal_error",
    );
    assert_error(
        app.get("/api/v1/movements", &f.operator),
        500,
        "internal_error",
    );
}

#[test]
fn a_device_whose_stored_status_is_unknown_fails_its_export_not_reads_as_in_service() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let created = app.post("/api/v1/equipment", &f.operator, &device("SRV-903", &f));
    assert_eq!(created.status(), 201, "{:?}", created.text());
    let export = app.get("/api/v1/equipment/export.csv", &f.operator);
    assert_eq!(export.status(), 200);

    let mut conn = past_the_check(&app, "equipment", "status");
    diesel::sql_query("UPDATE equipment SET status = 'evaporated' WHERE asset_tag = 'SRV-903'")
        .execute(&mut conn)
        .unwrap();
    // Before, the CSV carried the raw word and the card read 稼働中.
    assert_error(
        app.get("/api/v1/equipment/export.csv", &f.operator),
        500,
        "internal_error",
    );
}

#[test]
fn a_user_whose_stored_role_is_unknown_is_an_error_not_a_smaller_set_of_rights() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let users = app.get("/api/v1/users", &f.admin);
    assert_eq!(users.status(), 200, "{:?}", users.text());

    let mut conn = past_the_check(&app, "user_roles", "role");
    let changed =
        diesel::sql_query("UPDATE user_roles SET role = 'wizard' WHERE role = 'operator'")
            .execute(&mut conn)
            .unwrap();
    assert_eq!(changed, 1);
    // Before, the list showed the operator with no roles at all.
    assert_error(app.get("/api/v1/users", &f.admin), 500, "internal_error");
}
