//! `?page=1&per_page=50` → `{items, total, page, per_page}` (at most 200 a page).

use crate::error::AppError;
use serde::{Deserialize, Serialize};

pub const MAX_PER_PAGE: i64 = 200;
pub const DEFAULT_PER_PAGE: i64 = 50;

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl PageQuery {
    /// The page and page size, or 422 naming the parameter at fault.
    pub fn resolve(self) -> Result<(i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=1_000_000).contains(&page) {
            return Err(AppError::invalid("page", "1以上の数を指定してください。"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(AppError::invalid(
                "per_page",
                format!("1〜{MAX_PER_PAGE}の数を指定してください。"),
            ));
        }
        Ok((page, per_page))
    }

    pub fn offset(page: i64, per_page: i64) -> i64 {
        (page - 1) * per_page
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, page: i64, per_page: i64) -> Paged<T> {
        Paged {
            items,
            total,
            page,
            per_page,
        }
    }

    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}
