//! Writing a checked import in its transaction: new devices with multi-row
//! INSERTs (COPY on PostgreSQL), changed ones with one UPDATE per thousand
//! rows on PostgreSQL and of the changed columns on SQLite, and one audit
//! event per device appended through a single audit batch (the chain head
//! stays in memory).

use super::plan::{Lookups, Planned};
use super::*;

/// Rows handled between two progress reports (and per multi-row INSERT).
const CHUNK: usize = 1000;

/// New devices from which an import refreshes PostgreSQL's planner statistics.
const ANALYZE_AFTER: u64 = 1000;

/// What one row does, with its audit event once the chunk is written.
enum Step {
    Create(String, serde_json::Value),
    Update(String, serde_json::Value),
    Unchanged,
}

pub(super) fn write_rows(
    conn: &mut DbConn,
    actor: &audit::Actor,
    planned: Vec<Planned>,
    l: &Lookups,
    file_sha256: String,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportOutcome, ImportError> {
    let now = db::now();
    let total = planned.len() as u64;
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
    // Links between new UPSes, set once both exist: (device, UPS) by tag.
    let mut deferred: Vec<(String, String)> = Vec::new();

    // New devices that other rows name as their UPS go in first, so the rows
    // naming them are written with the link already in place.
    let named: HashSet<&str> = planned
        .iter()
        .filter_map(|p| p.ups_tag.as_deref())
        .collect();
    let early: Vec<bool> = planned
        .iter()
        .map(|p| p.existing.is_none() && named.contains(p.fields.asset_tag.as_str()))
        .collect();
    let mut first = Vec::new();
    for p in planned
        .iter()
        .zip(&early)
        .filter(|(_, e)| **e)
        .map(|(p, _)| p)
    {
        let f = resolved(p, &ids, now);
        if p.ups_tag.is_some() && f.ups_equipment_id.is_none() {
            deferred.push((f.asset_tag.clone(), p.ups_tag.clone().unwrap_or_default()));
        }
        first.push(f);
    }
    ids.extend(
        model::insert_equipment_many(conn, &first, now)?
            .into_iter()
            .map(|(id, tag)| (tag, id)),
    );
    drop(first);

    let mut audit = audit::Batch::begin(conn, actor)?;
    let first_seq = audit.seq() + 1;
    let mut outcome = ImportOutcome::default();
    let mut done = 0u64;
    for (chunk, early) in planned.chunks(CHUNK).zip(early.chunks(CHUNK)) {
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        let mut steps = Vec::with_capacity(chunk.len());
        for (p, early) in chunk.iter().zip(early) {
            let f = resolved(p, &ids, now);
            if !early && p.ups_tag.is_some() && f.ups_equipment_id.is_none() {
                // Checked rows name only UPSes stored before or written above.
                return Err(AppError::internal("import: a UPS was not written first").into());
            }
            let step = match &p.existing {
                None => {
                    let view = view_of(stored(&f, now), p.ups_tag.clone());
                    let detail = json!({ "after": view, "via": "csv_import" });
                    if !early {
                        creates.push(f);
                    }
                    outcome.created += 1;
                    Step::Create(view.asset_tag, detail)
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
                        outcome.unchanged += 1;
                        Step::Unchanged
                    } else {
                        updates.push((current, f));
                        diff["via"] = json!("csv_import");
                        outcome.updated += 1;
                        Step::Update(current.asset_tag.clone(), diff)
                    }
                }
            };
            steps.push(step);
        }
        model::insert_equipment_bulk(conn, &creates, now)?;
        model::update_equipment_bulk(conn, &updates)?;
        for step in steps {
            match step {
                Step::Create(tag, detail) => {
                    audit.push(conn, "equipment.create", "equipment", &tag, &detail)?
                }
                Step::Update(tag, detail) => {
                    audit.push(conn, "equipment.update", "equipment", &tag, &detail)?
                }
                Step::Unchanged => continue,
            };
        }
        done += chunk.len() as u64;
        progress(done, total);
    }
    for (device, ups) in deferred {
        let (Some(id), Some(ups_id)) = (ids.get(&device), ids.get(&ups)) else {
            return Err(AppError::internal("import: a UPS link has no device").into());
        };
        diesel::update(equipment::table.find(*id))
            .set(equipment::ups_equipment_id.eq(ups_id))
            .execute(conn)?;
    }
    let last_seq = audit.seq();
    audit.push(
        conn,
        "equipment.import",
        "equipment",
        "*",
        &json!({
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "file_sha256": file_sha256,
            // The per-device events of this import, as a range of `seq`.
            "events": if last_seq >= first_seq { json!([first_seq, last_seq]) } else { json!(null) },
        }),
    )?;
    audit.finish(conn)?;
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
