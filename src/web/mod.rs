//! Shared web plumbing: who is asking, JSON and form input, pagination,
//! the page layout, static assets, operations endpoints and HTTPS.

pub mod assets;
pub mod auth;
pub mod download;
pub mod errors;
pub mod forms;
pub mod inflight;
pub mod input;
pub mod json;
pub mod layout;
pub mod multipart;
pub mod openapi;
pub mod ops;
pub mod origin;
pub mod pagination;
pub mod query;
pub mod stall;
pub mod state;
pub mod throttle;
pub mod tls;

pub use crate::kit::text::percent_encode;
pub use auth::{ApiSession, CurrentUser, PageUser, PasswordChanger};
pub use errors::{PageError, render_error_page};
pub use json::ApiJson;
pub use layout::{Layout, render};
pub use pagination::{PageQuery, Paged};
pub use state::WebState;

use crate::db::DbConn;
use crate::error::AppError;

/// Runs blocking database work on actix's thread pool with a pooled connection.
pub async fn with_db<T, F>(state: &WebState, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    let work = actix_web::web::block(move || {
        let mut conn = pool.get()?;
        let done = f(&mut conn);
        if done.as_ref().is_err_and(AppError::is_lost_database) {
            conn.lost();
        }
        done
    });
    let done = stall::unless_stalled(&state.changes, work).await??;
    if let Err(e) = &done
        && e.code == AppError::STORAGE_UNAVAILABLE
    {
        state.storage.refused();
    }
    done
}

/// Where to send someone who must sign in first, keeping where they were going.
pub fn login_url(next: &str) -> String {
    with_next("/login", next)
}

/// The forced password change, which leads on to `next` (a scanned label's device) after it.
pub fn password_url(next: &str) -> String {
    with_next("/password", next)
}

fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() || next == "/" {
        path.to_owned()
    } else {
        format!("{path}?next={}", percent_encode(next))
    }
}

/// Only local paths are followed after sign-in, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(super::safe_next(Some("/e/SRV-001")), "/e/SRV-001");
        assert_eq!(super::safe_next(Some("//evil.example/")), "/");
        assert_eq!(super::safe_next(Some("https://evil.example/")), "/");
        assert_eq!(super::safe_next(Some("/\\evil")), "/");
        assert_eq!(super::safe_next(None), "/");
        assert_eq!(super::login_url("/e/A B"), "/login?next=/e/A%20B");
    }
}
