//! Writing a checked import in short transactions of [`CHUNK`] rows, each
//! with its own audit events, so that no writer — a gate entry above all —
//! waits behind the whole file. New devices go in with multi-row INSERTs,
//! changed ones with one UPDATE per batch on PostgreSQL and of the changed
//! columns on SQLite. A closing `equipment.import` event records the file and
//! the audit events of every batch.
//!
//! All or nothing holds for the checking: a file with one bad line writes
//! nothing. A crash or a lost database between two batches leaves the batches
//! before it written (each whole, with its events) and no closing event;
//! importing the same file again finishes the work, since rows already
//! written are then unchanged. Before each batch its rows are read again: a
//! device changed or created by someone else since the check stops the import
//! there (409 `import_conflict`) rather than overwrite that change.

use super::plan::{Lookups, Planned, plan_row};
use super::rows::File;
use super::*;

/// Rows per transaction (and per multi-row INSERT).
const CHUNK: usize = 1000;
/// New devices from which an import refreshes PostgreSQL's planner statistics.
const ANALYZE_AFTER: u64 = 1000;

/// A file that passed the check, with what it was checked against.
pub(super) struct Checked<'a> {
    pub(super) file: &'a File<'a>,
    pub(super) by: &'a Principal,
    pub(super) l: &'a Lookups,
    /// Tags of new devices that other rows name as their UPS.
    pub(super) early: HashSet<String>,
    /// Rows to write (blank lines are not rows).
    pub(super) rows: u64,
}

impl Checked<'_> {
    /// Plans each row again, as it was checked, and hands `f` those `keep` accepts.
    fn each_planned(
        &self,
        keep: impl Fn(&Planned) -> bool,
        mut f: impl FnMut(Planned) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        self.file.each(|record| {
            let r =
                record.map_err(|_| AppError::internal("import: a checked row is unreadable"))?;
            if r.is_blank() {
                return Ok(());
            }
            // The check found no duplicate tags: no need to look again.
            let p = plan_row(&r, self.by, self.l, &mut HashMap::new(), r.line())
                .map_err(|m| AppError::internal(format!("import: a checked row fails: {m}")))?;
            if keep(&p) { f(p) } else { Ok(()) }
        })
    }
}

