//! `daicho audit verify [--file F [--checkpoints C]]`, `daicho audit export
//! [--from-seq N]` and `daicho audit checkpoints`.

use super::rules::checkpoint::{Anchors, CheckpointFile};
use super::rules::export::verify_export_with;
use super::service::{self, export};
use crate::db::DbConn;
use std::io::{BufReader, Write};

/// Recomputes the chain in the database; `Err` names the first broken row.
pub fn verify(conn: &mut DbConn) -> Result<(), String> {
    let report = service::verify(conn).map_err(|e| e.to_string())?;
    if report.ok {
        println!(
            "audit chain OK: {} events, head {}, held to {} signed checkpoint(s)",
            report.events, report.head_hash, report.checkpoints
        );
        Ok(())
    } else {
        Err(format!(
            "audit chain BROKEN at id {} (seq {}): {}; {} events verified before it",
            report.first_broken_id.map_or("-".into(), |i| i.to_string()),
            report
                .first_broken_seq
                .map_or("-".into(), |i| i.to_string()),
            report.reason.as_deref().unwrap_or("unknown"),
            report.events
        ))
    }
}

/// Verifies an export with no database (`-` reads standard input); `Err` names
/// the first broken `seq` and why.
pub fn verify_file(file: &str, checkpoints: Option<&str>) -> Result<(), String> {
    let anchors = match checkpoints {
        None => Anchors::default(),
        Some(path) => read_anchors(path)?,
    };
    let result = if file == "-" {
        verify_export_with(std::io::stdin().lock(), &anchors)
    } else {
        let input = std::fs::File::open(file).map_err(|e| format!("{file}: {e}"))?;
        verify_export_with(BufReader::with_capacity(1 << 16, input), &anchors)
    };
    let summary = result.map_err(|fault| format!("{file}: audit export BROKEN at {fault}"))?;
    println!(
        "audit export OK: {} events, seq {} to {}, head {}",
        summary.events, summary.first_seq, summary.last_seq, summary.head_hash
    );
    if let Some(path) = checkpoints {
        let held = anchors.within(summary.first_seq - 1, summary.last_seq);
        println!(
            "held to {held} of the {} signed checkpoint(s) in {path}",
            anchors.len()
        );
        if held < anchors.len() {
            println!(
                "the others lie before seq {}: verify an export from seq 1 to hold the file to them",
                summary.first_seq - 1
            );
        }
    }
    if summary.from_genesis() {
        println!("it starts the chain (seq 1)");
    } else {
        println!(
            "it continues the chain after seq {}, whose hash it takes as {}: check that against an earlier export or a recorded head",
            summary.first_seq - 1,
            summary.starts_after
        );
    }
    Ok(())
}

/// Writes the chain from `from_seq` through the present head to standard
/// output as JSON Lines, a batch at a time.
pub fn export(conn: &mut DbConn, from_seq: i64) -> Result<(), String> {
    let mut range = export::begin_export_as_system(conn, from_seq).map_err(|e| e.message)?;
    let mut out = std::io::stdout().lock();
    loop {
        let (lines, rest) = export::export_batch(conn, range).map_err(|e| e.to_string())?;
        if lines.is_empty() {
            break;
        }
        out.write_all(&lines).map_err(|e| e.to_string())?;
        range = rest;
    }
    out.flush().map_err(|e| e.to_string())
}

/// Reads a checkpoints file and checks every signature in it.
fn read_anchors(path: &str) -> Result<Anchors, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let file: CheckpointFile = serde_json::from_str(&text)
        .map_err(|e| format!("{path}: not a checkpoints file ({{keys, items}}): {e}"))?;
    let keys = file.public_keys().map_err(|e| format!("{path}: {e}"))?;
    Anchors::from_checkpoints(&file.items, &keys).map_err(|fault| {
        format!(
            "{path}: checkpoint at seq {}: {} ({})",
            fault.seq, fault.reason, fault.explanation
        )
    })
}

/// Writes the checkpoints and their keys to standard output as JSON.
pub fn checkpoints(conn: &mut DbConn) -> Result<(), String> {
    let file = service::checkpoints::file(conn).map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}
