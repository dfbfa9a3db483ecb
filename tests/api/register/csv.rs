//! The register as CSV: export for Excel, import all-or-nothing in UTF-8 or Shift_JIS.

use super::{device, fixture};
use crate::common::{TestApp, assert_error, body};
use reqwest::Method;
use reqwest::blocking::Response;
use serde_json::{Value, json};

pub(super) const HEADER: &str = "資産番号,機器名,種別,主要機器,所管課コード,管理区域コード,建物,階,部屋,ラック,ユニット,メーカー,型番,製造番号,情報区分,状態,設置日,UPS資産番号,サージ保護,必要停止時間（分）,備考";

pub(super) fn import(app: &TestApp, token: &str, bytes: Vec<u8>) -> Response {
    app.request(Method::POST, "/api/v1/equipment/import", Some(token))
        .header("content-type", "text/csv")
        .body(bytes)
        .send()
        .unwrap()
}

pub(super) fn csv(lines: &[&str]) -> Vec<u8> {
    let mut text = String::from(HEADER);
    for l in lines {
        text.push_str("\r\n");
        text.push_str(l);
    }
    text.push_str("\r\n");
    text.into_bytes()
}

pub(super) fn count(app: &TestApp, token: &str) -> i64 {
    body(app.get("/api/v1/equipment", token))["total"]
        .as_i64()
        .unwrap()
}

#[test]
fn import_creates_and_updates_with_bom_and_audits_each_device() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &device("SRV-001", &f))
            .status(),
        201
    );
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(csv(&[
        "srv-001,基幹サーバ（更新）,サーバ,はい,JOHO,SRV-ROOM,本庁舎,3,サーバ室,R1,10-12,富士通,PRIMERGY RX2540,SN-0001,秘密情報,稼働中,2024-04-01,UPS-01,UPS,15,",
        "UPS-01,無停電電源装置,ups,1,joho,srv-room,,,,,,APC,SMT1500,U-1,一般情報,,2024/4/1,,,,'=SUM(A1)",
    ]));
    let response = import(&app, &f.operator, bytes);
    assert_eq!(response.status(), 200);
    assert_eq!(
        body(response),
        json!({"created": 1, "updated": 1, "unchanged": 0})
    );
    let updated = body(app.get("/api/v1/equipment/SRV-001", &f.operator));
    assert_eq!(updated["name"], "基幹サーバ（更新）");
    assert_eq!(
        updated["ups_asset_tag"], "UPS-01",
        "a UPS later in the same file links"
    );
    assert_eq!(updated["installed_on"], "2024-04-01");
    assert_eq!(updated["required_shutdown_min"], 15);
    let ups = body(app.get("/api/v1/equipment/UPS-01", &f.operator));
    assert_eq!(ups["kind"], "ups");
    assert_eq!(ups["key_equipment"], true);
    assert_eq!(
        ups["notes"], "=SUM(A1)",
        "Excel's formula guard is taken off"
    );
    let actions = app.audit_actions();
    assert_eq!(
        actions.iter().filter(|a| *a == "equipment.create").count(),
        2
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "equipment.update").count(),
        1
    );
    assert_eq!(actions.last().unwrap(), "equipment.import");
    let history = body(app.get("/api/v1/equipment/SRV-001/history", &f.operator));
    assert_eq!(history[0]["detail"]["via"], "csv_import");
    assert_eq!(
        history[0]["detail"]["changes"]["name"]["after"],
        "基幹サーバ（更新）"
    );
    // A second pass clears the rack and adds a note; the rest stays.
    let again = import(
        &app,
        &f.operator,
        csv(&[
            "SRV-001,基幹サーバ（更新）,サーバ,はい,JOHO,SRV-ROOM,本庁舎,3,サーバ室,,10-12,富士通,PRIMERGY RX2540,SN-0001,秘密情報,稼働中,2024-04-01,UPS-01,UPS,15,移設予定",
        ]),
    );
    assert_eq!(
        body(again),
        json!({"created": 0, "updated": 1, "unchanged": 0})
    );
    let edited = body(app.get("/api/v1/equipment/SRV-001", &f.operator));
    assert_eq!(
        edited["rack"],
        serde_json::Value::Null,
        "a cleared cell clears"
    );
    assert_eq!(edited["notes"], "移設予定");
    assert_eq!(
        (
            &edited["name"],
            &edited["ups_asset_tag"],
            &edited["rack_unit"]
        ),
        (
            &updated["name"],
            &updated["ups_asset_tag"],
            &updated["rack_unit"]
        )
    );
    assert_eq!(app.verify(&f.admin)["ok"], true);
}

