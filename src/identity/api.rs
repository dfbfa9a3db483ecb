//! Identity under `/api/v1`: sign-in, password change, me, departments, users.

use super::Principal;
use super::service::Department;
use super::service::{self, NewUserInput, UserPatch, UserView};
use crate::error::{AppError, ErrorBody};
use crate::web::WebState;
use crate::web::throttle::AttemptThrottle;
use crate::web::{ApiJson, CurrentUser, PageQuery, Paged, PasswordChanger, with_db};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(change_password)
        .service(me)
        .service(list_departments)
        .service(create_department)
        .service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(reset_password);
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: String,
    pub password_change_required: bool,
    pub user: Principal,
}

/// Sign in. Five failures lock the account for 15 minutes.
#[utoipa::path(
    tag = "identity",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "invalid_credentials", body = ErrorBody),
        (status = 423, description = "account_locked", body = ErrorBody),
        (status = 429, description = "too_many_attempts (with Retry-After)", body = ErrorBody),
    )
)]
#[post("/auth/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<WebState>,
    throttle: web::Data<AttemptThrottle>,
    body: ApiJson<LoginRequest>,
) -> Result<web::Json<LoginResponse>, AppError> {
    let request = body.0;
    let keys = state.keys.clone();
    let settings = state.settings.clone();
    let outcome = throttle
        .attempt(
            &req,
            with_db(&state, move |conn| {
                service::login(conn, &keys, &settings, &request.username, &request.password)
            }),
        )
        .await?;
    let expires_at = chrono::DateTime::from_timestamp(outcome.claims.exp, 0)
        .map(|t| crate::kit::time::rfc3339(t.naive_utc()))
        .unwrap_or_default();
    Ok(web::Json(LoginResponse {
        token: outcome.token,
        expires_at,
        password_change_required: outcome.password_change_required,
        user: outcome.principal,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password. Every session of the user ends; sign in again.
#[utoipa::path(
    tag = "identity",
    request_body = PasswordChangeRequest,
    responses(
        (status = 204),
        (status = 422, description = "weak_password, wrong_current_password", body = ErrorBody),
        (status = 423, description = "account_locked: too many wrong current passwords", body = ErrorBody),
        (status = 429, description = "too_many_attempts (with Retry-After)", body = ErrorBody),
    )
)]
#[post("/auth/password")]
async fn change_password(
    req: HttpRequest,
    state: web::Data<WebState>,
    throttle: web::Data<AttemptThrottle>,
    user: PasswordChanger,
    body: ApiJson<PasswordChangeRequest>,
) -> Result<HttpResponse, AppError> {
    let id = user.0.principal.id;
    let request = body.0;
    throttle
        .attempt(
            &req,
            with_db(&state, move |conn| {
                service::change_password(conn, id, &request.current_password, &request.new_password)
            }),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(tag = "identity", responses((status = 200, body = Principal), (status = 401, body = ErrorBody)))]
#[get("/me")]
async fn me(user: CurrentUser) -> web::Json<Principal> {
    web::Json(user.0.principal)
}

/// Departments (課).
#[utoipa::path(tag = "identity", responses((status = 200, body = Vec<Department>)))]
#[get("/departments")]
async fn list_departments(
    state: web::Data<WebState>,
    _user: CurrentUser,
) -> Result<web::Json<Vec<Department>>, AppError> {
    Ok(web::Json(with_db(&state, service::list_departments).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    pub code: String,
    pub name: String,
}

/// Register a department (admin).
#[utoipa::path(
    tag = "identity",
    request_body = NewDepartment,
    responses((status = 201, body = Department), (status = 409, description = "duplicate_code", body = ErrorBody))
)]
#[post("/departments")]
async fn create_department(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<NewDepartment>,
) -> Result<HttpResponse, AppError> {
    let request = body.0;
    let principal = user.0.principal;
    let department = with_db(&state, move |conn| {
        service::create_department(conn, &principal, &request.code, &request.name)
    })
    .await?;
    Ok(HttpResponse::Created().json(department))
}

/// Users (admin, auditor, security manager).
#[utoipa::path(tag = "identity", params(PageQuery), responses((status = 200, body = Paged<UserView>)))]
#[get("/users")]
async fn list_users(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Paged<UserView>>, AppError> {
    let (page, per_page) = query.into_inner().resolve()?;
    let principal = user.0.principal;
    let (items, total) = with_db(&state, move |conn| {
        service::list_users(
            conn,
            &principal,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

/// Register a user (admin). The user must change the password at first login.
#[utoipa::path(
    tag = "identity",
    request_body = NewUserInput,
    responses(
        (status = 201, body = UserView),
        (status = 409, description = "duplicate_username", body = ErrorBody),
        (status = 422, description = "invalid_field or weak_password", body = ErrorBody),
    )
)]
#[post("/users")]
async fn create_user(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<NewUserInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.0;
    let principal = user.0.principal;
    let created = with_db(&state, move |conn| {
        service::create_user(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "identity", params(("id" = i64, Path)), responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
#[get("/users/{id}")]
async fn get_user(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<UserView>, AppError> {
    let id = id.into_inner();
    let principal = user.0.principal;
    Ok(web::Json(
        with_db(&state, move |conn| service::get_user(conn, &principal, id)).await?,
    ))
}

/// Change a user's name, roles, department or active flag (admin).
#[utoipa::path(
    tag = "identity",
    params(("id" = i64, Path)),
    request_body = UserPatch,
    responses((status = 200, body = UserView), (status = 409, description = "last_admin", body = ErrorBody))
)]
#[patch("/users/{id}")]
async fn update_user(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<UserPatch>,
) -> Result<web::Json<UserView>, AppError> {
    let (id, patch) = (id.into_inner(), body.0);
    let principal = user.0.principal;
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::update_user(conn, &principal, id, &patch)
        })
        .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    pub password: String,
}

/// Set a new password for a user (admin); it must be changed at the next login.
#[utoipa::path(
    tag = "identity",
    params(("id" = i64, Path)),
    request_body = ResetPasswordRequest,
    responses((status = 200, body = UserView), (status = 422, description = "weak_password", body = ErrorBody))
)]
#[post("/users/{id}/reset-password")]
async fn reset_password(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ResetPasswordRequest>,
) -> Result<web::Json<UserView>, AppError> {
    let (id, request) = (id.into_inner(), body.0);
    let principal = user.0.principal;
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::reset_password(conn, &principal, id, &request.password)
        })
        .await?,
    ))
}
