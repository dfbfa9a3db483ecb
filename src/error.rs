//! `AppError`: every failure a handler can answer with, as a status, a stable
//! `code` and a message a person understands. `PageError` renders the same in
//! Japanese HTML for the pages.

use crate::db::fault::{self, Outage};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    pub fields: Option<BTreeMap<String, String>>,
    /// Seconds after which trying again may succeed (`Retry-After`, on 429).
    pub retry_after: Option<u64>,
}

/// The JSON error body of CONTRACT.md.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
            fields: None,
            retry_after: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::CONFLICT, code, message)
    }

    /// 422 for one field at fault. The message is the field's own, in
    /// Japanese: a page may show it as it is, so it never names the field's
    /// internal name (「code:」); `fields` names it for programs.
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        let message = message.into();
        let mut fields = BTreeMap::new();
        fields.insert(field.to_owned(), message.clone());
        AppError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: Cow::Borrowed("invalid_field"),
            message,
            fields: Some(fields),
            retry_after: None,
        }
    }

    /// 422 for several fields at fault; `None` when the map is empty.
    pub fn invalid_fields(fields: BTreeMap<String, String>) -> Option<AppError> {
        if fields.is_empty() {
            return None;
        }
        let message = match fields.values().collect::<Vec<_>>().as_slice() {
            [only] => (*only).clone(),
            all => format!("入力内容に{}か所の誤りがあります。", all.len()),
        };
        Some(AppError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: Cow::Borrowed("invalid_field"),
            message,
            fields: Some(fields),
            retry_after: None,
        })
    }

    /// 429: too many failed attempts from one place; try again after `seconds`.
    pub fn too_many_attempts(seconds: u64) -> AppError {
        let minutes = seconds.div_ceil(60).max(1);
        AppError {
            retry_after: Some(seconds),
            ..AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!(
                    "失敗が続いたため、しばらく受け付けません。{minutes}分ほど待ってからお試しください。"
                ),
            )
        }
    }

    pub fn with_code(mut self, code: &'static str) -> AppError {
        self.code = Cow::Borrowed(code);
        self
    }

    /// A failure that is our fault. The cause goes to the log, never to the client.
    pub fn internal(cause: impl fmt::Display) -> AppError {
        log::error!("internal error: {cause}");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "内部エラーが発生しました。管理者に連絡してください。",
        )
    }

    /// 503: the database does not answer (stopped, stalled, a connection cut).
    pub fn unavailable(cause: impl fmt::Display) -> AppError {
        log::warn!("database unavailable: {cause}");
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "データベースに接続できません。しばらくしてから再度お試しください。",
        )
    }

    /// The code of [`AppError::storage_unavailable`].
    pub const STORAGE_UNAVAILABLE: &'static str = "storage_unavailable";

    /// 503: the database answers but cannot keep a write (a full disk, a
    /// read-only database). Nothing was changed.
    pub fn storage_unavailable(cause: impl fmt::Display) -> AppError {
        log::error!("storage refuses writes: {cause}");
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            AppError::STORAGE_UNAVAILABLE,
            "記録領域に書き込めないため、保存できませんでした（ディスクの空き容量不足または読み取り専用）。管理者に連絡してください。",
        )
    }

    fn outage(kind: Outage, cause: impl fmt::Display) -> AppError {
        match kind {
            Outage::Database => AppError::unavailable(cause),
            Outage::Storage => AppError::storage_unavailable(cause),
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                fields: self.fields.clone(),
            },
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for AppError {}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        response.json(self.body())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::not_found("指定されたデータが見つかりません。"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                log::info!("unique violation: {}", info.message());
                AppError::conflict("duplicate", "同じ内容のデータが既に登録されています。")
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                log::info!("foreign key violation: {}", info.message());
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_reference",
                    "参照先のデータが存在しません。",
                )
            }
            other => match fault::classify(&other) {
                Some(kind) => AppError::outage(kind, other),
                None => AppError::internal(other),
            },
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> AppError {
        let text = e.to_string();
        AppError::outage(fault::classify_connect(&text), text)
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> AppError {
        AppError::internal(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

/// An error on a page: rendered as a Japanese HTML page, or a redirect to the login.
#[derive(Debug)]
pub enum PageError {
    App(AppError),
    Login {
        next: String,
    },
    /// Somewhere else first (e.g. the password page when a change is due).
    Redirect(String),
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::App(e) => e.fmt(f),
            PageError::Login { next } => write!(f, "sign-in required for {next}"),
            PageError::Redirect(to) => write!(f, "redirect to {to}"),
        }
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError::App(e)
    }
}

impl From<diesel::result::Error> for PageError {
    fn from(e: diesel::result::Error) -> PageError {
        PageError::App(e.into())
    }
}

impl From<actix_web::error::BlockingError> for PageError {
    fn from(e: actix_web::error::BlockingError) -> PageError {
        PageError::App(e.into())
    }
}

/// The Japanese heading for an error status.
pub fn status_title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "リクエストが正しくありません",
        401 => "ログインが必要です",
        403 => "この操作は許可されていません",
        404 => "ページが見つかりません",
        405 => "この操作はできません",
        409 => "現在の状態ではこの操作はできません",
        413 => "送信データが大きすぎます",
        415 => "データ形式が正しくありません",
        422 => "入力内容に誤りがあります",
        423 => "アカウントがロックされています",
        429 => "しばらくお待ちください",
        503 => "一時的に利用できません",
        _ => "エラーが発生しました",
    }
}

pub fn render_error_page(status: StatusCode, message: &str) -> HttpResponse {
    let page = ErrorPage {
        status: status.as_u16(),
        title: status_title(status),
        message,
    };
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            log::error!("cannot render error page: {e}");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(message.to_owned())
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::App(e) => e.status,
            PageError::Login { .. } | PageError::Redirect(_) => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::App(e) => {
                let mut page = render_error_page(e.status, &e.message);
                if let Some(seconds) = e.retry_after
                    && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
                {
                    page.headers_mut().insert(header::RETRY_AFTER, value);
                }
                page
            }
            PageError::Login { next } => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, crate::web::login_url(next)))
                .finish(),
            PageError::Redirect(to) => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to.as_str()))
                .finish(),
        }
    }
}