pub(super) fn write_rows(
    conn: &mut DbConn,
    actor: &audit::Actor,
    checked: Checked<'_>,
    file_sha256: String,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportOutcome, ImportError> {
    let now = db::now();
    let (l, total) = (checked.l, checked.rows);
    let mut ids: HashMap<String, i64> = l
        .existing
        .values()
        .map(|e| (e.asset_tag.clone(), e.id))
        .collect();
    // The UPS tags the stored rows point at now, for the audit's "before".
    let linked: Vec<i64> = l
        .existing
        .values()
        .filter_map(|e| e.ups_equipment_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut linked_tags: HashMap<i64, String> = HashMap::new();
    for chunk in linked.chunks(1000) {
        linked_tags.extend(model::tags_by_id(conn, chunk)?);
    }
    let early_row =
        |p: &Planned| p.existing.is_none() && checked.early.contains(&p.fields.asset_tag);
    let mut outcome = ImportOutcome::default();
    // The per-device events of each batch, as ranges of `seq`.
    let mut batches: Vec<[i64; 2]> = Vec::new();
    let mut done = 0u64;
    if !checked.early.is_empty() {
        // New devices that other rows name as their UPS go in first, in a batch
        // of their own, so the rows naming them are written with the link in place.
        let mut early = Vec::new();
        checked.each_planned(early_row, |p| {
            early.push(p);
            Ok(())
        })?;
        let range = db::write_tx(conn, |conn| -> Result<_, ImportError> {
            still_as_checked(conn, &early, done)?;
            write_early(conn, actor, &early, &mut ids, now)
        })?;
        outcome.created += early.len() as u64;
        batches.push(range);
        done += early.len() as u64;
        progress(done, total);
    }
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut write = |chunk: &mut Vec<Planned>| -> Result<(), ImportError> {
        let (range, counts) = db::write_tx(conn, |conn| -> Result<_, ImportError> {
            still_as_checked(conn, chunk, done)?;
            write_chunk(conn, actor, chunk, &ids, &linked_tags, now)
        })?;
        outcome.created += counts.created;
        outcome.updated += counts.updated;
        outcome.unchanged += counts.unchanged;
        batches.extend(range);
        done += chunk.len() as u64;
        progress(done, total);
        chunk.clear();
        Ok(())
    };
    checked.each_planned(
        |p| !early_row(p),
        |p| {
            chunk.push(p);
            if chunk.len() == CHUNK {
                write(&mut chunk)?;
            }
            Ok(())
        },
    )?;
    if !chunk.is_empty() {
        write(&mut chunk)?;
    }
    db::write_tx(conn, |conn| {
        audit::record(
            conn,
            actor,
            "equipment.import",
            "equipment",
            "*",
            json!({
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "file_sha256": file_sha256,
                // The per-device events of this import: one range of `seq` a
                // batch (other writers' events may fall between two batches).
                "batches": batches,
            }),
        )
    })?;
    if outcome.created >= ANALYZE_AFTER
        && let DbConn::Pg(pg) = conn
    {
        // Until autovacuum gets round to it, PostgreSQL plans for the table as it
        // was: an immediate re-import's tag look-ups (`= ANY($1)`, 1,000 tags a
        // query) would scan the whole table each time (measured: 245 s for
        // 100,000 rows instead of about 2 s).
        use diesel::connection::SimpleConnection;
        pg.batch_execute("ANALYZE equipment")?;
    }
    Ok(outcome)
}

/// Stops the import (409) when a row of this batch no longer stands as it was
/// checked: a device created, changed or removed by someone else meanwhile.
fn still_as_checked(conn: &mut DbConn, rows: &[Planned], done: u64) -> Result<(), ImportError> {
    let tags: Vec<String> = rows.iter().map(|p| p.fields.asset_tag.clone()).collect();
    let now: HashMap<String, String> = model::equipment_by_tags(conn, &tags)?
        .into_iter()
        .map(|e| (e.asset_tag.clone(), format!("{e:?}")))
        .collect();
    for p in rows {
        let then = p.existing.as_ref().map(|e| format!("{e:?}"));
        if then.as_ref() != now.get(&p.fields.asset_tag) {
            return Err(AppError::conflict(
                "import_conflict",
                format!(
                    "取り込み中に機器 {}（{}行目）が他の操作で登録・変更されたため、ここで止めました。\
                     先頭から {done} 行は取り込み済みです。同じファイルをもう一度取り込むと、\
                     残りが取り込まれます（取り込み済みの行は「変更なし」になります）。",
                    p.fields.asset_tag, p.line
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// The new UPSes other rows name, with links among themselves; their events.
fn write_early(
    conn: &mut DbConn,
    actor: &audit::Actor,
    early: &[Planned],
    ids: &mut HashMap<String, i64>,
    now: NaiveDateTime,
) -> Result<[i64; 2], ImportError> {
    // Links between new UPSes, set once both exist: (device, UPS) by tag.
    let mut deferred: Vec<(String, String)> = Vec::new();
    let mut first = Vec::with_capacity(early.len());
    for p in early {
        let f = resolved(p, ids, now);
        if let Some(ups) = &p.ups_tag
            && f.ups_equipment_id.is_none()
        {
            deferred.push((f.asset_tag.clone(), ups.clone()));
        }
        first.push(f);
    }
    ids.extend(
        model::insert_equipment_many(conn, &first, now)?
            .into_iter()
            .map(|(id, tag)| (tag, id)),
    );
    for (device, ups) in deferred {
        let (Some(id), Some(ups_id)) = (ids.get(&device), ids.get(&ups)) else {
            return Err(AppError::internal("import: a UPS link has no device").into());
        };
        diesel::update(equipment::table.find(*id))
            .set(equipment::ups_equipment_id.eq(ups_id))
            .execute(conn)?;
    }
    let mut audit = audit::Batch::begin(conn, actor)?;
    let from = audit.seq() + 1;
    for (p, f) in early.iter().zip(&first) {
        let view = view_of(stored(f, now), p.ups_tag.clone());
        let detail = json!({ "after": view, "via": "csv_import" });
        audit.push(
            conn,
            "equipment.create",
            "equipment",
            &view.asset_tag,
            &detail,
        )?;
    }
    let to = audit.finish(conn)?;
    Ok([from, to])
}

/// One batch of rows: creates, updates and their events (none when all are unchanged).
fn write_chunk(
    conn: &mut DbConn,
    actor: &audit::Actor,
    chunk: &[Planned],
    ids: &HashMap<String, i64>,
    linked_tags: &HashMap<i64, String>,
    now: NaiveDateTime,
) -> Result<(Option<[i64; 2]>, ImportOutcome), ImportError> {
    let mut counts = ImportOutcome::default();
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    let mut events = Vec::with_capacity(chunk.len());
    for p in chunk {
        let f = resolved(p, ids, now);
        if p.ups_tag.is_some() && f.ups_equipment_id.is_none() {
            // Checked rows name only UPSes stored before or written first.
            return Err(AppError::internal("import: a UPS was not written first").into());
        }
        match &p.existing {
            None => {
                let view = view_of(stored(&f, now), p.ups_tag.clone());
                let detail = json!({ "after": view, "via": "csv_import" });
                creates.push(f);
                counts.created += 1;
                events.push(("equipment.create", view.asset_tag, detail));
            }
            Some(current) => {
                let before_ups = current
                    .ups_equipment_id
                    .and_then(|id| linked_tags.get(&id).cloned());
                let before = view_of(current.clone(), before_ups);
                let mut probe = current.clone();
                apply(&mut probe, &f);
                let after = view_of(probe, p.ups_tag.clone());
                let mut diff = changes(&before, &after);
                if diff["changes"].as_object().is_none_or(|m| m.is_empty()) {
                    counts.unchanged += 1;
                } else {
                    diff["via"] = json!("csv_import");
                    counts.updated += 1;
                    events.push(("equipment.update", current.asset_tag.clone(), diff));
                    updates.push((current, f));
                }
            }
        }
    }
    if events.is_empty() {
        return Ok((None, counts));
    }
    model::insert_equipment_bulk(conn, &creates, now)?;
    model::update_equipment_bulk(conn, &updates)?;
    let mut audit = audit::Batch::begin(conn, actor)?;
    let from = audit.seq() + 1;
    for (action, tag, detail) in &events {
        audit.push(conn, action, "equipment", tag, detail)?;
    }
    let to = audit.finish(conn)?;
    Ok((Some([from, to]), counts))
}

/// A row's fields as they will be written: stamped now, the UPS as an id when known.
fn resolved(p: &Planned, ids: &HashMap<String, i64>, now: NaiveDateTime) -> EquipmentFields {
    let mut f = p.fields.clone();
    f.updated_at = now;
    f.ups_equipment_id = p.ups_tag.as_ref().and_then(|t| ids.get(t).copied());
    f
}

/// The row a new device becomes, for its audit view (which shows no id).
fn stored(f: &EquipmentFields, now: NaiveDateTime) -> Equipment {
    let mut e = Equipment {
        id: 0,
        asset_tag: f.asset_tag.clone(),
        name: String::new(),
        kind: String::new(),
        key_equipment: false,
        department_id: 0,
        zone_id: None,
        building: None,
        floor: None,
        room: None,
        rack: None,
        rack_unit: None,
        manufacturer: None,
        model: None,
        serial_number: None,
        classification: String::new(),
        status: String::new(),
        installed_on: None,
        ups_equipment_id: f.ups_equipment_id,
        surge_protection: None,
        required_shutdown_min: None,
        notes: None,
        created_at: now,
        updated_at: f.updated_at,
    };
    apply(&mut e, f);
    e
}

/// The stored row as it would be after writing `f` (for the audit diff).
fn apply(e: &mut Equipment, f: &EquipmentFields) {
    e.name = f.name.clone();
    e.kind = f.kind.clone();
    e.key_equipment = f.key_equipment;
    e.department_id = f.department_id;
    e.zone_id = f.zone_id;
    e.building = f.building.clone();
    e.floor = f.floor.clone();
    e.room = f.room.clone();
    e.rack = f.rack.clone();
    e.rack_unit = f.rack_unit.clone();
    e.manufacturer = f.manufacturer.clone();
    e.model = f.model.clone();
    e.serial_number = f.serial_number.clone();
    e.classification = f.classification.clone();
    e.status = f.status.clone();
    e.installed_on = f.installed_on;
    e.surge_protection = f.surge_protection.clone();
    e.required_shutdown_min = f.required_shutdown_min;
    e.notes = f.notes.clone();
}
