//! Permit keys with several instances on one database (issue 12): a rotation
//! on one instance reaches every other one without a restart.

use super::{approved, check, gate, visitor_request};
use crate::common::{TestApp, assert_error, body};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn published_kids(app: &TestApp) -> Vec<String> {
    let set = body(
        app.client
            .get(app.url("/api/v1/permits/keys"))
            .send()
            .unwrap(),
    );
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

fn kid_of(code: &str) -> String {
    jsonwebtoken::decode_header(code).unwrap().kid.unwrap()
}

#[test]
fn a_key_rotation_reaches_every_instance() {
    let a = TestApp::spawn();
    let g = gate(&a);
    let zone = g.f.zone;
    // B shares A's database and data directory, as a second server would
    // (through a path of its own, so that this process keeps B's keys apart
    // from A's, as two processes do).
    let elsewhere = tempfile::tempdir().unwrap();
    let shared = elsewhere.path().join("data");
    std::os::unix::fs::symlink(&a.settings.data_dir, &shared).unwrap();
    let b = TestApp::spawn_fresh_with(|s| {
        s.database_url = a.settings.database_url.clone();
        s.data_dir = shared.clone();
    });
    let (_, old_code) = approved(&b, &g, &g.staff, &visitor_request(zone, 0, 8));
    let old_kid = kid_of(&old_code);
    assert_eq!(published_kids(&b), vec![old_kid.clone()]);
    assert_eq!(check(&b, &g, &old_code, zone)["verdict"], "allow");

    let rotated = a.post("/api/v1/permits/keys/rotate", &g.f.admin, &json!({}));
    assert_eq!(rotated.status(), 200, "{:?}", rotated.text());
    let rotated: Value = body(rotated);
    let new_kid = rotated["keys"][0]["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);
    let (_, a_code) = approved(&a, &g, &g.staff, &visitor_request(zone, 0, 8));
    assert_eq!(kid_of(&a_code), new_kid, "A signs with the new key");

    // At B, within 5 s: the new key published first, A's new codes accepted,
    // B's own new codes signed with it; codes from before still accepted.
    let start = Instant::now();
    loop {
        let published = published_kids(&b);
        let accepted = check(&b, &g, &a_code, zone)["verdict"] == "allow";
        if published == vec![new_kid.clone(), old_kid.clone()] && accepted {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "B still publishes {published:?} and accepts A's new code: {accepted}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "B published and accepted the new key after {:?}",
        start.elapsed()
    );
    let (_, b_code) = approved(&b, &g, &g.staff, &visitor_request(zone, 0, 8));
    assert_eq!(kid_of(&b_code), new_kid, "B signs with the new key");
    assert_eq!(check(&a, &g, &b_code, zone)["verdict"], "allow");
    assert_eq!(check(&b, &g, &old_code, zone)["verdict"], "allow");
    assert_eq!(check(&a, &g, &old_code, zone)["verdict"], "allow");
}

#[test]
fn an_instance_whose_key_was_retired_elsewhere_refuses_to_sign_with_it() {
    let a = TestApp::spawn();
    let g = gate(&a);
    let zone = g.f.zone;
    // B shares the database but not the data directory: it has only the old
    // key's seed (a copy taken before the rotation).
    let own = tempfile::tempdir().unwrap();
    for file in ["permit.key", "session.key"] {
        let from = a.settings.data_dir.join(file);
        if from.exists() {
            std::fs::copy(&from, own.path().join(file)).unwrap();
        }
    }
    let b = TestApp::spawn_fresh_with(|s| {
        s.database_url = a.settings.database_url.clone();
        s.data_dir = own.path().to_path_buf();
        s.session_secret = a.settings.session_secret.clone();
    });
    let (_, old_code) = approved(&b, &g, &g.staff, &visitor_request(zone, 0, 8));
    let rotated = a.post("/api/v1/permits/keys/rotate", &g.f.admin, &json!({}));
    assert_eq!(rotated.status(), 200);
    let (_, a_code) = approved(&a, &g, &g.staff, &visitor_request(zone, 0, 8));
    // B publishes and accepts the new key at once…
    assert_eq!(published_kids(&b)[0], kid_of(&a_code));
    assert_eq!(check(&b, &g, &a_code, zone)["verdict"], "allow");
    assert_eq!(check(&b, &g, &old_code, zone)["verdict"], "allow");
    // …but cannot sign with it, and never signs with the retired one.
    let created = b.post("/api/v1/permits", &g.staff, &visitor_request(zone, 0, 8));
    let id = body(created)["id"].as_i64().unwrap();
    let refused = b.post(
        &format!("/api/v1/permits/{id}/approve"),
        &g.f.manager,
        &json!({}),
    );
    assert_error(refused, 503, "permit_key_unavailable");
    let permit = body(a.get(&format!("/api/v1/permits/{id}"), &g.f.manager));
    assert_eq!(
        permit["state"], "requested",
        "nothing was approved: {permit}"
    );
}
