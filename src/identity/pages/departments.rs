//! 所属一覧/登録.

use super::{Errors, form_errors};
use crate::identity::rules::Role;
use crate::identity::service::{self};
use crate::kit::time::wareki_datetime;
use crate::web::PageError;
use crate::web::WebState;
use crate::web::layout::done;
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(departments_page)
        .service(department_new_form)
        .service(department_new_submit);
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
    state: web::Data<WebState>,
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
    state: web::Data<WebState>,
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
        Ok(_) => Ok(done("/departments", "所属を登録しました。")),
        Err(err) => {
            let status = err.status();
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
