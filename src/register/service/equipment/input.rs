//! What a device's record accepts: the input and patch shapes, and their checks.

use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::model as identity_model;
use crate::kit::text::clean_optional;
use crate::register::model::{self, EquipmentFields};
use crate::register::rules::{Classification, Kind, Status, SurgeProtection, normalize_tag};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    pub building: Option<String>,
    pub floor: Option<String>,
    pub room: Option<String>,
    pub rack: Option<String>,
    pub unit: Option<String>,
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
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<i64>)]
    pub zone_id: Option<Option<i64>>,
    pub location: Option<LocationInput>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub manufacturer: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub model: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub serial_number: Option<Option<String>>,
    pub classification: Option<Classification>,
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub installed_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub ups_asset_tag: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<SurgeProtection>)]
    pub surge_protection: Option<Option<SurgeProtection>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<i32>)]
    pub required_shutdown_min: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
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
pub(super) fn check_references(
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
