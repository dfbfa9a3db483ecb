//! 第7条 in the report: authorised work not done by its planned day, and work
//! reported done but not confirmed within seven days.

use super::{article, evidence, report, with_code};
use crate::common::{TestApp, body};
use crate::licenses::add_device;
use crate::register::fixture;
use chrono::{TimeDelta, Utc};
use daicho::db::schema::cabling_changes;
use diesel::prelude::*;
use serde_json::json;

#[test]
fn late_and_unconfirmed_cabling_work_are_findings_until_confirmed() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "SW-001");
    let operator_id = body(app.get("/api/v1/me", &f.operator))["id"]
        .as_i64()
        .unwrap();
    let planned = (Utc::now() + TimeDelta::days(3)).date_naive();
    let created = app.post(
        "/api/v1/cabling-changes",
        &f.operator,
        &json!({"zone_id": f.zone, "work_kind": "add", "description": "LANケーブルを1本追加",
                "asset_tags": ["SW-001"], "performer_user_id": operator_id, "planned_on": planned.to_string()}),
    );
    assert_eq!(created.status(), 201, "{:?}", created.text());
    let id = body(created)["id"].as_i64().unwrap();
    let step = |token: &str, step: &str| {
        let r = app.post(
            &format!("/api/v1/cabling-changes/{id}/{step}"),
            token,
            &json!({"notes": "確認"}),
        );
        assert_eq!(r.status(), 200, "{step}: {:?}", r.text());
    };
    step(&f.manager, "authorize");
    let a7 = |query: &str| article(&report(&app, &f.admin, query), "第7条").clone();
    assert_eq!(a7("")["status"], "ok");
    assert!(evidence(&a7("")).contains("作業指示済で未完了 1件"));

    // The planned day passes with no report of the work.
    let past = (Utc::now() - TimeDelta::days(2)).date_naive();
    diesel::update(cabling_changes::table.find(id))
        .set(cabling_changes::planned_on.eq(past))
        .execute(&mut app.db())
        .unwrap();
    let late = a7("");
    let found = with_code(&late, "cabling_overdue");
    assert_eq!(found.len(), 1, "{late}");
    assert_eq!(found[0]["link"], format!("/cabling#change-{id}"));
    assert_eq!(found[0]["api"], format!("/api/v1/cabling-changes/{id}"));

    // Done: no longer late, and not yet due for confirmation.
    step(&f.operator, "complete");
    assert_eq!(a7("")["status"], "ok", "{}", a7(""));
    let eight_days_ago = daicho::db::now() - TimeDelta::days(8);
    diesel::update(cabling_changes::table.find(id))
        .set(cabling_changes::completed_at.eq(eight_days_ago))
        .execute(&mut app.db())
        .unwrap();
    let unconfirmed = a7("");
    assert_eq!(
        with_code(&unconfirmed, "cabling_unverified").len(),
        1,
        "{unconfirmed}"
    );

    step(&f.manager, "verify");
    let confirmed = a7("");
    assert_eq!(confirmed["status"], "ok", "{confirmed}");
    assert!(evidence(&confirmed).contains("期間中に完了確認された配線変更 1件"));
    let before = a7("?from=2026-01-01&to=2026-01-31");
    assert!(evidence(&before).contains("期間中に完了確認された配線変更 0件"));
}
