//! The 点検記録 pages: open, decide with the form, sign, print and CSV.

use super::with_findings;
use crate::common::session::Browser;
use crate::common::{TestApp, USER_PASSWORD, body};

#[test]
fn a_security_manager_keeps_the_inspection_record_on_its_pages() {
    let app = TestApp::spawn();
    let f = with_findings(&app);
    app.user(&f.admin, "kansa", &["auditor"], None);
    let mut manager = Browser::new(&app);
    manager.sign_in("kacho", USER_PASSWORD);
    let list = manager.get("/inspections").text().unwrap();
    assert!(
        list.contains(r#"href="/inspections">点検記録</a>"#),
        "in the menu"
    );
    assert!(list.contains("点検を開始"));

    let csrf = manager.csrf("/inspections");
    let refused = manager.post(
        "/inspections",
        &[
            ("csrf", &csrf),
            ("from", "2026-11-30"),
            ("to", "2026-11-01"),
            ("note", ""),
        ],
    );
    assert_eq!(refused.status(), 422);
    let html = refused.text().unwrap();
    assert!(
        html.contains(r#"name="to" value="2026-11-01" required aria-invalid="true""#),
        "{html}"
    );
    assert!(html.contains("始まり以後"));

    let today = chrono::Utc::now().date_naive().to_string();
    let made = manager.post(
        "/inspections",
        &[
            ("csrf", &csrf),
            ("from", "2026-11-01"),
            ("to", &today),
            ("note", "月例"),
        ],
    );
    assert_eq!(made.status(), 303);
    let at = made.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = at.trim_start_matches("/inspections/").parse().unwrap();
    let page = manager.get(&at).text().unwrap();
    assert!(page.contains(&format!("点検記録 No.{id}")));
    assert!(page.contains("未記入"));
    assert!(
        page.contains(r#"class="inspection-report""#),
        "the print layout's frame"
    );

    let empty = manager.post(
        &format!("/inspections/{id}/findings/1"),
        &[
            ("csrf", &csrf),
            ("disposition", "accepted"),
            ("comment", ""),
        ],
    );
    assert_eq!(empty.status(), 422);
    assert!(empty.text().unwrap().contains("コメントに記入してください"));
    let unsigned = manager.post(&format!("/inspections/{id}/sign"), &[("csrf", &csrf)]);
    assert_eq!(unsigned.status(), 422);
    assert!(
        unsigned
            .text()
            .unwrap()
            .contains("すべての指摘に対応区分を記入")
    );

    let findings = body(app.get(&format!("/api/v1/inspections/{id}"), &f.manager))["findings"]
        .as_array()
        .unwrap()
        .len();
    for n in 1..=findings {
        let saved = manager.post(
            &format!("/inspections/{id}/findings/{n}"),
            &[
                ("csrf", &csrf),
                ("disposition", "accepted"),
                ("comment", "予算措置まで許容する"),
            ],
        );
        assert_eq!(saved.status(), 303);
    }
    let signed = manager.post(&format!("/inspections/{id}/sign"), &[("csrf", &csrf)]);
    assert_eq!(signed.status(), 303);
    let page = manager.get(&format!("/inspections/{id}")).text().unwrap();
    assert!(page.contains("署名済"));
    assert!(page.contains("報告書のハッシュ"));
    assert!(
        !page.contains(&format!(r#"action="/inspections/{id}/sign""#)),
        "no sign button after"
    );

    let mut auditor = Browser::new(&app);
    auditor.sign_in("kansa", USER_PASSWORD);
    let read = auditor.get(&format!("/inspections/{id}")).text().unwrap();
    assert!(read.contains("予算措置まで許容する"));
    assert!(!read.contains("点検を開始"));
    let csv = auditor.get(&format!("/inspections/{id}.csv"));
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().unwrap();
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    assert!(text.contains("許容") && text.contains("予算措置まで許容する"));
    assert!(text.contains("報告書のSHA-256"));
}
