//! The access pages over a cookie session: request, decide, badge, gate, occupancy, log.

use super::{approved, enter, gate, visitor_request};
use crate::common::{TestApp, USER_PASSWORD};
use reqwest::blocking::Response;

struct Session<'a> {
    app: &'a TestApp,
    cookie: String,
}

impl<'a> Session<'a> {
    fn sign_in(app: &'a TestApp, username: &str) -> Session<'a> {
        let response = app
            .client
            .post(app.url("/login"))
            .form(&[
                ("username", username),
                ("password", USER_PASSWORD),
                ("next", "/"),
            ])
            .send()
            .unwrap();
        assert_eq!(response.status(), 303);
        let set = response.headers()["set-cookie"].to_str().unwrap();
        Session {
            app,
            cookie: set.split(';').next().unwrap().to_owned(),
        }
    }

    fn get(&self, path: &str) -> Response {
        self.app
            .client
            .get(self.app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .unwrap()
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .unwrap()
    }

    fn csrf(&self, path: &str) -> String {
        let html = self.get(path).text().unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    }
}

#[test]
fn permits_are_requested_decided_and_printed_from_the_pages() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let staff = Session::sign_in(&app, "hira");
    let form = staff.get("/permits/new").text().unwrap();
    assert!(form.contains("入室許可申請") && form.contains("サーバ室"));
    let csrf = staff.csrf("/permits/new");
    let zone = g.f.zone.to_string();
    // Faults come back beside the fields, with 422.
    let bad = staff.post(
        "/permits/new",
        &[
            ("csrf", &csrf),
            ("zone_id", &zone),
            ("holder", "visitor"),
            ("visitor_name", ""),
            ("visitor_organization", "保守会社"),
            ("purpose", "点検"),
            ("valid_from", "2026-11-25T09:00"),
            ("valid_until", "2026-11-25T08:00"),
        ],
    );
    assert_eq!(bad.status(), 422);
    let html = bad.text().unwrap();
    assert!(
        html.contains("field-error") && html.contains("終了日時"),
        "{html}"
    );
    let from = (chrono::Utc::now() + chrono::TimeDelta::hours(9))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let until = (chrono::Utc::now() + chrono::TimeDelta::hours(17))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let created = staff.post(
        "/permits/new",
        &[
            ("csrf", &csrf),
            ("zone_id", &zone),
            ("holder", "visitor"),
            ("visitor_name", "佐藤 花子"),
            ("visitor_organization", "保守会社"),
            ("visitor_kind", "contractor"),
            ("purpose", "点検"),
            ("valid_from", &from),
            ("valid_until", &until),
            ("escort_required", "on"),
        ],
    );
    assert_eq!(created.status(), 303);
    let at = created.headers()["location"].to_str().unwrap().to_owned();
    assert!(at.starts_with("/permits/"));
    let page = staff.get(&at).text().unwrap();
    assert!(page.contains("佐藤 花子") && page.contains("申請中"));
    assert!(
        !page.contains("許可する"),
        "the requester sees no approve button"
    );
    let id = at.trim_start_matches("/permits/");
    assert_eq!(
        staff
            .post(&format!("{at}/approve"), &[("csrf", "wrong")])
            .status(),
        403
    );

    let manager = Session::sign_in(&app, "kacho");
    let page = manager.get(&at).text().unwrap();
    assert!(page.contains("許可する"));
    let csrf = manager.csrf(&at);
    let approved_page = manager.post(&format!("{at}/approve"), &[("csrf", &csrf), ("note", "可")]);
    assert_eq!(approved_page.status(), 303);
    let badge = staff.get(&format!("/permits/{id}/badge"));
    assert_eq!(badge.status(), 200);
    let badge = badge.text().unwrap();
    assert!(
        badge.contains("入室許可証") && badge.contains(&format!("/api/v1/permits/{id}/qr.png"))
    );
    let qr = staff.get(&format!("/api/v1/permits/{id}/qr.png"));
    assert_eq!(qr.status(), 200, "the badge's image loads with the cookie");
    let list = staff.get("/permits").text().unwrap();
    assert!(list.contains("佐藤 花子") && list.contains("許可"));
}

#[test]
fn the_gate_occupancy_and_log_pages_are_for_the_right_roles() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let (_, code) = approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    assert_eq!(enter(&app, &g, &code, g.f.zone).status(), 201);
    let guard = Session::sign_in(&app, "keibi");
    let screen = guard.get("/gate");
    assert_eq!(screen.status(), 200);
    let screen = screen.text().unwrap();
    assert!(screen.contains("id=\"scan\"") && screen.contains("/gate/gate.js"));
    assert!(screen.contains("data-csrf=\""));
    let script = guard.get("/gate/gate.js");
    assert_eq!(script.status(), 200);
    assert!(script.text().unwrap().contains("compositionend"));
    let inside = guard.get("/access/occupancy").text().unwrap();
    assert!(inside.contains("山田 太郎") && inside.contains("1名"));
    assert_eq!(
        guard.get("/access/log").status(),
        403,
        "guards do not read the log"
    );
    let staff = Session::sign_in(&app, "hira");
    assert_eq!(staff.get("/gate").status(), 403);
    assert_eq!(staff.get("/access/occupancy").status(), 403);
    let manager = Session::sign_in(&app, "kacho");
    let log = manager.get("/access/log");
    assert_eq!(log.status(), 200);
    let log = log.text().unwrap();
    assert!(log.contains("山田 太郎") && log.contains("入室") && log.contains("CSV出力"));
    let home = manager.get("/").text().unwrap();
    for entry in ["入室許可", "入退室ゲート", "在室者", "入退室記録"] {
        assert!(home.contains(entry), "{entry} in the menu");
    }
}

#[test]
fn a_permit_request_waits_on_the_zone_managers_home_page() {
    let app = TestApp::spawn();
    let g = gate(&app);
    let awaiting = |who: &str| {
        let home = Session::sign_in(&app, who).get("/").text().unwrap();
        (0..5).find(|n| {
            home.contains(&format!(
                "<span class=\"count\">{n}</span> 承認待ちの入室許可申請"
            ))
        })
    };
    assert_eq!(awaiting("kacho"), Some(0));
    let made = app.post(
        "/api/v1/permits",
        &g.staff,
        &visitor_request(g.f.zone, 0, 8),
    );
    assert_eq!(made.status(), 201);
    assert_eq!(awaiting("kacho"), Some(1), "the zone's manager is asked");
    assert_eq!(awaiting("somu"), Some(0), "another zone's manager is not");
    assert_eq!(awaiting("hira"), None, "staff decide nothing");
    approved(&app, &g, &g.staff, &visitor_request(g.f.zone, 0, 8));
    assert_eq!(
        awaiting("kacho"),
        Some(1),
        "a decided request leaves the list"
    );
}
