//! The record of all equipment (機器台帳, 第4条): register, change, list, history.

use super::{may_change, not_allowed};
use crate::audit::{self, AuditEvent};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::identity::model as identity_model;
use crate::identity::rules::clean_optional;
use crate::register::model::{self, Equipment, EquipmentFields, EquipmentFilter, MatchCount};
use crate::register::rules::{Classification, Kind, Status, SurgeProtection, normalize_tag};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    pub building: Option<String>,
    pub floor: Option<String>,
    pub room: Option<String>,
    pub rack: Option<String>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EquipmentView {
    pub asset_tag: String,
    pub name: String,
    pub kind: Kind,
    pub key_equipment: bool,
    pub department_id: i64,
    pub zone_id: Option<i64>,
    pub location: LocationInput,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub classification: Classification,
    pub status: Status,
    pub installed_on: Option<NaiveDate>,
    pub ups_asset_tag: Option<String>,
    pub surge_protection: Option<SurgeProtection>,
    pub required_shutdown_min: Option<i32>,
    pub notes: Option<String>,
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::web::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// A stored row as the API shows it; the UPS link is given by its tag.
pub fn view_of(e: Equipment, ups_tag: Option<String>) -> EquipmentView {
    EquipmentView {
        kind: Kind::parse(&e.kind).unwrap_or(Kind::Other),
        classification: Classification::parse(&e.classification).unwrap_or(Classification::Secret),
        status: Status::parse(&e.status).unwrap_or(Status::InService),
        surge_protection: e
            .surge_protection
            .as_deref()
            .and_then(SurgeProtection::parse),
        location: LocationInput {
            building: e.building,
            floor: e.floor,
            room: e.room,
            rack: e.rack,
            unit: e.rack_unit,
        },
        asset_tag: e.asset_tag,
        name: e.name,
        key_equipment: e.key_equipment,
        department_id: e.department_id,
        zone_id: e.zone_id,
        manufacturer: e.manufacturer,
        model: e.model,
        serial_number: e.serial_number,
        installed_on: e.installed_on,
        ups_asset_tag: ups_tag,
        required_shutdown_min: e.required_shutdown_min,
        notes: e.notes,
        created_at: e.created_at,
        updated_at: e.updated_at,
    }
}

/// Many rows as views, with their UPS tags looked up in one query.
pub fn views_of(conn: &mut DbConn, rows: Vec<Equipment>) -> Result<Vec<EquipmentView>, AppError> {
    let ups_ids: Vec<i64> = rows.iter().filter_map(|e| e.ups_equipment_id).collect();
    let tags: HashMap<i64, String> = if ups_ids.is_empty() {
        HashMap::new()
    } else {
        model::tags_by_id(conn, &ups_ids)?
    };
    Ok(rows
        .into_iter()
        .map(|e| {
            let ups = e.ups_equipment_id.and_then(|id| tags.get(&id).cloned());
            view_of(e, ups)
        })
        .collect())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EquipmentInput {
    pub asset_tag: String,
    pub name: String,
    pub kind: Kind,
    pub key_equipment: bool,
    pub department_id: i64,
    pub zone_id: Option<i64>,
    pub location: Option<LocationInput>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial_number: Option<String>,
    pub classification: Classification,
    pub status: Option<Status>,
    pub installed_on: Option<NaiveDate>,
    pub ups_asset_tag: Option<String>,
    pub surge_protection: Option<SurgeProtection>,
    pub required_shutdown_min: Option<i32>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EquipmentPatch {
    pub name: Option<String>,
    pub kind: Option<Kind>,
    pub key_equipment: Option<bool>,
    pub department_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::web::json::double_option")]
    #[schema(value_type = Option<i64>)]
    pub zone_id: Option<Option<i64>>,
    pub location: Option<LocationInput>,
    #[serde(default, deserialize_with = "crate::web::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub manufacturer: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub model: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub serial_number: Option<Option<String>>,
    pub classification: Option<Classification>,
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "crate::web::json::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub installed_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::web::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub ups_asset_tag: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::web::json::double_option")]
    #[schema(value_type = Option<SurgeProtection>)]
    pub surge_protection: Option<Option<SurgeProtection>>,
    #[serde(default, deserialize_with = "crate::web::json::double_option")]
    #[schema(value_type = Option<i32>)]
    pub required_shutdown_min: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::web::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

pub(crate) type Faults = BTreeMap<String, String>;

pub(crate) fn text(
    errors: &mut Faults,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    clean_optional(value, max).unwrap_or_else(|e| {
        errors.insert(field.to_owned(), e);
        None
    })
}

/// Statuses reached only through their workflows, never by editing the record.
pub(crate) fn workflow_status(status: Status) -> bool {
    matches!(status, Status::Disposed | Status::CarriedOut)
}

/// Checks the references of a record (department, zone, UPS) against the database.
fn check_references(
    conn: &mut DbConn,
    f: &mut EquipmentFields,
    ups_tag: Option<&str>,
    errors: &mut Faults,
) -> Result<(), AppError> {
    match identity_model::find_department(conn, f.department_id) {
        Ok(_) => {}
        Err(diesel::result::Error::NotFound) => {
            errors.insert(
                "department_id".into(),
                "指定された所属がありません。".into(),
            );
        }
        Err(e) => return Err(e.into()),
    }
    if let Some(zone) = f.zone_id {
        match model::find_zone(conn, zone) {
            Ok(z) if z.active => {}
            Ok(_) => {
                errors.insert("zone_id".into(), "この管理区域は廃止されています。".into());
            }
            Err(diesel::result::Error::NotFound) => {
                errors.insert("zone_id".into(), "指定された管理区域がありません。".into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    f.ups_equipment_id = None;
    if let Some(raw) = ups_tag.map(str::trim).filter(|t| !t.is_empty()) {
        match normalize_tag(raw) {
            Err(e) => {
                errors.insert("ups_asset_tag".into(), e.message());
            }
            Ok(tag) => match model::find_equipment_by_tag(conn, &tag)? {
                Some(ups) if ups.kind == Kind::Ups.as_str() && ups.asset_tag != f.asset_tag => {
                    f.ups_equipment_id = Some(ups.id)
                }
                Some(_) => {
                    errors.insert(
                        "ups_asset_tag".into(),
                        format!("{tag} はUPS（種別 ups）ではありません。"),
                    );
                }
                None => {
                    errors.insert(
                        "ups_asset_tag".into(),
                        format!("UPS {tag} は登録されていません。"),
                    );
                }
            },
        }
    }
    if f.required_shutdown_min
        .is_some_and(|m| !(0..=1440).contains(&m))
    {
        errors.insert(
            "required_shutdown_min".into(),
            "0〜1440（分）で入力してください。".into(),
        );
    }
    Ok(())
}

pub(crate) fn fields_of_input(input: &EquipmentInput, errors: &mut Faults) -> EquipmentFields {
    let asset_tag = normalize_tag(&input.asset_tag).unwrap_or_else(|e| {
        errors.insert("asset_tag".into(), e.message());
        String::new()
    });
    let name = text(errors, "name", Some(&input.name), 100);
    if name.is_none() && !errors.contains_key("name") {
        errors.insert("name".into(), "入力してください。".into());
    }
    let status = input.status.unwrap_or(Status::InService);
    if workflow_status(status) {
        errors.insert(
            "status".into(),
            "廃棄済・持出中は廃棄・持出の手続きで設定されます。".into(),
        );
    }
    let location = input.location.clone().unwrap_or_default();
    EquipmentFields {
        asset_tag,
        name: name.unwrap_or_default(),
        kind: input.kind.as_str().to_owned(),
        key_equipment: input.key_equipment,
        department_id: input.department_id,
        zone_id: input.zone_id,
        building: text(
            errors,
            "location.building",
            location.building.as_deref(),
            100,
        ),
        floor: text(errors, "location.floor", location.floor.as_deref(), 20),
        room: text(errors, "location.room", location.room.as_deref(), 100),
        rack: text(errors, "location.rack", location.rack.as_deref(), 50),
        rack_unit: text(errors, "location.unit", location.unit.as_deref(), 20),
        manufacturer: text(errors, "manufacturer", input.manufacturer.as_deref(), 100),
        model: text(errors, "model", input.model.as_deref(), 100),
        serial_number: text(errors, "serial_number", input.serial_number.as_deref(), 100),
        classification: input.classification.as_str().to_owned(),
        status: status.as_str().to_owned(),
        installed_on: input.installed_on,
        ups_equipment_id: None,
        surge_protection: input.surge_protection.map(|s| s.as_str().to_owned()),
        required_shutdown_min: input.required_shutdown_min,
        notes: text(errors, "notes", input.notes.as_deref(), 2000),
        updated_at: db::now(),
    }
}

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

pub(crate) fn find_by_tag(conn: &mut DbConn, raw: &str) -> Result<Equipment, AppError> {
    let tag = normalize_tag(raw)
        .map_err(|_| AppError::not_found("指定された機器は登録されていません。"))?;
    model::find_equipment_by_tag(conn, &tag)?
        .ok_or_else(|| AppError::not_found(format!("機器 {tag} は登録されていません。")))
}

pub fn get_equipment(conn: &mut DbConn, raw_tag: &str) -> Result<EquipmentView, AppError> {
    let e = find_by_tag(conn, raw_tag)?;
    Ok(views_of(conn, vec![e])?.remove(0))
}

pub fn update_equipment(
    conn: &mut DbConn,
    by: &Principal,
    raw_tag: &str,
    patch: &EquipmentPatch,
) -> Result<EquipmentView, AppError> {
    db::write_tx(conn, |conn| {
        let current = find_by_tag(conn, raw_tag)?;
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
        let updated = model::update_equipment(conn, current.id, &f)?;
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

/// One page of the register and how many match (exactly up to `model::COUNT_CAP`).
pub fn list_equipment(
    conn: &mut DbConn,
    filter: &EquipmentFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<EquipmentView>, MatchCount), AppError> {
    let (rows, count) = model::list_equipment(conn, filter, offset, limit)?;
    Ok((views_of(conn, rows)?, count))
}

/// A device's full change history from the audit chain, newest first.
pub fn equipment_history(conn: &mut DbConn, raw_tag: &str) -> Result<Vec<AuditEvent>, AppError> {
    let e = find_by_tag(conn, raw_tag)?;
    Ok(audit::service::history(
        conn,
        "equipment",
        &e.asset_tag,
        1000,
    )?)
}
