//! Who is inside, overdue exits, the access log for those who may read it, and the OpenAPI document.

use super::*;

#[test]
fn occupancy_overdue_and_the_access_log_for_managers_auditors_and_admins() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (staff_permit, staff_code) = approved(
        &app,
        &g,
        &g.staff,
        &staff_request(g.f.zone, g.staff_id, 0, 8),
    );
    let (_, visitor_code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    assert_eq!(enter(&app, &g, &staff_code, g.f.zone).status(), 201);
    assert_eq!(enter(&app, &g, &visitor_code, g.f.zone).status(), 201);
    let path = format!("/api/v1/zones/{}/occupancy", g.f.zone);
    let now_inside = body(app.get(&path, &g.guard));
    assert_eq!(now_inside["count"], 2);
    assert_eq!(now_inside["overdue"], 0);
    assert_eq!(now_inside["zone_name"], "サーバ室");
    assert_eq!(now_inside["people"][0]["name"], "hira 氏名");
    assert_eq!(now_inside["people"][1]["name"], "山田 太郎");
    assert_eq!(
        now_inside["people"][1]["organization"],
        "株式会社保守サービス"
    );
    assert_eq!(now_inside["people"][1]["escort_required"], true);
    assert!(
        now_inside["people"][0]["entered_at"]
            .as_str()
            .unwrap()
            .ends_with("+09:00")
    );
    // The staff member's window passes while inside: overdue.
    let mut conn = app.db();
    let now = daicho::db::now();
    diesel::update(permits::table.find(staff_permit))
        .set((
            permits::valid_from.eq(now - TimeDelta::hours(3)),
            permits::valid_until.eq(now - TimeDelta::minutes(1)),
        ))
        .execute(&mut conn)
        .unwrap();
    let later = body(app.get(&path, &g.f.manager));
    assert_eq!(later["overdue"], 1);
    assert_eq!(later["people"][0]["overdue"], true);
    assert_eq!(later["people"][1]["overdue"], false);
    assert_error(app.get(&path, &g.staff), 403, "forbidden");
    assert_error(app.get(&path, &g.other_manager), 403, "forbidden");
    // An overdue person still gets out.
    assert_eq!(exit(&app, &g, &staff_code, g.f.zone, &[]).status(), 201);
    assert_error(enter(&app, &g, &staff_code, g.f.zone), 403, "expired");
    assert_eq!(body(app.get(&path, &g.guard))["count"], 1);

    // The log: managers of the zone, auditors and admins only.
    let (_, auditor) = app.user(&g.f.admin, "kansa", &["auditor"], None);
    let log_path = format!("/api/v1/access-events?zone_id={}", g.f.zone);
    assert_error(app.get(&log_path, &g.guard), 403, "forbidden");
    assert_error(app.get(&log_path, &g.staff), 403, "forbidden");
    assert_error(app.get(&log_path, &g.other_manager), 403, "forbidden");
    let log = body(app.get(&log_path, &auditor));
    assert_eq!(log["total"], 4);
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["entry", "entry", "exit", "denied"]);
    assert_eq!(log["items"][3]["reason_code"], "expired");
    assert_eq!(body(app.get(&log_path, &g.f.manager))["total"], 4);
    // The other manager's own log is empty; no filter means their zones only.
    assert_eq!(
        body(app.get("/api/v1/access-events", &g.other_manager))["total"],
        0
    );
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .date_naive();
    let dated = body(app.get(
        &format!("/api/v1/access-events?from={today}&to={today}"),
        &g.f.admin,
    ));
    assert_eq!(dated["total"], 4);
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        body(app.get(
            &format!("/api/v1/access-events?from={tomorrow}"),
            &g.f.admin
        ))["total"],
        0
    );
    assert_error(
        app.get("/api/v1/access-events?from=yesterday", &g.f.admin),
        422,
        "invalid_field",
    );

    let csv = app.get(
        &format!("/api/v1/access-events/export.csv?zone_id={}", g.f.zone),
        &auditor,
    );
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = csv.bytes().unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("日時,区分,区域,氏名,所属・会社名,許可番号,身分証確認"));
    assert!(
        lines[1].contains(",入室,サーバ室,hira 氏名,情報政策課,P-"),
        "{}",
        lines[1]
    );
    assert!(lines[3].contains(",退室,"), "{}", lines[3]);
    assert!(lines[4].contains("入室拒否") && lines[4].contains("許可期間が終了しています。"));
    assert_error(
        app.get("/api/v1/access-events/export.csv", &g.guard),
        403,
        "forbidden",
    );
}

#[test]
fn the_access_api_is_in_the_openapi_document() {
    let app = TestApp::spawn();
    let doc = body(app.client.get(app.url("/api/openapi.json")).send().unwrap());
    for path in [
        "/api/v1/permits",
        "/api/v1/permits/{id}",
        "/api/v1/permits/{id}/approve",
        "/api/v1/permits/{id}/reject",
        "/api/v1/permits/{id}/revoke",
        "/api/v1/permits/{id}/qr.png",
        "/api/v1/permits/keys",
        "/api/v1/gate/check",
        "/api/v1/gate/entries",
        "/api/v1/gate/exits",
        "/api/v1/zones/{id}/occupancy",
        "/api/v1/access-events",
        "/api/v1/access-events/export.csv",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} in the OpenAPI document"
        );
    }
}
