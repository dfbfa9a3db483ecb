//! 事故・障害 pages: reporting through the form (also filled in from another page's
//! 「事故・障害として報告」 link), the response form only for who answers, the list.

use super::{in_zone, people, report};
use crate::common::{TestApp, USER_PASSWORD};
use crate::licenses::pages::{Html, sign_in};

#[test]
fn staff_report_through_the_form_and_the_manager_answers_and_closes_on_the_page() {
    let app = TestApp::spawn();
    let p = people(&app);
    let staff = sign_in(&app, "hira", USER_PASSWORD);
    // Another page offers the report with the facts filled in.
    let html = staff.html("/incidents/new?kind=fault&title=UPS%E7%95%B0%E5%B8%B8&asset_tags=UPS-001&source=ups_event%3A3");
    assert!(html.contains("value=\"UPS異常\""), "the title is filled in");
    assert!(html.contains("value=\"UPS-001\""));
    assert!(html.contains("name=\"source\" value=\"ups_event:3\""));

    let csrf = staff.csrf("/incidents/new");
    let zone = p.f.zone.to_string();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("kind", "fault"),
        ("title", "UPS異常"),
        ("description", ""),
        ("found_at", "2026-11-30T09:30"),
        ("zone_id", zone.as_str()),
        ("asset_tags", "ups-001、NOPE-9"),
        ("source", "ups_event:3"),
    ];
    let r = staff.post("/incidents", &form);
    assert_eq!(r.status(), 422);
    let text = r.text().unwrap();
    assert!(
        text.contains("NOPE-9"),
        "the unknown tag is named beside its field"
    );
    assert!(text.contains("value=\"UPS異常\""), "what was typed stays");
    form[3] = ("description", "バッテリー運転の警告音");
    form[6] = ("asset_tags", "ups-001");
    let r = staff.post("/incidents", &form);
    assert_eq!(r.status(), 303, "{:?}", r.text());
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/incidents/"), "{to}");

    let html = staff.html(&to);
    assert!(html.contains("バッテリー運転の警告音") && html.contains("UPS-001"));
    assert!(
        !html.contains("対応を記録する"),
        "the reporter does not answer"
    );
    assert!(staff.html("/incidents").contains("UPS異常"));

    let manager = sign_in(&app, "kacho", USER_PASSWORD);
    let html = manager.html(&to);
    assert!(html.contains("対応を記録する"));
    assert!(
        !html.contains("完了にする"),
        "nothing to close before the answer"
    );
    let csrf = manager.csrf(&to);
    let r = manager.post(
        &format!("{to}/response"),
        &[
            ("csrf", &csrf),
            ("response", "点検した"),
            ("cause", ""),
            ("prevention", "年次点検"),
        ],
    );
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("入力してください。"));
    let r = manager.post(
        &format!("{to}/response"),
        &[
            ("csrf", &csrf),
            ("response", "点検した"),
            ("cause", "ブレーカー劣化"),
            ("prevention", "年次点検"),
        ],
    );
    assert_eq!(r.status(), 303);
    let html = manager.html(&to);
    assert!(html.contains("ブレーカー劣化") && html.contains("完了にする"));
    let r = manager.post(&format!("{to}/close"), &[("csrf", &csrf)]);
    assert_eq!(r.status(), 303);
    let html = manager.html(&to);
    assert!(html.contains("完了") && !html.contains("対応を記録する"));
}

#[test]
fn everyone_sees_the_menu_entry_and_only_their_own_reports_unless_they_audit() {
    let app = TestApp::spawn();
    let p = people(&app);
    report(&app, &p.f.operator, &in_zone(&p));
    let staff = sign_in(&app, "hira", USER_PASSWORD);
    let html = staff.html("/incidents");
    assert!(html.contains("href=\"/incidents\""), "in the menu");
    assert!(html.contains("あなたが報告した記録"));
    assert!(
        html.contains("記録はありません。"),
        "not the operator's report"
    );
    let manager = sign_in(&app, "kacho", USER_PASSWORD);
    let html = manager.html("/incidents");
    assert!(html.contains("UPS がバッテリー運転に切り替わった"));
    assert!(html.contains("対応中"));
    let csv = manager.get("/incidents/export.csv");
    assert_eq!(csv.status(), 200);
}
