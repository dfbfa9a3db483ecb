//! How an [`AppError`] reaches a person: an HTTP status, a JSON body for the
//! API, a Japanese HTML page (or a redirect) for the pages.

use crate::error::{AppError, Failure};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use std::fmt;

impl Failure {
    pub fn status(self) -> StatusCode {
        match self {
            Failure::BadRequest => StatusCode::BAD_REQUEST,
            Failure::Unauthorized => StatusCode::UNAUTHORIZED,
            Failure::Forbidden => StatusCode::FORBIDDEN,
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Failure::Conflict => StatusCode::CONFLICT,
            Failure::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Failure::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Failure::Locked => StatusCode::LOCKED,
            Failure::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            Failure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Failure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        if self.status() == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        response.json(self.body())
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

impl From<crate::kit::vocabulary::UnknownWord> for PageError {
    fn from(e: crate::kit::vocabulary::UnknownWord) -> PageError {
        AppError::from(e).into()
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
            PageError::App(e) => e.status(),
            PageError::Login { .. } | PageError::Redirect(_) => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::App(e) => {
                let mut page = render_error_page(e.status(), &e.message);
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
