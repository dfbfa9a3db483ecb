//! Who is asking. The API takes `Authorization: Bearer`; pages take the
//! session cookie. A cookie on an API call that changes something must also
//! carry the page's CSRF token in `X-CSRF-Token` (the scan screens use this).

use crate::app::AppState;
use crate::error::{AppError, PageError};
use crate::identity::service::{Authenticated, authenticate};
use crate::identity::session::COOKIE_NAME;
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use std::ops::Deref;

enum Credential {
    Bearer(String),
    Cookie(String),
}

fn credential(req: &HttpRequest) -> Option<Credential> {
    if let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| Credential::Bearer(token.trim().to_owned()));
    }
    req.cookie(COOKIE_NAME)
        .map(|c| Credential::Cookie(c.value().to_owned()))
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("AppState is not configured"))
}

/// Resolves the credential to a live session, or `None` when there is none or it is no longer valid.
async fn resolve(state: &AppState, token: String) -> Result<Option<Authenticated>, AppError> {
    let keys = state.keys.clone();
    super::with_db(state, move |conn| authenticate(conn, &keys, &token)).await
}

fn password_change_required() -> AppError {
    AppError::forbidden(
        "password_change_required",
        "パスワードの変更が必要です。先にパスワードを変更してください。",
    )
}

/// API access: `allow_pco` lets a session that must change its password through.
fn api_user(
    req: &HttpRequest,
    allow_pco: bool,
) -> LocalBoxFuture<'static, Result<Authenticated, AppError>> {
    let state = state(req);
    let credential = credential(req);
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let csrf_header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Box::pin(async move {
        let state = state?;
        let (token, via_cookie) = match credential {
            Some(Credential::Bearer(t)) => (t, false),
            Some(Credential::Cookie(t)) => (t, true),
            None => {
                return Err(AppError::unauthorized(
                    "ログインが必要です（Authorization: Bearer トークン）。",
                ));
            }
        };
        let auth = resolve(&state, token).await?.ok_or_else(|| {
            AppError::unauthorized("セッションが無効か期限切れです。もう一度ログインしてください。")
        })?;
        if via_cookie
            && unsafe_method
            && csrf_header.as_deref() != Some(state.keys.csrf_token(&auth.claims).as_str())
        {
            return Err(AppError::forbidden(
                "csrf_failed",
                "画面を読み込み直してから、もう一度操作してください。",
            ));
        }
        if auth.password_change_only && !allow_pco {
            return Err(password_change_required());
        }
        Ok(auth)
    })
}

/// A signed-in user with full access (their password is current).
pub struct CurrentUser(pub Authenticated);

impl Deref for CurrentUser {
    type Target = crate::identity::Principal;
    fn deref(&self) -> &Self::Target {
        &self.0.principal
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let fut = api_user(req, false);
        Box::pin(async move { fut.await.map(CurrentUser) })
    }
}

/// A signed-in user who may be due a password change: only for that change and `me`.
pub struct PasswordChanger(pub Authenticated);

impl FromRequest for PasswordChanger {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let fut = api_user(req, true);
        Box::pin(async move { fut.await.map(PasswordChanger) })
    }
}

/// A signed-in user on a page, with the CSRF token its forms carry. Anyone not
/// signed in is sent to the login page and brought back afterwards; anyone due
/// a password change is sent to that page first.
pub struct PageUser {
    pub auth: Authenticated,
    pub csrf: String,
}

impl Deref for PageUser {
    type Target = crate::identity::Principal;
    fn deref(&self) -> &Self::Target {
        &self.auth.principal
    }
}

impl PageUser {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        if submitted == self.csrf {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "csrf_failed",
                "画面の有効期限が切れました。画面を読み込み直してから、もう一度操作してください。",
            )
            .into())
        }
    }

    pub fn layout(&self, title: &str) -> super::Layout {
        super::Layout::signed_in(title, &self.auth.principal, &self.csrf)
    }
}

fn page_user(
    req: &HttpRequest,
    allow_pco: bool,
) -> LocalBoxFuture<'static, Result<PageUser, PageError>> {
    let state = state(req);
    let token = req.cookie(COOKIE_NAME).map(|c| c.value().to_owned());
    let here = match req.uri().path_and_query() {
        Some(pq) if *req.method() == Method::GET => pq.as_str().to_owned(),
        _ => "/".to_owned(),
    };
    Box::pin(async move {
        let state = state?;
        let Some(token) = token else {
            return Err(PageError::Login { next: here });
        };
        let Some(auth) = resolve(&state, token).await? else {
            return Err(PageError::Login { next: here });
        };
        if auth.password_change_only && !allow_pco {
            return Err(PageError::Redirect("/password".to_owned()));
        }
        let csrf = state.keys.csrf_token(&auth.claims);
        Ok(PageUser { auth, csrf })
    })
}

impl FromRequest for PageUser {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        page_user(req, false)
    }
}

/// A page user who may be due a password change (the password page itself).
pub struct PagePasswordChanger(pub PageUser);

impl FromRequest for PagePasswordChanger {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let fut = page_user(req, true);
        Box::pin(async move { fut.await.map(PagePasswordChanger) })
    }
}
