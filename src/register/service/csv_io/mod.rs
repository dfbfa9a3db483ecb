//! The equipment register as CSV for people who keep ledgers in Excel: export
//! (UTF-8 with BOM, CRLF, Japanese headers) and import (UTF-8 with or without
//! BOM, or Shift_JIS; every line checked first; all or nothing).

mod import;
mod limit;
mod plan;
mod rows;
mod write;
pub use import::*;
pub use limit::{RowCounter, too_many_rows};

/// The largest CSV accepted, from the API and the page (100,000 rows with long notes fit).
pub const IMPORT_LIMIT: usize = 50 * 1024 * 1024;

use super::equipment::{Faults, changes, fields_of_input, view_of, workflow_status};
use crate::audit;
use crate::db::schema::equipment;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::kit::excel::CsvWriter;
use crate::register::model::{self, Equipment, EquipmentFields, EquipmentFilter, Zone};
use crate::register::rules::{Classification, Kind, Status, SurgeProtection, normalize_tag};
use crate::register::service::{EquipmentInput, LocationInput};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// The columns, in export order. 登録日時 and 更新日時 are ignored on import.
pub const HEADERS: [&str; 23] = [
    "資産番号",
    "機器名",
    "種別",
    "主要機器",
    "所管課コード",
    "管理区域コード",
    "建物",
    "階",
    "部屋",
    "ラック",
    "ユニット",
    "メーカー",
    "型番",
    "製造番号",
    "情報区分",
    "状態",
    "設置日",
    "UPS資産番号",
    "サージ保護",
    "必要停止時間（分）",
    "備考",
    "登録日時",
    "更新日時",
];

const REQUIRED: [&str; 5] = ["資産番号", "機器名", "種別", "所管課コード", "情報区分"];

/// The column a service field error belongs to.
fn column_of(field: &str) -> &str {
    match field {
        "asset_tag" => "資産番号",
        "name" => "機器名",
        "kind" => "種別",
        "key_equipment" => "主要機器",
        "department_id" => "所管課コード",
        "zone_id" => "管理区域コード",
        "location.building" => "建物",
        "location.floor" => "階",
        "location.room" => "部屋",
        "location.rack" => "ラック",
        "location.unit" => "ユニット",
        "manufacturer" => "メーカー",
        "model" => "型番",
        "serial_number" => "製造番号",
        "classification" => "情報区分",
        "status" => "状態",
        "installed_on" => "設置日",
        "ups_asset_tag" => "UPS資産番号",
        "surge_protection" => "サージ保護",
        "required_shutdown_min" => "必要停止時間（分）",
        "notes" => "備考",
        other => other,
    }
}

/// A cell as typed in Excel, without the `'` that kept a formula-looking text a text.
fn from_excel(text: &str) -> &str {
    crate::kit::excel::undo_defuse(text)
}

/// Every device matching the filter, in tag order.
fn all_matching(conn: &mut DbConn, filter: &EquipmentFilter) -> Result<Vec<Equipment>, AppError> {
    Ok(model::list_all_equipment(conn, filter)?)
}

/// The register as an Excel-ready CSV: UTF-8 with BOM, CRLF, Japanese headers and labels.
pub fn export_equipment(conn: &mut DbConn, filter: &EquipmentFilter) -> Result<Vec<u8>, AppError> {
    let rows = all_matching(conn, filter)?;
    let departments: HashMap<i64, String> = crate::identity::service::list_departments(conn)?
        .into_iter()
        .map(|d| (d.id, d.code))
        .collect();
    let zones: HashMap<i64, String> = model::list_zones(conn)?
        .into_iter()
        .map(|z| (z.id, z.code))
        .collect();
    let ups_ids: Vec<i64> = {
        let set: HashSet<i64> = rows.iter().filter_map(|e| e.ups_equipment_id).collect();
        set.into_iter().collect()
    };
    let mut ups_tags = HashMap::new();
    for chunk in ups_ids.chunks(1000) {
        ups_tags.extend(model::tags_by_id(conn, chunk)?);
    }
    let mut writer = CsvWriter::new(&HEADERS);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let stamp = |t| {
        crate::kit::time::to_tokyo(t)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    for e in &rows {
        let record: [String; 23] = [
            e.asset_tag.clone(),
            e.name.clone(),
            Kind::stored(&e.kind)?.label().to_owned(),
            if e.key_equipment {
                "はい"
            } else {
                "いいえ"
            }
            .to_owned(),
            departments
                .get(&e.department_id)
                .cloned()
                .unwrap_or_default(),
            e.zone_id
                .and_then(|z| zones.get(&z).cloned())
                .unwrap_or_default(),
            opt(&e.building),
            opt(&e.floor),
            opt(&e.room),
            opt(&e.rack),
            opt(&e.rack_unit),
            opt(&e.manufacturer),
            opt(&e.model),
            opt(&e.serial_number),
            Classification::stored(&e.classification)?
                .label()
                .to_owned(),
            Status::stored(&e.status)?.label().to_owned(),
            e.installed_on.map(|d| d.to_string()).unwrap_or_default(),
            e.ups_equipment_id
                .and_then(|id| ups_tags.get(&id).cloned())
                .unwrap_or_default(),
            e.surge_protection
                .as_deref()
                .map(SurgeProtection::stored)
                .transpose()?
                .map(|s| s.label().to_owned())
                .unwrap_or_default(),
            e.required_shutdown_min
                .map(|m| m.to_string())
                .unwrap_or_default(),
            opt(&e.notes),
            stamp(e.created_at),
            stamp(e.updated_at),
        ];
        writer.row(record.iter().map(String::as_str));
    }
    Ok(writer.finish().into_bytes())
}
