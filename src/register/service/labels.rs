//! The devices a label sheet prints: a zone's, or a list of tags.

use crate::db::DbConn;
use crate::error::AppError;
use crate::register::model::{self, Equipment};
use std::collections::HashMap;

pub struct LabelBatch {
    pub devices: Vec<Equipment>,
    /// Department names by id, for the labels' text.
    pub departments: HashMap<i64, String>,
    pub title: String,
}

/// The devices of `zone_id` still in service (at most `limit`, by tag), or else
/// those of `tags` that are registered (in no particular order).
pub fn label_batch(
    conn: &mut DbConn,
    zone_id: Option<i64>,
    tags: &[String],
    limit: i64,
) -> Result<LabelBatch, AppError> {
    let (devices, title) = match zone_id {
        Some(z) => {
            let zone = model::find_zone(conn, z).map_err(|e| match e {
                diesel::result::Error::NotFound => {
                    AppError::not_found("指定された管理区域がありません。")
                }
                other => other.into(),
            })?;
            let rows = model::equipment_in_zone(conn, z, limit)?;
            (rows, format!("{} {} の機器ラベル", zone.code, zone.name))
        }
        None => (
            model::equipment_by_tags(conn, tags)?,
            "機器ラベル".to_owned(),
        ),
    };
    let departments = crate::identity::service::department_names(conn)?;
    Ok(LabelBatch {
        devices,
        departments,
        title,
    })
}
