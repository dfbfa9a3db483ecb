//! 第5条 in the report: people inside after their permit, zones without a
//! security manager, and the gate's refusals in the period by reason.

use super::{article, codes, evidence, report, with_code};
use crate::access::{approved, gate, staff_request};
use crate::common::TestApp;
use daicho::db::schema::permits;
use diesel::prelude::*;
use serde_json::json;

#[test]
fn someone_inside_after_their_permit_ended_is_a_finding_until_they_leave() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (permit, code) = approved(
        &app,
        &g,
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, 0, 8),
    );
    let entry = app.post(
        "/api/v1/gate/entries",
        &g.guard,
        &json!({"code": code, "zone_id": g.f.zone, "id_checked": true}),
    );
    assert_eq!(entry.status(), 201, "{:?}", entry.text());
    let a5 = report(&app, &g.f.admin, "");
    let a5 = article(&a5, "第5条");
    assert_eq!(codes(a5), Vec::<String>::new(), "{a5}");
    assert!(
        evidence(a5).contains("現在の在室者 1名、すべて許可期間内"),
        "{a5}"
    );

    let now = daicho::db::now();
    diesel::update(permits::table.find(permit))
        .set((
            permits::valid_from.eq(now - chrono::TimeDelta::hours(9)),
            permits::valid_until.eq(now - chrono::TimeDelta::hours(1)),
        ))
        .execute(&mut app.db())
        .unwrap();
    let r = report(&app, &g.f.manager, "");
    let a5 = article(&r, "第5条");
    assert_eq!(a5["status"], "findings");
    let found = with_code(a5, "inside_after_permit");
    assert_eq!(found.len(), 1, "{a5}");
    assert_eq!(found[0]["link"], format!("/permits/{permit}"));
    assert_eq!(found[0]["api"], format!("/api/v1/permits/{permit}"));
    assert!(
        found[0]["message"].as_str().unwrap().contains("サーバ室"),
        "{a5}"
    );
    assert!(evidence(a5).contains("1名が許可期間外"), "{a5}");
}

#[test]
fn a_zone_whose_manager_lost_the_role_is_a_finding() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let r = report(&app, &g.f.admin, "");
    assert!(with_code(article(&r, "第5条"), "zone_without_manager").is_empty());
    assert!(
        evidence(article(&r, "第5条")).contains("すべての管理区域にセキュリティ管理者を指定済み")
    );

    let demoted = app.patch(
        &format!("/api/v1/users/{}", g.f.manager_id),
        &g.f.admin,
        &json!({"roles": ["staff"]}),
    );
    assert_eq!(demoted.status(), 200, "{:?}", demoted.text());
    let r = report(&app, &g.f.admin, "");
    let found = with_code(article(&r, "第5条"), "zone_without_manager");
    assert_eq!(found.len(), 1, "{r}");
    assert_eq!(found[0]["entity_id"], g.f.zone.to_string());
    assert_eq!(found[0]["link"], format!("/zones/{}/edit", g.f.zone));
    assert!(found[0]["message"].as_str().unwrap().contains("SRV-ROOM"));
}

#[test]
fn refusals_in_the_period_are_counted_by_reason() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let r = report(&app, &g.f.admin, "");
    assert!(evidence(article(&r, "第5条")).contains("期間中の入退室の拒否 なし"));
    for _ in 0..2 {
        let refused = app.post(
            "/api/v1/gate/entries",
            &g.guard,
            &json!({"code": "NOT-A-PERMIT", "zone_id": g.f.zone, "id_checked": true}),
        );
        assert_eq!(refused.status(), 403, "{:?}", refused.text());
    }
    let (_, code) = approved(
        &app,
        &g,
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, 0, 8),
    );
    let wrong = app.post(
        "/api/v1/gate/entries",
        &g.guard,
        &json!({"code": code, "zone_id": g.zone2, "id_checked": true}),
    );
    assert_eq!(wrong.status(), 403);
    let a5 = report(&app, &g.f.admin, "");
    let text = evidence(article(&a5, "第5条"));
    assert!(
        text.contains("期間中の入退室の拒否 3件（登録されていない許可証です 2件、"),
        "{text}"
    );
    // Out of the period, they are not counted.
    let old = report(&app, &g.f.admin, "?from=2026-01-01&to=2026-01-31");
    assert!(
        evidence(article(&old, "第5条")).contains("期間中の入退室の拒否 なし"),
        "{old}"
    );
}
