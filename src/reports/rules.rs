//! The compliance report's shape: per article of the standard, ok or findings.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Finding {
    /// A stable snake_case code, e.g. `key_equipment_outside_zone`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
}

impl Finding {
    pub fn new(code: &str, message: impl Into<String>) -> Finding {
        Finding {
            code: code.to_owned(),
            message: message.into(),
            entity_type: None,
            entity_id: None,
        }
    }

    pub fn on(mut self, entity_type: &str, entity_id: impl ToString) -> Finding {
        self.entity_type = Some(entity_type.to_owned());
        self.entity_id = Some(entity_id.to_string());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Ok,
    Findings,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleReport {
    /// 「第4条」.
    pub article: String,
    pub title: String,
    pub status: ArticleStatus,
    pub findings: Vec<Finding>,
}

impl ArticleReport {
    pub fn new(article: &str, title: &str, findings: Vec<Finding>) -> ArticleReport {
        ArticleReport {
            article: article.to_owned(),
            title: title.to_owned(),
            status: if findings.is_empty() {
                ArticleStatus::Ok
            } else {
                ArticleStatus::Findings
            },
            findings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_findings() {
        assert_eq!(
            ArticleReport::new("第4条", "主要な機器等", vec![]).status,
            ArticleStatus::Ok
        );
        let f = Finding::new("x", "y").on("equipment", "SRV-1");
        assert_eq!(
            ArticleReport::new("第4条", "主要な機器等", vec![f]).status,
            ArticleStatus::Findings
        );
    }
}
