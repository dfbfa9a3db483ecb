//! `daicho backup`: a consistent online copy of a SQLite database that is
//! either whole under its name or not there at all. The copy is written under
//! a temporary name beside the target, synced, and only then renamed: a backup
//! killed part way leaves a `….partial-PID` file, never a file under the final
//! name that reads as an empty or cut-short database.

use super::DbConn;
use diesel::connection::SimpleConnection;
use std::path::{Path, PathBuf};

/// Copies the database to `target` (`VACUUM INTO`), refusing to overwrite.
pub fn backup_sqlite(conn: &mut DbConn, target: &str) -> Result<(), String> {
    let DbConn::Sqlite(lite) = conn else {
        return Err(
            "PostgreSQL is backed up with pg_dump (see README: Backup), not by daicho".into(),
        );
    };
    let target = Path::new(target);
    if target.exists() {
        return Err(format!(
            "{} already exists; choose a new file",
            target.display()
        ));
    }
    let partial = partial_name(target)?;
    let quoted = partial
        .to_str()
        .ok_or("the path is not UTF-8")?
        .replace('\'', "''");
    let written = lite
        .batch_execute(&format!("VACUUM INTO '{quoted}'"))
        .map_err(|e| e.to_string())
        .and_then(|()| settle(&partial, target));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// `DIR/NAME.partial-PID`: beside the target, so the rename stays on one file
/// system, and in plain sight, so that a copy cut short is seen and removed.
fn partial_name(target: &Path) -> Result<PathBuf, String> {
    let name = target
        .file_name()
        .ok_or_else(|| format!("{} names no file", target.display()))?;
    let mut partial = name.to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    Ok(target.with_file_name(partial))
}

/// Syncs the finished copy, renames it to `target` and syncs the directory,
/// so that after a power cut the name points at the whole copy or at nothing.
fn settle(partial: &Path, target: &Path) -> Result<(), String> {
    let io = |what: &str, e: std::io::Error| format!("{what} {}: {e}", target.display());
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("cannot sync", e))?;
    if target.exists() {
        return Err(format!(
            "{} appeared while the copy was written; choose a new file",
            target.display()
        ));
    }
    std::fs::rename(partial, target).map_err(|e| io("cannot name the copy", e))?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("cannot sync the folder of", e))
}
