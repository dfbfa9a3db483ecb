//! Who is asking. The API takes `Authorization: Bearer`; pages take the
//! session cookie. A cookie on an API call that changes something must also
//! carry the page's CSRF token in `X-CSRF-Token` (the scan screens use this).

use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::identity::service::{
    Authenticated, authenticate, authenticate_remembered, authenticate_remembering, record_use,
};
use crate::identity::session::COOKIE_NAME;
use crate::identity::session::SessionKeys;
use crate::web::PageError;
use crate::web::WebState;
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

fn state(req: &HttpRequest) -> Result<web::Data<WebState>, AppError> {
    req.app_data::<web::Data<WebState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("WebState is not configured"))
}

/// Resolves the credential to a live session, or `None` when there is none or it is no longer valid.
async fn resolve(state: &WebState, token: String) -> Result<Option<Authenticated>, AppError> {
    let keys = state.keys.clone();
    super::with_db(state, move |conn| authenticate(conn, &keys, &token)).await
}

fn password_change_required() -> AppError {
    AppError::forbidden(
        "password_change_required",
        "パスワードの変更が必要です。先にパスワードを変更してください。",
    )
}

/// An API credential as the request carries it, before the database has
/// said whether its session is still live.
struct ApiCredential {
    token: String,
    via_cookie: bool,
    unsafe_method: bool,
    csrf_header: Option<String>,
    /// Lets a session that must change its password through.
    allow_pco: bool,
}

fn api_credential(req: &HttpRequest, allow_pco: bool) -> Result<ApiCredential, AppError> {
    let (token, via_cookie) = match credential(req) {
        Some(Credential::Bearer(t)) => (t, false),
        Some(Credential::Cookie(t)) => (t, true),
        None => {
            return Err(AppError::unauthorized(
                "ログインが必要です（Authorization: Bearer トークン）。",
            ));
        }
    };
    Ok(ApiCredential {
        token,
        via_cookie,
        unsafe_method: !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS),
        csrf_header: req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        allow_pco,
    })
}

impl ApiCredential {
    /// The session from memory alone ([`crate::db::changes`]): `None` when its user is not
    /// remembered at `generation` and the database must be asked.
    fn remembered(
        &self,
        state: &WebState,
        generation: u64,
    ) -> Option<Result<Authenticated, AppError>> {
        let keys = &state.keys;
        let session =
            authenticate_remembered(keys, &self.token, &state.remembered_users, generation)?;
        Some(self.admit(keys, session))
    }

    /// Lets the session in, or says why not.
    fn admit(
        &self,
        keys: &SessionKeys,
        session: Option<Authenticated>,
    ) -> Result<Authenticated, AppError> {
        let auth = session.ok_or_else(|| {
            AppError::unauthorized("セッションが無効か期限切れです。もう一度ログインしてください。")
        })?;
        if self.via_cookie
            && self.unsafe_method
            && self.csrf_header.as_deref() != Some(keys.csrf_token(&auth.claims).as_str())
        {
            return Err(AppError::forbidden(
                "csrf_failed",
                "画面を読み込み直してから、もう一度操作してください。",
            ));
        }
        if auth.password_change_only && !self.allow_pco {
            return Err(password_change_required());
        }
        Ok(auth)
    }
}

fn api_user(
    req: &HttpRequest,
    allow_pco: bool,
) -> LocalBoxFuture<'static, Result<Authenticated, AppError>> {
    let state = state(req);
    let credential = api_credential(req, allow_pco);
    Box::pin(async move {
        let (state, credential) = (state?, credential?);
        let session = resolve(&state, credential.token.clone()).await?;
        credential.admit(&state.keys, session)
    })
}

/// An API caller whose session is checked inside the handler's own database
/// trip ([`ApiSession::with_db`]): one blocking-pool hop and one pooled
/// connection per request instead of two. For the hot paths (the gate);
/// the answers are the same as [`CurrentUser`]'s.
pub struct ApiSession {
    state: web::Data<WebState>,
    credential: ApiCredential,
}

impl FromRequest for ApiSession {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(state(req).and_then(|state| {
            Ok(ApiSession {
                state,
                credential: api_credential(req, false)?,
            })
        }))
    }
}

impl ApiSession {
    /// Authenticates, then runs `f` as that user, on one connection.
    pub async fn with_db<T, F>(self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &Principal) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(false, None, f).await
    }

    /// As [`ApiSession::with_db`], for `f` that only reads: the session check
    /// and `f` read together ([`db::read_together`]).
    pub async fn read<T, F>(self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &Principal) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(true, None, f).await
    }

    /// As [`ApiSession::read`]; the session's user is remembered at
    /// `generation` (taken before the reads), when there is one, for
    /// [`ApiSession::remembered`].
    pub async fn read_remembering<T, F>(self, generation: Option<u64>, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &Principal) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(true, generation, f).await
    }

    /// As [`ApiSession::read`], with the session answered from memory when
    /// this instance has it ([`ApiSession::remembered`]): then the database
    /// trip is `f`'s reads alone. For reads people wait on (a scanned label,
    /// a list).
    pub async fn read_quick<T, F>(self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &Principal) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        // Taken before anything is read: what the reads find is remembered at it.
        let generation = self.state.changes.generation();
        if let Some(remembered) = generation.and_then(|g| self.remembered(g)) {
            let principal = remembered?;
            return super::with_db(&self.state, move |conn| {
                db::read_together(conn, |conn| f(conn, &principal))
            })
            .await;
        }
        self.run(true, generation, f).await
    }

    /// The session from memory alone: `None` when its user is not
    /// remembered at `generation` and the database must be asked.
    pub fn remembered(&self, generation: u64) -> Option<Result<Principal, AppError>> {
        let session = self.credential.remembered(&self.state, generation)?;
        Some(session.map(|auth| auth.principal))
    }

    async fn run<T, F>(self, read_only: bool, generation: Option<u64>, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &Principal) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let keys = self.state.keys.clone();
        let users = self.state.remembered_users.clone();
        let credential = self.credential;
        super::with_db(&self.state, move |conn| {
            let mut session_used = None;
            let as_user = |conn: &mut DbConn| {
                let remember = generation.map(|g| (&*users, g));
                let session = authenticate_remembering(conn, &keys, &credential.token, remember)?;
                let auth = credential.admit(&keys, session)?;
                let answer = f(conn, &auth.principal);
                session_used = Some(auth);
                answer
            };
            let answer = if read_only {
                db::read_together(conn, as_user)
            } else {
                as_user(conn)
            };
            // Written after the reads: on SQLite a read transaction must not write.
            if let Some(auth) = session_used {
                record_use(conn, &keys, &auth)?;
            }
            answer
        })
        .await
    }
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
    /// The warnings every page shows while they stand ([`super::layout::Alarms`]).
    pub alarms: std::sync::Arc<super::layout::Alarms>,
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
        let mut layout = super::Layout::signed_in(title, &self.auth.principal, &self.csrf);
        layout.alarms = self.alarms.raised_for(&self.auth.principal);
        layout
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
            return Err(PageError::Redirect(super::password_url(&here)));
        }
        let csrf = state.keys.csrf_token(&auth.claims);
        Ok(PageUser {
            auth,
            csrf,
            alarms: state.alarms.clone(),
        })
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
