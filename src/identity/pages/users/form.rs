//! 利用者登録/編集: the form, its validation, and the admin's password reset.

use crate::error::AppError;
use crate::identity::pages::{Errors, form_errors};
use crate::identity::rules::Role;
use crate::identity::service::Department;
use crate::identity::service::{self, NewUserInput, UserPatch, UserView};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::layout::done;
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

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
pub(super) async fn user_new_form(
    state: web::Data<WebState>,
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
pub(super) async fn user_new_submit(
    state: web::Data<WebState>,
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
        Ok(created) => Ok(done(
            "/users",
            &format!("利用者 {} を登録しました。", created.display_name),
        )),
        Err(err) => {
            let status = err.status();
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
    state: &web::Data<WebState>,
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
pub(super) async fn user_edit_form(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let page = edit_page(&state, &user, id.into_inner()).await?;
    render(StatusCode::OK, &page)
}

#[post("/users/{id}/edit")]
pub(super) async fn user_edit_submit(
    state: web::Data<WebState>,
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
            let status = err.status();
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
pub(super) async fn user_reset_password(
    state: web::Data<WebState>,
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
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}
