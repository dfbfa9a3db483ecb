//! Identity pages: ログイン, パスワード変更, 利用者一覧/登録/編集, 所属一覧/登録, and the home page.

use super::model::Department;
use super::rules::Role;
use super::service::{self, NewUserInput, UserPatch, UserView};
use super::session::COOKIE_NAME;
use crate::app::AppState;
use crate::error::{AppError, PageError};
use crate::web::auth::PagePasswordChanger;
use crate::web::layout::see_other;
use crate::web::time::{wareki_date, wareki_datetime};
use crate::web::{Layout, PageQuery, PageUser, render, safe_next, with_db};
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(login_form)
        .service(login_submit)
        .service(logout)
        .service(password_form)
        .service(password_submit)
        .service(users_page)
        .service(user_new_form)
        .service(user_new_submit)
        .service(user_edit_form)
        .service(user_edit_submit)
        .service(user_reset_password)
        .service(departments_page)
        .service(department_new_form)
        .service(department_new_submit);
}

type Errors = BTreeMap<String, String>;

fn session_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    Cookie::build(COOKIE_NAME, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies)
        .max_age(Duration::minutes(state.keys.lifetime_minutes()))
        .finish()
}

/// Splits a service error into what a form shows: field messages beside the fields, or one message on top.
fn form_errors(err: AppError) -> Result<(Errors, Option<String>), PageError> {
    match err.status {
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT => Ok(match err.fields {
            Some(fields) => (fields, None),
            None => (Errors::new(), Some(err.message)),
        }),
        _ => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    todos: Vec<crate::reports::dashboard::Todo>,
}

#[get("/")]
async fn home(state: web::Data<AppState>, user: PageUser) -> Result<HttpResponse, PageError> {
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
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let (keys, settings) = (state.keys.clone(), state.settings.clone());
    let (username, password) = (form.username.clone(), form.password);
    match with_db(&state, move |conn| {
        service::login(conn, &keys, &settings, &username, &password)
    })
    .await
    {
        Ok(outcome) => {
            let target = if outcome.password_change_required {
                "/password".to_owned()
            } else {
                next
            };
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(&state, &outcome.token))
                .insert_header((actix_web::http::header::LOCATION, target))
                .finish())
        }
        Err(err) if err.status.is_client_error() => {
            let page = LoginPage {
                layout: Layout::anonymous("ログイン"),
                next,
                username: form.username.chars().take(64).collect(),
                error: Some(err.message),
            };
            render(err.status, &page)
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
    state: web::Data<AppState>,
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
    required: bool,
    error: Option<String>,
    errors: Errors,
}

#[get("/password")]
async fn password_form(user: PagePasswordChanger) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let page = PasswordPage {
        layout: user.layout("パスワード変更"),
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
}

#[post("/password")]
async fn password_submit(
    state: web::Data<AppState>,
    user: PagePasswordChanger,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let result = if form.new_password != form.new_password_confirm {
        Err(AppError::invalid(
            "new_password_confirm",
            "確認用のパスワードが一致しません。",
        ))
    } else {
        let id = user.auth.principal.id;
        with_db(&state, move |conn| {
            service::change_password(conn, id, &form.current_password, &form.new_password)
        })
        .await
    };
    match result {
        Ok(updated) => {
            // The change ended every session; start a fresh one for this browser.
            let (token, _) = state
                .keys
                .issue(updated.id, updated.session_version, false)
                .map_err(AppError::internal)?;
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(&state, &token))
                .insert_header((actix_web::http::header::LOCATION, "/"))
                .finish())
        }
        Err(err) => {
            let status = err.status;
            let (errors, error) = form_errors(err)?;
            let page = PasswordPage {
                layout: user.layout("パスワード変更"),
                required: user.auth.password_change_only,
                error,
                errors,
            };
            render(status, &page)
        }
    }
}

struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    roles: String,
    department: String,
    state: &'static str,
    password_changed: String,
}

#[derive(Template)]
#[template(path = "identity/users.html")]
struct UsersPage {
    layout: Layout,
    rows: Vec<UserRow>,
    can_edit: bool,
    page: i64,
    pages: i64,
    total: i64,
}

