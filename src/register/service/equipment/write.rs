//! Writing a device's record: register, change, and the audited diff of a change.

use super::input::{check_references, text};
use super::{
    EquipmentInput, EquipmentPatch, EquipmentView, Faults, device_by_tag, fields_of_input,
    views_of, workflow_status,
};
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::register::model::{self, EquipmentFields};
use crate::register::rules::Status;
use crate::register::service::{may_change, not_allowed};
use serde_json::json;

/// Registers a device. 409 `duplicate_asset_tag` when the tag is taken.
pub fn create_equipment(
    conn: &mut DbConn,
    by: &Principal,
    input: &EquipmentInput,
) -> Result<EquipmentView, AppError> {
    db::write_tx(conn, |conn| {
        let mut errors = Faults::new();
        let mut fields = fields_of_input(input, &mut errors);
        check_references(
            conn,
            &mut fields,
            input.ups_asset_tag.as_deref(),
            &mut errors,
        )?;
        if let Some(err) = AppError::invalid_fields(errors) {
            return Err(err);
        }
        if !may_change(conn, by, fields.department_id, fields.zone_id)? {
            return Err(not_allowed(None));
        }
        if model::find_equipment_by_tag(conn, &fields.asset_tag)?.is_some() {
            return Err(AppError::conflict(
                "duplicate_asset_tag",
                format!("資産番号 {} は既に登録されています。", fields.asset_tag),
            ));
        }
        let now = db::now();
        fields.updated_at = now;
        let created = model::insert_equipment(conn, &fields, now)?;
        let view = views_of(conn, vec![created])?.remove(0);
        audit::record(
            conn,
            &by.actor(),
            "equipment.create",
            "equipment",
            &view.asset_tag,
            json!({ "after": view }),
        )?;
        Ok(view)
    })
}

pub fn update_equipment(
    conn: &mut DbConn,
    by: &Principal,
    raw_tag: &str,
    patch: &EquipmentPatch,
) -> Result<EquipmentView, AppError> {
    db::write_tx(conn, |conn| {
        let current = device_by_tag(conn, raw_tag)?;
        if !may_change(conn, by, current.department_id, current.zone_id)? {
            return Err(not_allowed(Some(&current)));
        }
        if current.status == Status::Disposed.as_str() {
            return Err(AppError::conflict(
                "disposed",
                "廃棄済の機器の記録は変更できません。",
            ));
        }
        let before = views_of(conn, vec![current.clone()])?.remove(0);
        let mut errors = Faults::new();
        let mut f = EquipmentFields::of(&current);
        if let Some(name) = &patch.name {
            match text(&mut errors, "name", Some(name), 100) {
                Some(n) => f.name = n,
                None => {
                    errors
                        .entry("name".into())
                        .or_insert_with(|| "入力してください。".into());
                }
            }
        }
        if let Some(kind) = patch.kind {
            f.kind = kind.as_str().to_owned();
        }
        if let Some(key) = patch.key_equipment {
            f.key_equipment = key;
        }
        if let Some(dept) = patch.department_id {
            f.department_id = dept;
        }
        if let Some(zone) = patch.zone_id {
            f.zone_id = zone;
        }
        if let Some(loc) = &patch.location {
            f.building = text(
                &mut errors,
                "location.building",
                loc.building.as_deref(),
                100,
            );
            f.floor = text(&mut errors, "location.floor", loc.floor.as_deref(), 20);
            f.room = text(&mut errors, "location.room", loc.room.as_deref(), 100);
            f.rack = text(&mut errors, "location.rack", loc.rack.as_deref(), 50);
            f.rack_unit = text(&mut errors, "location.unit", loc.unit.as_deref(), 20);
        }
        for (field, value, target, max) in [
            (
                "manufacturer",
                &patch.manufacturer,
                &mut f.manufacturer,
                100,
            ),
            ("model", &patch.model, &mut f.model, 100),
            (
                "serial_number",
                &patch.serial_number,
                &mut f.serial_number,
                100,
            ),
            ("notes", &patch.notes, &mut f.notes, 2000),
        ] {
            if let Some(v) = value {
                *target = text(&mut errors, field, v.as_deref(), max);
            }
        }
        if let Some(c) = patch.classification {
            f.classification = c.as_str().to_owned();
        }
        if let Some(s) = patch.status {
            if workflow_status(s) && s.as_str() != current.status {
                errors.insert(
                    "status".into(),
                    "廃棄済・持出中は廃棄・持出の手続きで設定されます。".into(),
                );
            }
            f.status = s.as_str().to_owned();
        }
        if let Some(d) = patch.installed_on {
            f.installed_on = d;
        }
        if let Some(s) = patch.surge_protection {
            f.surge_protection = s.map(|s| s.as_str().to_owned());
        }
        if let Some(m) = patch.required_shutdown_min {
            f.required_shutdown_min = m;
        }
        let ups_tag = match &patch.ups_asset_tag {
            Some(tag) => tag.clone(),
            None => before.ups_asset_tag.clone(),
        };
        check_references(conn, &mut f, ups_tag.as_deref(), &mut errors)?;
        if let Some(err) = AppError::invalid_fields(errors) {
            return Err(err);
        }
        if (f.department_id, f.zone_id) != (current.department_id, current.zone_id)
            && !may_change(conn, by, f.department_id, f.zone_id)?
        {
            return Err(not_allowed(Some(&current)));
        }
        f.updated_at = db::now();
        let updated = model::update_equipment(conn, &current, &f)?;
        let after = views_of(conn, vec![updated])?.remove(0);
        audit::record(
            conn,
            &by.actor(),
            "equipment.update",
            "equipment",
            &after.asset_tag,
            changes(&before, &after),
        )?;
        Ok(after)
    })
}

/// Only what changed: `{"changes": {field: {"before": .., "after": ..}}}`.
pub(crate) fn changes(before: &EquipmentView, after: &EquipmentView) -> serde_json::Value {
    let (b, a) = (json!(before), json!(after));
    let mut diff = serde_json::Map::new();
    if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
        for (key, new) in a {
            if key == "updated_at" {
                continue;
            }
            let old = b.get(key).cloned().unwrap_or(serde_json::Value::Null);
            if &old != new {
                diff.insert(key.clone(), json!({ "before": old, "after": new }));
            }
        }
    }
    json!({ "changes": diff })
}
