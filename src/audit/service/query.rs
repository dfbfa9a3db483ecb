//! What a reader of the audit log asks for: the same filter from the API's
//! query string and the 監査ログ page's form.

use super::super::model::AuditFilter;
use crate::error::AppError;
use crate::kit::time::parse_instant;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    /// RFC 3339 time or a date (from midnight, Tokyo).
    pub from: Option<String>,
    /// RFC 3339 time or a date (exclusive).
    pub to: Option<String>,
}

impl AuditQuery {
    /// The filter, or 422 naming the parameter that does not parse.
    pub fn filter(&self) -> Result<AuditFilter, AppError> {
        let instant = |name: &str,
                       value: &Option<String>|
         -> Result<Option<chrono::NaiveDateTime>, AppError> {
            match value.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(text) => parse_instant(text).map(Some).ok_or_else(|| {
                    AppError::invalid(
                        name,
                        crate::kit::time::instant_format_message(crate::db::now()),
                    )
                }),
            }
        };
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(AuditFilter {
            actor_id: self.actor_id,
            entity_type: text(&self.entity_type),
            entity_id: text(&self.entity_id),
            action: text(&self.action),
            from: instant("from", &self.from)?,
            to: instant("to", &self.to)?,
        })
    }
}