fn department_label(departments: &[Department], id: Option<i64>) -> String {
    id.and_then(|id| departments.iter().find(|d| d.id == id))
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

#[get("/users")]
async fn users_page(
    state: web::Data<AppState>,
    user: PageUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let (page, per_page) = query.into_inner().resolve()?;
    let principal = user.auth.principal.clone();
    let (list, total, departments) = with_db(&state, move |conn| {
        let (list, total) = service::list_users(
            conn,
            &principal,
            PageQuery::offset(page, per_page),
            per_page,
        )?;
        Ok((list, total, service::list_departments(conn)?))
    })
    .await?;
    let rows = list
        .into_iter()
        .map(|u| UserRow {
            department: department_label(&departments, u.department_id),
            roles: u
                .roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("・"),
            state: if !u.active {
                "無効"
            } else if u.locked {
                "ロック中"
            } else if u.password_change_required {
                "要パスワード変更"
            } else {
                "有効"
            },
            password_changed: wareki_date(
                crate::web::time::to_tokyo(u.password_changed_at).date_naive(),
            ),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
        })
        .collect();
    let paged = crate::web::Paged::new(Vec::<()>::new(), total, page, per_page);
    let page_view = UsersPage {
        layout: user.layout("利用者一覧"),
        rows,
        can_edit: user.has(Role::Admin),
        page,
        pages: paged.pages(),
        total,
    };
    render(StatusCode::OK, &page_view)
}

#[derive(Default)]
struct UserFormValues {
    username: String,
    display_name: String,
    staff_number: String,
    birth_date: String,
    active: bool,
}

struct RoleChoice {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

struct DepartmentChoice {
    id: i64,
    code: String,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "identity/user_form.html")]
struct UserFormPage {
    layout: Layout,
    is_new: bool,
    action: String,
    form: UserFormValues,
    roles: Vec<RoleChoice>,
    departments: Vec<DepartmentChoice>,
    errors: Errors,
    error: Option<String>,
    notice: Option<String>,
}

impl UserFormPage {
    fn build(
        user: &PageUser,
        existing: Option<&UserView>,
        departments: Vec<Department>,
        chosen: &[Role],
        dept: Option<i64>,
    ) -> UserFormPage {
        let form = existing.map_or_else(UserFormValues::default, |u| UserFormValues {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            staff_number: u.staff_number.clone().unwrap_or_default(),
            birth_date: u.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            active: u.active,
        });
        UserFormPage {
            layout: user.layout(if existing.is_some() {
                "利用者編集"
            } else {
                "利用者登録"
            }),
            is_new: existing.is_none(),
            action: existing.map_or_else(
                || "/users/new".to_owned(),
                |u| format!("/users/{}/edit", u.id),
            ),
            form,
            roles: Role::ALL
                .iter()
                .map(|r| RoleChoice {
                    value: r.as_str(),
                    label: r.label(),
                    checked: chosen.contains(r),
                })
                .collect(),
            departments: departments
                .into_iter()
                .map(|d| DepartmentChoice {
                    selected: Some(d.id) == dept,
                    id: d.id,
                    code: d.code,
                    name: d.name,
                })
                .collect(),
            errors: Errors::new(),
            error: None,
            notice: None,
        }
    }
}

#[derive(Deserialize)]
struct UserForm {
    csrf: String,
    username: Option<String>,
    display_name: String,
    password: Option<String>,
    department_id: Option<String>,
    staff_number: Option<String>,
    birth_date: Option<String>,
    active: Option<String>,
    role_admin: Option<String>,
    role_security_manager: Option<String>,
    role_operator: Option<String>,
    role_guard: Option<String>,
    role_staff: Option<String>,
    role_auditor: Option<String>,
}

impl UserForm {
    fn roles(&self) -> Vec<Role> {
        let picked = [
            (Role::Admin, &self.role_admin),
            (Role::SecurityManager, &self.role_security_manager),
            (Role::Operator, &self.role_operator),
            (Role::Guard, &self.role_guard),
            (Role::Staff, &self.role_staff),
            (Role::Auditor, &self.role_auditor),
        ];
        picked
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(r, _)| r)
            .collect()
    }

    /// Department and birth date as typed; a value that does not parse is a field error.
    fn parsed(&self) -> (Option<i64>, Option<chrono::NaiveDate>, Errors) {
        let mut errors = Errors::new();
        let dept = match self.department_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => text
                .parse()
                .map_err(|_| {
                    errors.insert("department_id".into(), "所属を選び直してください。".into())
                })
                .ok(),
        };
        let birth = match self.birth_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| {
                    errors.insert(
                        "birth_date".into(),
                        "日付を YYYY-MM-DD で入力してください。".into(),
                    )
                })
                .ok(),
        };
        (dept, birth, errors)
    }
}

#[get("/users/new")]
async fn user_new_form(
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    user.require_any(&[Role::Admin])?;
    let departments = with_db(&state, service::list_departments).await?;
    render(
        StatusCode::OK,
        &UserFormPage::build(&user, None, departments, &[Role::Staff], None),
    )
}

