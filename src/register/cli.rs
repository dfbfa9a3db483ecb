//! `daicho import equipment FILE` and `daicho export equipment`.

use crate::config::Settings;
use crate::db;
use crate::register::model::EquipmentFilter;
use crate::register::service::csv_io;
use std::io::Write;
use std::time::Instant;

fn connect(settings: &Settings) -> Result<db::DbConn, String> {
    let mut conn = db::establish(&settings.database_url)?;
    db::run_migrations(&mut conn)?;
    Ok(conn)
}

/// Imports a CSV file, with a progress bar on standard error for long imports.
pub fn import_equipment(settings: &Settings, file: &str) -> Result<(), String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let mut conn = connect(settings)?;
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
    let result = csv_io::import_equipment_as_system(&mut conn, &bytes, &mut progress);
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
pub fn export_equipment(settings: &Settings) -> Result<(), String> {
    let mut conn = connect(settings)?;
    let bytes =
        csv_io::export_equipment(&mut conn, &EquipmentFilter::default()).map_err(|e| e.message)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)
        .and_then(|_| out.flush())
        .map_err(|e| e.to_string())
}
