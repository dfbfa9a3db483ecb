//! `daicho import equipment FILE` and `daicho export equipment`.

use crate::config::Settings;
use crate::db::DbConn;
use crate::register::model::EquipmentFilter;
use crate::register::service::csv_io::{self, RowCounter};
use std::io::{Read, Write};
use std::time::Instant;

/// Reads the file in pieces, counting its rows: one over
/// `DAICHO_IMPORT_MAX_ROWS` is refused before the file is held whole.
fn read_counted(file: &str, max_rows: u64) -> Result<Vec<u8>, String> {
    let io = |e: std::io::Error| format!("{file}: {e}");
    let mut input = std::fs::File::open(file).map_err(io)?;
    let mut rows = RowCounter::new(max_rows);
    let mut bytes = Vec::new();
    let mut piece = vec![0u8; 1 << 16];
    loop {
        let n = input.read(&mut piece).map_err(io)?;
        if n == 0 {
            break;
        }
        rows.feed(&piece[..n]).map_err(|e| e.message)?;
        bytes.extend_from_slice(&piece[..n]);
    }
    rows.finish().map_err(|e| e.message)?;
    Ok(bytes)
}

/// Imports a CSV file, with a progress bar on standard error for long imports.
pub fn import_equipment(conn: &mut DbConn, settings: &Settings, file: &str) -> Result<(), String> {
    let bytes = read_counted(file, settings.import_max_rows)?;
    let started = Instant::now();
    let bar = indicatif::ProgressBar::hidden();
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} 取り込み中 [{bar:40}] {pos}/{len} 行 ({per_sec}, 残り {eta})",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    // Reported once per chunk of rows written (not per row).
    let mut shown = false;
    let mut progress = |done: u64, total: u64| {
        if !shown && total >= 1000 {
            shown = true;
            bar.set_length(total);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        bar.set_position(done);
    };
    let result = csv_io::import_equipment_as_system(conn, &bytes, &mut progress);
    bar.finish_and_clear();
    let outcome = result.map_err(|e| e.describe())?;
    println!(
        "imported {file}: {} created, {} updated, {} unchanged in {:.2} s",
        outcome.created,
        outcome.updated,
        outcome.unchanged,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes the whole register as CSV to standard output.
pub fn export_equipment(conn: &mut DbConn) -> Result<(), String> {
    let bytes =
        csv_io::export_equipment(conn, &EquipmentFilter::default()).map_err(|e| e.message)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)
        .and_then(|_| out.flush())
        .map_err(|e| e.to_string())
}