#[test]
fn shift_jis_files_are_read() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let text = String::from_utf8(csv(&[
        "NW-001,コアスイッチ,ネットワーク機器,いいえ,JOHO,,,,,,,ヤマハ,SWX3220,SJ-1,一般情報,予備,,,なし,,庁内LAN",
    ]))
    .unwrap();
    let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!bad);
    assert!(std::str::from_utf8(&sjis).is_err(), "really not UTF-8");
    let response = import(&app, &f.operator, sjis.into_owned());
    assert_eq!(body(response)["created"], 1);
    let nw = body(app.get("/api/v1/equipment/NW-001", &f.operator));
    assert_eq!(nw["name"], "コアスイッチ");
    assert_eq!(nw["kind"], "network");
    assert_eq!(nw["status"], "spare");
    assert_eq!(nw["surge_protection"], "none");
    assert_eq!(nw["notes"], "庁内LAN");
}

#[test]
fn one_bad_line_imports_nothing_and_every_bad_line_is_named() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let good = "SRV-010,サーバ,server,はい,JOHO,SRV-ROOM,,,,,,,,,secret,,,,,,";
    let response = import(
        &app,
        &f.operator,
        csv(&[
            good,
            "SRV 011,サーバ,server,はい,JOHO,,,,,,,,,,secret,,,,,,",
            "SRV-012,,冷蔵庫,たぶん,NOPE,NOZONE,,,,,,,,,極秘,廃棄済,2024-13-01,,,abc,",
            "srv-010,重複,server,はい,JOHO,,,,,,,,,,secret,,,,,,",
            "SRV-013,サーバ,server,はい,JOHO,,,,,,,,,,secret,,,SRV-010,,,",
        ]),
    );
    assert_eq!(response.status(), 422);
    let err = body(response);
    assert_eq!(err["error"]["code"], "invalid_csv");
    let lines: Vec<i64> = err["error"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5, 6], "{err}");
    let messages: Vec<&str> = err["error"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("資産番号"), "{}", messages[0]);
    for column in [
        "機器名",
        "種別",
        "主要機器",
        "所管課コード",
        "管理区域コード",
        "情報区分",
        "状態",
        "設置日",
        "必要停止時間",
    ] {
        assert!(messages[1].contains(column), "{column} in {}", messages[1]);
    }
    assert!(messages[2].contains("2 行目"), "{}", messages[2]);
    assert!(messages[3].contains("UPS"), "{}", messages[3]);
    assert_eq!(count(&app, &f.operator), 0, "nothing imported");
    assert!(
        !app.audit_actions()
            .iter()
            .any(|a| a.starts_with("equipment."))
    );

    // Headers are checked on line 1; an unknown encoding names its line.
    let err = body(import(
        &app,
        &f.operator,
        "資産番号,名前\r\nA,b\r\n".as_bytes().to_vec(),
    ));
    assert_eq!(err["error"]["lines"][0]["line"], 1);
    let mut broken = csv(&[good]);
    broken.extend(b"SRV-020,\xff\xfe,server\r\n");
    let err = body(import(&app, &f.operator, broken));
    assert_eq!(err["error"]["code"], "invalid_csv");
    assert_eq!(err["error"]["lines"][0]["line"], 3);
    assert_eq!(count(&app, &f.operator), 0);
}

#[test]
fn only_operators_and_managers_of_their_departments_import() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let other = app.department(&f.admin, "SOMU", "総務課");
    let (_, staff) = app.user(&f.admin, "ippan", &["staff"], Some(f.dept));
    let (_, other_manager) = app.user(&f.admin, "somu-kacho", &["security_manager"], Some(other));
    let rows = csv(&["SRV-030,サーバ,server,はい,JOHO,,,,,,,,,,secret,,,,,,"]);
    assert_error(import(&app, &staff, rows.clone()), 403, "forbidden");
    let err = body(import(&app, &other_manager, rows.clone()));
    assert_eq!(err["error"]["code"], "invalid_csv");
    assert!(
        err["error"]["lines"][0]["message"]
            .as_str()
            .unwrap()
            .contains("権限")
    );
    assert_eq!(
        body(import(&app, &f.manager, rows))["created"],
        1,
        "own department"
    );
    let wrong_type = app
        .request(Method::POST, "/api/v1/equipment/import", Some(&f.operator))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    assert_error(wrong_type, 415, "unsupported_media_type");
}

