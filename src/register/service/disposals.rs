//! Disposal (第3条2項(3), 第23条2項): the device leaves service for good, and the
//! record of how (erasure method, certificate, witness) stays forever.

use super::equipment::device_by_tag;
use super::{may_change, not_allowed};
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::text::{clean_optional, clean_optional_name};
use crate::register::model::{self, Disposal, NewDisposal};
use crate::register::rules::{Classification, DisposalMethod, Status, disposal_faults};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposalInput {
    /// Required: a disposal without its method is refused (422 `invalid_field`, `fields.method`).
    #[serde(default)]
    pub method: Option<DisposalMethod>,
    pub certificate_number: Option<String>,
    /// The witness's name (an officer or the vendor's staff).
    pub witnessed_by: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisposalView {
    pub asset_tag: String,
    pub method: DisposalMethod,
    pub certificate_number: Option<String>,
    pub witnessed_by: Option<String>,
    pub notes: Option<String>,
    /// The device's classification when it was disposed of.
    pub classification: Classification,
    pub disposed_by: i64,
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    #[schema(value_type = String, format = DateTime)]
    pub disposed_at: NaiveDateTime,
}

fn view(d: Disposal, tag: String) -> Result<DisposalView, AppError> {
    Ok(DisposalView {
        asset_tag: tag,
        method: DisposalMethod::stored(&d.method)?,
        certificate_number: d.certificate_number,
        witnessed_by: d.witnessed_by,
        notes: d.notes,
        classification: Classification::stored(&d.classification)?,
        disposed_by: d.disposed_by,
        disposed_at: d.disposed_at,
    })
}

/// Disposes of a device. 422 naming the fields when a secret device lacks an
/// erasure method or evidence; 409 when it is already disposed or carried out.
pub fn dispose_equipment(
    conn: &mut DbConn,
    by: &Principal,
    raw_tag: &str,
    input: &DisposalInput,
) -> Result<DisposalView, AppError> {
    db::write_tx(conn, |conn| {
        let current = device_by_tag(conn, raw_tag)?;
        if !may_change(conn, by, current.department_id, current.zone_id)? {
            return Err(not_allowed(Some(&current)));
        }
        if current.status == Status::Disposed.as_str() {
            return Err(AppError::conflict(
                "already_disposed",
                format!("機器 {} は既に廃棄済です。", current.asset_tag),
            ));
        }
        if current.status == Status::CarriedOut.as_str() {
            return Err(AppError::conflict(
                "carried_out",
                format!(
                    "機器 {} は持出中です。返却を記録してから廃棄してください。",
                    current.asset_tag
                ),
            ));
        }
        let mut errors = BTreeMap::new();
        type Cleaner = fn(Option<&str>, usize) -> Result<Option<String>, String>;
        let mut clean = |field: &str, value: Option<&str>, max: usize, cleaner: Cleaner| {
            cleaner(value, max).unwrap_or_else(|e| {
                errors.insert(field.to_owned(), e);
                None
            })
        };
        let certificate = clean(
            "certificate_number",
            input.certificate_number.as_deref(),
            100,
            clean_optional,
        );
        let witness = clean(
            "witnessed_by",
            input.witnessed_by.as_deref(),
            100,
            clean_optional_name,
        );
        let notes = clean("notes", input.notes.as_deref(), 2000, clean_optional);
        let classification = Classification::stored(&current.classification)?;
        match input.method {
            None => {
                errors.insert(
                    "method".to_owned(),
                    "廃棄の方法を選んでください。".to_owned(),
                );
            }
            Some(method) => {
                let faults = disposal_faults(
                    classification,
                    method,
                    certificate.as_deref(),
                    witness.as_deref(),
                );
                for (field, message) in faults {
                    errors.entry(field.to_owned()).or_insert(message);
                }
            }
        }
        if let Some(err) = AppError::invalid_fields(errors) {
            return Err(err);
        }
        let method = input.method.unwrap_or(DisposalMethod::Other);
        let now = db::now();
        let record = model::insert_disposal(
            conn,
            &NewDisposal {
                equipment_id: current.id,
                method: method.as_str(),
                certificate_number: certificate.as_deref(),
                witnessed_by: witness.as_deref(),
                notes: notes.as_deref(),
                classification: classification.as_str(),
                disposed_by: by.id,
                disposed_at: now,
            },
        )?;
        let mut fields = model::EquipmentFields::of(&current);
        fields.status = Status::Disposed.as_str().to_owned();
        fields.updated_at = now;
        model::update_equipment(conn, &current, &fields)?;
        let result = view(record, current.asset_tag.clone())?;
        audit::record(
            conn,
            &by.actor(),
            "equipment.dispose",
            "equipment",
            &current.asset_tag,
            json!({
                "status": {"before": current.status, "after": Status::Disposed.as_str()},
                "disposal": result,
            }),
        )?;
        // Disposing a device releases its software installations (第15条), in this transaction.
        crate::licenses::service::release_installations(conn, &by.actor(), current.id)?;
        Ok(result)
    })
}

/// The disposal record of a device, if it was disposed of.
pub fn disposal_of(conn: &mut DbConn, raw_tag: &str) -> Result<Option<DisposalView>, AppError> {
    let e = device_by_tag(conn, raw_tag)?;
    model::disposal_of(conn, e.id)?
        .map(|d| view(d, e.asset_tag))
        .transpose()
}
