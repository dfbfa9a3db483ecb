//! A large import, written in batches: every device still gets its own audit
//! event (its history shows the import), the summary names the file, the chain
//! verifies, and UPS links across batches hold.

use super::fixture;
use crate::common::{TestApp, body};
use reqwest::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};

const HEADER: &str = "資産番号,機器名,種別,主要機器,所管課コード,管理区域コード,建物,階,部屋,ラック,ユニット,メーカー,型番,製造番号,情報区分,状態,設置日,UPS資産番号,サージ保護,必要停止時間（分）,備考";

/// More rows than one INSERT (1,000 rows) and one audit batch (2,000 events) hold.
const ROWS: usize = 2_500;

fn bulk_csv() -> Vec<u8> {
    let mut text = String::from(HEADER);
    for i in 0..ROWS {
        // The servers name UPS-B, which comes last; UPS-A names UPS-B too, and
        // UPS-B names UPS-C, new as well (a link set once both exist).
        let (tag, kind, ups) = match i {
            0 => ("UPS-A".to_owned(), "ups", "UPS-B"),
            _ if i == ROWS - 2 => ("UPS-C".to_owned(), "ups", ""),
            _ if i == ROWS - 1 => ("UPS-B".to_owned(), "ups", "UPS-C"),
            _ => (format!("SRV-{i:05}"), "server", "UPS-B"),
        };
        text.push_str(&format!(
            "\r\n{tag},機器{i},{kind},いいえ,JOHO,SRV-ROOM,本庁舎,3,サーバ室,R{},,富士通,M-{},SN-{i},secret,,2024-04-01,{ups},ups,15,",
            i % 40,
            i % 97
        ));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

#[test]
fn a_batched_import_audits_each_device_and_the_chain_verifies() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let bytes = bulk_csv();
    let digest = hex::encode(Sha256::digest(&bytes));
    let response = app
        .request(Method::POST, "/api/v1/equipment/import", Some(&f.operator))
        .header("content-type", "text/csv")
        .body(bytes)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(body(response)["created"], ROWS as u64);

    let actions = app.audit_actions();
    let creates = actions.iter().filter(|a| *a == "equipment.create").count();
    assert_eq!(creates, ROWS, "one event per device");
    assert_eq!(actions.last().unwrap(), "equipment.import");
    assert_eq!(app.verify(&f.admin)["ok"], true);

    // A device written in the third batch shows its creation by the import.
    let history = body(app.get("/api/v1/equipment/SRV-02100/history", &f.operator));
    let history = history.as_array().expect("a list");
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["action"], "equipment.create");
    assert_eq!(history[0]["detail"]["via"], "csv_import");
    assert_eq!(history[0]["detail"]["after"]["name"], "機器2100");

    // The summary names the file and the per-device events of each batch (a
    // range of `seq` a transaction: the new UPSes first, then 1,000 rows each).
    let summary = body(app.get("/api/v1/audit?action=equipment.import&per_page=1", &f.admin));
    let detail: &Value = &summary["items"][0]["detail"];
    assert_eq!(detail["file_sha256"], digest.as_str());
    assert_eq!(detail["created"], ROWS as u64);
    let batches: Vec<(i64, i64)> = detail["batches"]
        .as_array()
        .expect("batches")
        .iter()
        .map(|b| (b[0].as_i64().unwrap(), b[1].as_i64().unwrap()))
        .collect();
    assert_eq!(batches.len(), 4, "{batches:?}");
    let events: i64 = batches.iter().map(|(from, to)| to - from + 1).sum();
    assert_eq!(events, ROWS as i64);
    assert_eq!(
        summary["items"][0]["seq"].as_i64().unwrap(),
        batches.last().unwrap().1 + 1
    );

    // UPS links: to a UPS later in the file, and from one UPS to another.
    let server = body(app.get("/api/v1/equipment/SRV-01234", &f.operator));
    assert_eq!(server["ups_asset_tag"], "UPS-B");
    let ups = body(app.get("/api/v1/equipment/UPS-A", &f.operator));
    assert_eq!(ups["ups_asset_tag"], "UPS-B");
    let ups = body(app.get("/api/v1/equipment/UPS-B", &f.operator));
    assert_eq!(ups["ups_asset_tag"], "UPS-C");
}