#[test]
fn export_is_excel_ready_and_round_trips_through_import() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    for tag in ["SRV-101", "SRV-102"] {
        assert_eq!(
            app.post("/api/v1/equipment", &f.operator, &device(tag, &f))
                .status(),
            201
        );
    }
    let mut ups = device("UPS-101", &f);
    ups["kind"] = json!("ups");
    ups["notes"] = json!("-48V 系統, \"引用\" あり");
    assert_eq!(
        app.post("/api/v1/equipment", &f.operator, &ups).status(),
        201
    );
    assert_eq!(
        app.patch(
            "/api/v1/equipment/SRV-101",
            &f.operator,
            &json!({"ups_asset_tag": "UPS-101", "installed_on": "2020-05-01"})
        )
        .status(),
        200
    );
    let response = app.get("/api/v1/equipment/export.csv?kind=server", &f.operator);
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let filtered = response.bytes().unwrap().to_vec();
    assert!(filtered.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = std::str::from_utf8(&filtered[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines.len(),
        4,
        "header, two servers, and the final CRLF: {text}"
    );
    assert!(lines[0].starts_with(HEADER), "{}", lines[0]);
    assert!(lines[1].starts_with("SRV-101,基幹サーバ,サーバ,はい,JOHO,SRV-ROOM,本庁舎,3,サーバ室,R1,10-12,富士通,PRIMERGY RX2540,SN-0001,秘密情報,稼働中,2020-05-01,UPS-101,"), "{}", lines[1]);

    let all = app
        .get("/api/v1/equipment/export.csv", &f.operator)
        .bytes()
        .unwrap()
        .to_vec();
    let text = String::from_utf8(all.clone()).unwrap();
    assert!(
        text.contains("\"'-48V 系統, \"\"引用\"\" あり\""),
        "formula guard and quoting: {text}"
    );
    let before: Vec<Value> = body(app.get("/api/v1/equipment", &f.operator))["items"]
        .as_array()
        .unwrap()
        .clone();
    let again = body(import(&app, &f.operator, all));
    assert_eq!(again, json!({"created": 0, "updated": 0, "unchanged": 3}));
    let after: Vec<Value> = body(app.get("/api/v1/equipment", &f.operator))["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(before, after, "an export imports back unchanged");

    // Into an empty register (a second app) it recreates every device.
    let other = TestApp::spawn();
    let g = fixture(&other);
    let exported = app
        .get("/api/v1/equipment/export.csv", &f.operator)
        .bytes()
        .unwrap()
        .to_vec();
    assert_eq!(body(import(&other, &g.operator, exported))["created"], 3);
    let copy = body(other.get("/api/v1/equipment/SRV-101", &g.operator));
    let original = body(app.get("/api/v1/equipment/SRV-101", &f.operator));
    for key in [
        "name",
        "kind",
        "key_equipment",
        "location",
        "manufacturer",
        "model",
        "serial_number",
        "classification",
        "status",
        "installed_on",
        "ups_asset_tag",
        "notes",
    ] {
        assert_eq!(copy[key], original[key], "{key}");
    }
}

#[test]
fn the_cli_imports_and_exports() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kiki.csv");
    std::fs::write(
        &file,
        csv(&["SRV-201,サーバ,server,はい,JOHO,SRV-ROOM,,,,,,,,,secret,,,,,,"]),
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_daicho"))
            .args(args)
            .env("DATABASE_URL", &app.settings.database_url)
            .env("RUST_LOG", "warn")
            .env("DAICHO_DATA_DIR", dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["import", "equipment", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 created"));
    assert_eq!(count(&app, &f.operator), 1);
    let out = run(&["export", "equipment"]);
    assert!(out.status.success());
    assert!(out.stdout.starts_with(b"\xEF\xBB\xBF"));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("\r\nSRV-201,サーバ,サーバ,はい,JOHO,SRV-ROOM")
    );
    std::fs::write(
        &file,
        csv(&["SRV-202,サーバ,server,はい,NOPE,,,,,,,,,,secret,,,,,,"]),
    )
    .unwrap();
    let out = run(&["import", "equipment", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("2行目"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&app, &f.operator), 1);
}

#[test]
fn csv_and_disposal_paths_are_documented_and_limits_hold() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let doc = body(app.client.get(app.url("/api/openapi.json")).send().unwrap());
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/equipment/export.csv",
        "/api/v1/equipment/import",
        "/api/v1/equipment/{tag}/dispose",
        "/api/v1/equipment/{tag}/disposal",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    // Far above the 64 KiB JSON limit, well under the import's 50 MB.
    let mut big = String::from(HEADER);
    for i in 0..1000 {
        big.push_str(&format!("\r\nBIG-{i:05},サーバ{i},server,いいえ,JOHO,,本庁舎,1,電算室,R1,1,メーカー,型番,SN{i},general,,,,,,{}", "備考".repeat(40)));
    }
    assert!(big.len() > 200_000);
    assert_eq!(
        body(import(&app, &f.operator, big.into_bytes()))["created"],
        1000
    );
    assert_eq!(count(&app, &f.operator), 1000);
    let too_big = vec![b'a'; 50 * 1024 * 1024 + 1];
    assert_error(import(&app, &f.operator, too_big), 413, "payload_too_large");
}
