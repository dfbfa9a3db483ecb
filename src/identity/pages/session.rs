//! Signing in and out, the password change, and the home page.

use super::{Errors, form_errors, session_cookie};
use crate::error::AppError;
use crate::identity::service::{self};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::auth::PagePasswordChanger;
use crate::web::origin::same_origin;
use crate::web::throttle::AttemptThrottle;
use crate::web::{Layout, PageUser, render, safe_next, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(login_form)
        .service(login_submit)
        .service(logout)
        .service(password_form)
        .service(password_submit);
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    todos: Vec<crate::reports::dashboard::Todo>,
}

#[get("/")]
async fn home(state: web::Data<WebState>, user: PageUser) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let todos = with_db(&state, move |conn| {
        crate::reports::dashboard::todos(conn, &principal)
    })
    .await?;
    render(
        StatusCode::OK,
        &HomePage {
            layout: user.layout("ホーム"),
            todos,
        },
    )
}

#[derive(Template)]
#[template(path = "identity/login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[get("/login")]
async fn login_form(query: web::Query<NextQuery>) -> Result<HttpResponse, PageError> {
    let page = LoginPage {
        layout: Layout::anonymous("ログイン"),
        next: safe_next(query.next.as_deref()),
        username: String::new(),
        error: None,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

#[post("/login")]
async fn login_submit(
    req: HttpRequest,
    state: web::Data<WebState>,
    throttle: web::Data<AttemptThrottle>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    if !same_origin(&req, &state.settings.public_url) {
        return Err(AppError::forbidden(
            "cross_origin",
            "他のサイトからのログインは受け付けません。daicho のログイン画面から操作してください。",
        )
        .into());
    }
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let (keys, settings) = (state.keys.clone(), state.settings.clone());
    let (username, password) = (form.username.clone(), form.password);
    let attempt = with_db(&state, move |conn| {
        service::login(conn, &keys, &settings, &username, &password)
    });
    match throttle.attempt(&req, attempt).await {
        Ok(outcome) => {
            let target = if outcome.password_change_required {
                crate::web::password_url(&next)
            } else {
                next
            };
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(&state, &outcome.token))
                .insert_header((actix_web::http::header::LOCATION, target))
                .finish())
        }
        Err(err) if err.status().is_client_error() => {
            let status = err.status();
            let page = LoginPage {
                layout: Layout::anonymous("ログイン"),
                next,
                username: form.username.chars().take(64).collect(),
                error: Some(err.message),
            };
            render(status, &page)
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

#[post("/logout")]
async fn logout(
    state: web::Data<WebState>,
    user: PagePasswordChanger,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    user.check_csrf(&form.csrf)?;
    let principal = user.auth.principal.clone();
    let session = user.auth.claims.jti.clone();
    with_db(&state, move |conn| {
        service::logout(conn, &principal, &session)
    })
    .await?;
    let mut gone = session_cookie(&state, "");
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((actix_web::http::header::LOCATION, "/login"))
        .finish())
}

#[derive(Template)]
#[template(path = "identity/password.html")]
struct PasswordPage {
    layout: Layout,
    /// Where the person goes once the password is changed.
    next: String,
    required: bool,
    error: Option<String>,
    errors: Errors,
}

#[get("/password")]
async fn password_form(
    user: PagePasswordChanger,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let page = PasswordPage {
        layout: user.layout("パスワード変更"),
        next: safe_next(query.next.as_deref()),
        required: user.auth.password_change_only,
        error: None,
        errors: Errors::new(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    new_password_confirm: String,
    next: Option<String>,
}

#[post("/password")]
async fn password_submit(
    req: HttpRequest,
    state: web::Data<WebState>,
    throttle: web::Data<AttemptThrottle>,
    user: PagePasswordChanger,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let result = if form.new_password != form.new_password_confirm {
        Err(AppError::invalid(
            "new_password_confirm",
            "確認用のパスワードが一致しません。",
        ))
    } else {
        let id = user.auth.principal.id;
        let attempt = with_db(&state, move |conn| {
            service::change_password(conn, id, &form.current_password, &form.new_password)
        });
        throttle.attempt(&req, attempt).await
    };
    match result {
        Ok(updated) => {
            // The change ended every session; start a fresh one for this browser.
            let keys = state.keys.clone();
            let token = with_db(&state, move |conn| {
                service::start_session(conn, &keys, &updated)
            })
            .await?;
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(&state, &token))
                .insert_header((actix_web::http::header::LOCATION, next))
                .finish())
        }
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let page = PasswordPage {
                layout: user.layout("パスワード変更"),
                next,
                required: user.auth.password_change_only,
                error,
                errors,
            };
            render(status, &page)
        }
    }
}
