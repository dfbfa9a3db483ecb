//! `?page=1&per_page=50` → `{items, total, total_exact, page, per_page}` (at most 200 a page).

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

    /// The page asked for, at the size a page's layout fixes (its `per_page` is ignored).
    pub fn fixed(self, per_page: i64) -> Result<(i64, i64), AppError> {
        PageQuery {
            page: self.page,
            per_page: Some(per_page),
        }
        .resolve()
    }

    pub fn offset(page: i64, per_page: i64) -> i64 {
        (page - 1) * per_page
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// How many match; a lower bound when `total_exact` is false.
    pub total: i64,
    /// False when a long list stopped counting (the equipment register counts to 1,000, or
    /// to the end of the page asked for): there are more than `total`, and more pages.
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, total: i64, page: i64, per_page: i64) -> Paged<T> {
        Paged {
            items,
            total,
            total_exact: true,
            page,
            per_page,
        }
    }

    /// A page whose total may be only a lower bound.
    pub fn counted(items: Vec<T>, total: i64, exact: bool, page: i64, per_page: i64) -> Paged<T> {
        Paged {
            total_exact: exact,
            ..Paged::new(items, total, page, per_page)
        }
    }

    /// The number of pages (at least this many when the total is not exact).
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        self.page < self.pages() || !self.total_exact
    }
}
