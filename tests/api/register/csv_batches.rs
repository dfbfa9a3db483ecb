//! A large import writes in short transactions: between two of them anyone
//! may write, and a device changed meanwhile stops the import (409) rather
//! than be overwritten; importing the same file again finishes it.

use super::{device, fixture};
use crate::common::{TestApp, body};
use daicho::register::service::csv_io::{self, ImportError};
use serde_json::json;

const HEADER: &str = "資産番号,機器名,種別,主要機器,所管課コード,管理区域コード,建物,階,部屋,ラック,ユニット,メーカー,型番,製造番号,情報区分,状態,設置日,UPS資産番号,サージ保護,必要停止時間（分）,備考";

/// Three batches of rows; SRV-02100 (in the third) is registered beforehand.
const ROWS: usize = 2_500;

fn rows() -> Vec<u8> {
    let mut text = String::from(HEADER);
    for i in 0..ROWS {
        text.push_str(&format!(
            "\r\nSRV-{i:05},機器{i},server,いいえ,JOHO,SRV-ROOM,本庁舎,3,サーバ室,R1,,富士通,M-1,SN-{i},secret,,2024-04-01,,ups,15,"
        ));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

#[test]
fn others_write_between_batches_and_a_change_meanwhile_stops_the_import() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &device("SRV-02100", &f))
            .status(),
        201
    );
    let bytes = rows();
    let mut conn = app.db();
    let mut reports = Vec::new();
    let result = csv_io::import_equipment_as_system(&mut conn, &bytes, &mut |done, _| {
        if reports.is_empty() {
            // After the first batch, an operator edits a device the file
            // changes later: the import holds no lock now, so this answers.
            let edited = app.patch(
                "/api/v1/equipment/SRV-02100",
                &f.operator,
                &json!({"name": "手で直した名前"}),
            );
            assert_eq!(edited.status(), 200, "a write between two batches");
        }
        reports.push(done);
    });
    let Err(ImportError::App(e)) = result else {
        panic!("the import stops at the changed device: {result:?}");
    };
    assert_eq!(e.status().as_u16(), 409);
    assert_eq!(e.code, "import_conflict");
    assert!(e.message.contains("SRV-02100"), "{}", e.message);
    assert!(e.message.contains("2000 行は取り込み済み"), "{}", e.message);
    assert_eq!(reports, [1000, 2000], "two batches were written");
    let kept = body(app.get("/api/v1/equipment/SRV-02100", &f.operator));
    assert_eq!(
        kept["name"], "手で直した名前",
        "the change is not overwritten"
    );
    // Counted in the database: the list counts only to 1,000.
    let total = |app: &TestApp| -> i64 {
        use diesel::prelude::*;
        daicho::db::schema::equipment::table
            .count()
            .get_result(&mut app.db())
            .unwrap()
    };
    assert_eq!(total(&app), 2001);
    assert_eq!(app.verify(&f.admin)["ok"], true);

    // The same file again finishes the work.
    let outcome = csv_io::import_equipment_as_system(&mut conn, &bytes, &mut |_, _| {})
        .expect("the second run imports");
    assert_eq!(
        (outcome.created, outcome.updated, outcome.unchanged),
        (499, 1, 2000)
    );
    assert_eq!(total(&app), ROWS as i64);
    assert_eq!(app.verify(&f.admin)["ok"], true);
    assert_eq!(app.audit_actions().last().unwrap(), "equipment.import");
}