#[post("/users/new")]
async fn user_new_submit(
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let roles = form.roles();
    let (dept, birth, parse_errors) = form.parsed();
    let input = NewUserInput {
        username: form.username.clone().unwrap_or_default(),
        display_name: form.display_name.clone(),
        password: form.password.clone().unwrap_or_default(),
        roles: roles.clone(),
        department_id: dept,
        staff_number: form.staff_number.clone(),
        birth_date: birth,
    };
    let principal = user.auth.principal.clone();
    let result = match AppError::invalid_fields(parse_errors) {
        Some(err) => Err(err),
        None => {
            with_db(&state, move |conn| {
                service::create_user(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(see_other("/users")),
        Err(err) => {
            let status = err.status;
            let (errors, error) = form_errors(err)?;
            let departments = with_db(&state, service::list_departments).await?;
            let mut page = UserFormPage::build(&user, None, departments, &roles, dept);
            page.form.username = form.username.unwrap_or_default();
            page.form.display_name = form.display_name;
            page.form.staff_number = form.staff_number.unwrap_or_default();
            page.form.birth_date = form.birth_date.unwrap_or_default();
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

async fn edit_page(
    state: &web::Data<AppState>,
    user: &PageUser,
    id: i64,
) -> Result<UserFormPage, PageError> {
    user.require_any(&[Role::Admin])?;
    let principal = user.auth.principal.clone();
    let (target, departments) = with_db(state, move |conn| {
        Ok((
            service::get_user(conn, &principal, id)?,
            service::list_departments(conn)?,
        ))
    })
    .await?;
    let roles = target.roles.clone();
    Ok(UserFormPage::build(
        user,
        Some(&target),
        departments,
        &roles,
        target.department_id,
    ))
}

#[get("/users/{id}/edit")]
async fn user_edit_form(
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let page = edit_page(&state, &user, id.into_inner()).await?;
    render(StatusCode::OK, &page)
}

#[post("/users/{id}/edit")]
async fn user_edit_submit(
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let (dept, birth, parse_errors) = form.parsed();
    let patch = UserPatch {
        display_name: Some(form.display_name.clone()),
        roles: Some(form.roles()),
        department_id: Some(dept),
        staff_number: Some(form.staff_number.clone().filter(|s| !s.trim().is_empty())),
        birth_date: Some(birth),
        active: Some(form.active.is_some()),
    };
    let principal = user.auth.principal.clone();
    let result = match AppError::invalid_fields(parse_errors) {
        Some(err) => Err(err),
        None => {
            with_db(&state, move |conn| {
                service::update_user(conn, &principal, id, &patch)
            })
            .await
        }
    };
    let mut page = edit_page(&state, &user, id).await?;
    match result {
        Ok(_) => {
            page.notice = Some("保存しました。".into());
            render(StatusCode::OK, &page)
        }
        Err(err) => {
            let status = err.status;
            let (errors, error) = form_errors(err)?;
            page.form.display_name = form.display_name;
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

#[derive(Deserialize)]
struct ResetForm {
    csrf: String,
    password: String,
}

#[post("/users/{id}/edit/reset-password")]
async fn user_reset_password(
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let principal = user.auth.principal.clone();
    let password = form.into_inner().password;
    let result = with_db(&state, move |conn| {
        service::reset_password(conn, &principal, id, &password)
    })
    .await;
    let mut page = edit_page(&state, &user, id).await?;
    match result {
        Ok(_) => {
            page.notice =
                Some("パスワードを再設定しました。次回ログイン時に変更が必要です。".into());
            render(StatusCode::OK, &page)
        }
        Err(err) => {
            let status = err.status;
            let (errors, error) = form_errors(err)?;
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

struct DepartmentRow {
    code: String,
    name: String,
    created: String,
}

#[derive(Template)]
#[template(path = "identity/departments.html")]
struct DepartmentsPage {
    layout: Layout,
    departments: Vec<DepartmentRow>,
    can_edit: bool,
}

#[get("/departments")]
async fn departments_page(
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    user.require_any(&[Role::Admin, Role::Auditor])?;
    let list = with_db(&state, service::list_departments).await?;
    let page = DepartmentsPage {
        layout: user.layout("所属一覧"),
        departments: list
            .into_iter()
            .map(|d| DepartmentRow {
                code: d.code,
                name: d.name,
                created: wareki_datetime(d.created_at),
            })
            .collect(),
        can_edit: user.has(Role::Admin),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "identity/department_form.html")]
struct DepartmentFormPage {
    layout: Layout,
    code: String,
    name: String,
    errors: Errors,
    error: Option<String>,
}

#[get("/departments/new")]
async fn department_new_form(user: PageUser) -> Result<HttpResponse, PageError> {
    user.require_any(&[Role::Admin])?;
    let page = DepartmentFormPage {
        layout: user.layout("所属登録"),
        code: String::new(),
        name: String::new(),
        errors: Errors::new(),
        error: None,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct DepartmentForm {
    csrf: String,
    code: String,
    name: String,
}

#[post("/departments/new")]
async fn department_new_submit(
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<DepartmentForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let principal = user.auth.principal.clone();
    let (code, name) = (form.code.clone(), form.name.clone());
    match with_db(&state, move |conn| {
        service::create_department(conn, &principal, &code, &name)
    })
    .await
    {
        Ok(_) => Ok(see_other("/departments")),
        Err(err) => {
            let status = err.status;
            let (errors, error) = form_errors(err)?;
            let page = DepartmentFormPage {
                layout: user.layout("所属登録"),
                code: form.code,
                name: form.name,
                errors,
                error,
            };
            render(status, &page)
        }
    }
}
