//! `DAICHO_IMPORT_MAX_ROWS`: a file with more rows is refused at once, by the
//! API and the command line, with a message naming the limit; nothing is imported.

use super::csv::{count, csv, import};
use super::fixture;
use crate::common::{TestApp, assert_error};

/// `n` rows with this note.
fn rows(n: usize, note: &str) -> Vec<u8> {
    let lines: Vec<String> = (0..n)
        .map(|i| {
            format!("LIM-{i:03},サーバ{i},server,いいえ,JOHO,SRV-ROOM,,,,,,,,,general,,,,,,{note}")
        })
        .collect();
    csv(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn the_api_refuses_a_file_over_the_row_limit_and_names_it() {
    let app = TestApp::spawn_with(|s| s.import_max_rows = 5);
    let f = fixture(&app);
    let refused = assert_error(import(&app, &f.operator, rows(6, "")), 413, "too_many_rows");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("5 行まで"), "{message}");
    assert_eq!(count(&app, &f.operator), 0, "nothing imported");
    // A row is a record, not a line: five rows of two lines each are within
    // the limit (and then refused for what their notes hold).
    let two_lines = import(&app, &f.operator, rows(5, "\"二行の\r\n備考\""));
    assert_error(two_lines, 422, "invalid_csv");
    let taken = import(&app, &f.operator, rows(5, ""));
    assert_eq!(taken.status(), 200, "{:?}", taken.text());
    assert_eq!(count(&app, &f.operator), 5);
}

#[test]
fn the_cli_refuses_a_file_over_the_row_limit() {
    let app = TestApp::spawn();
    let f = fixture(&app);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kiki.csv");
    std::fs::write(&file, rows(3, "")).unwrap();
    let run = |limit: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_daicho"))
            .args(["import", "equipment", file.to_str().unwrap()])
            .env("DATABASE_URL", &app.settings.database_url)
            .env("DAICHO_DATA_DIR", dir.path())
            .env("DAICHO_IMPORT_MAX_ROWS", limit)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let refused = run("2");
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("2 行まで"), "{stderr}");
    assert_eq!(count(&app, &f.operator), 0, "nothing imported");
    let taken = run("3");
    assert!(
        taken.status.success(),
        "{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    assert_eq!(count(&app, &f.operator), 3);
}
