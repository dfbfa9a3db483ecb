//! The register's search, as the API's query string and the list page both give it.

use crate::error::AppError;
use crate::register::model::EquipmentFilter;
use crate::register::rules::{Kind, Status, normalize_tag};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct EquipmentQuery {
    /// Matches the asset tag (prefix), serial number (prefix), name or model (anywhere); any case.
    pub q: Option<String>,
    pub zone_id: Option<i64>,
    pub department_id: Option<i64>,
    pub key_equipment: Option<bool>,
    pub status: Option<Status>,
    pub kind: Option<Kind>,
}

impl EquipmentQuery {
    pub fn filter(&self) -> Result<EquipmentFilter, AppError> {
        let q = match self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            None => None,
            Some(q) if q.chars().count() > 100 => {
                return Err(AppError::invalid(
                    "q",
                    "検索語は100文字以内にしてください。",
                ));
            }
            // A scanned label or full-width input finds its tag; anything else is searched as typed.
            Some(q) => Some(normalize_tag(q).unwrap_or_else(|_| q.to_owned())),
        };
        Ok(EquipmentFilter {
            q,
            zone_id: self.zone_id,
            department_id: self.department_id,
            key_equipment: self.key_equipment,
            status: self.status.map(|s| s.as_str().to_owned()),
            kind: self.kind.map(|k| k.as_str().to_owned()),
        })
    }
}
