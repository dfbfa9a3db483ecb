//! 管理区域 pages: the list with managers' names, and create/edit for admins.

use super::Choice;
use crate::error::AppError;
use crate::identity::Role;
use crate::identity::service as identity_service;
use crate::register::service::{self, ZoneInput, ZonePatch, ZoneView};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{Errors, form_errors};
use crate::web::layout::done;
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use std::collections::HashMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(zones_list)
        .service(zone_new_form)
        .service(zone_new_submit)
        .service(zone_edit_form)
        .service(zone_edit_submit);
}

struct ZoneRow {
    id: i64,
    code: String,
    name: String,
    department: String,
    location: String,
    managers: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "register/zones.html")]
struct ZonesPage {
    layout: Layout,
    rows: Vec<ZoneRow>,
    can_edit: bool,
}

#[get("/zones")]
async fn zones_list(state: web::Data<WebState>, user: PageUser) -> Result<HttpResponse, PageError> {
    let (zones, departments, names) = with_db(&state, |conn| {
        let zones = service::list_zones(conn)?;
        let managers: Vec<i64> = zones.iter().flat_map(|z| z.manager_ids.clone()).collect();
        let names = identity_service::user_names(conn, &managers)?;
        Ok((zones, identity_service::list_departments(conn)?, names))
    })
    .await?;
    let rows = zones
        .into_iter()
        .map(|z| ZoneRow {
            department: departments
                .iter()
                .find(|d| d.id == z.department_id)
                .map(|d| format!("{} {}", d.code, d.name))
                .unwrap_or_default(),
            managers: z
                .manager_ids
                .iter()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string()))
                .collect::<Vec<_>>()
                .join("、"),
            location: z.location.unwrap_or_default(),
            id: z.id,
            code: z.code,
            name: z.name,
            active: z.active,
        })
        .collect();
    render(
        StatusCode::OK,
        &ZonesPage {
            layout: user.layout("管理区域"),
            rows,
            can_edit: user.has(Role::Admin),
        },
    )
}

struct ManagerChoice {
    id: i64,
    name: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "register/zone_form.html")]
struct ZoneFormPage {
    layout: Layout,
    is_new: bool,
    action: String,
    code: String,
    name: String,
    location: String,
    active: bool,
    departments: Vec<Choice>,
    managers: Vec<ManagerChoice>,
    errors: Errors,
    error: Option<String>,
}

/// The submitted form: plain fields plus one `manager_{id}` checkbox per security manager.
struct ZoneForm {
    csrf: String,
    code: String,
    name: String,
    department_id: String,
    location: String,
    active: bool,
    manager_ids: Vec<i64>,
}

impl ZoneForm {
    fn of(map: HashMap<String, String>) -> ZoneForm {
        let get = |k: &str| map.get(k).cloned().unwrap_or_default();
        let mut manager_ids: Vec<i64> = map
            .keys()
            .filter_map(|k| k.strip_prefix("manager_"))
            .filter_map(|id| id.parse().ok())
            .collect();
        manager_ids.sort_unstable();
        ZoneForm {
            csrf: get("csrf"),
            code: get("code"),
            name: get("name"),
            department_id: get("department_id"),
            location: get("location"),
            active: map.contains_key("active"),
            manager_ids,
        }
    }
}

async fn form_page(
    state: &web::Data<WebState>,
    user: &PageUser,
    existing: Option<i64>,
    form: &ZoneForm,
) -> Result<ZoneFormPage, PageError> {
    let (departments, managers) = with_db(state, |conn| {
        Ok((
            identity_service::list_departments(conn)?,
            service::manager_choices(conn)?,
        ))
    })
    .await?;
    let mut department_choices = vec![Choice::new("", "（選んでください）", &form.department_id)];
    department_choices.extend(
        departments
            .iter()
            .map(|d| Choice::new(d.id, format!("{} {}", d.code, d.name), &form.department_id)),
    );
    Ok(ZoneFormPage {
        layout: user.layout(if existing.is_some() {
            "管理区域の編集"
        } else {
            "管理区域の登録"
        }),
        is_new: existing.is_none(),
        action: existing.map_or_else(|| "/zones/new".to_owned(), |id| format!("/zones/{id}/edit")),
        code: form.code.clone(),
        name: form.name.clone(),
        location: form.location.clone(),
        active: form.active,
        departments: department_choices,
        managers: managers
            .into_iter()
            .map(|(id, name)| ManagerChoice {
                checked: form.manager_ids.contains(&id),
                id,
                name,
            })
            .collect(),
        errors: Errors::new(),
        error: None,
    })
}

fn zone_form_of(z: &ZoneView) -> ZoneForm {
    ZoneForm {
        csrf: String::new(),
        code: z.code.clone(),
        name: z.name.clone(),
        department_id: z.department_id.to_string(),
        location: z.location.clone().unwrap_or_default(),
        active: z.active,
        manager_ids: z.manager_ids.clone(),
    }
}

fn department_of(form: &ZoneForm) -> Result<i64, AppError> {
    form.department_id
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("department_id", "所管課を選んでください。"))
}

#[get("/zones/new")]
async fn zone_new_form(
    state: web::Data<WebState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    user.require_any(&[Role::Admin])?;
    let form = ZoneForm::of(HashMap::new());
    let page = form_page(&state, &user, None, &form).await?;
    render(StatusCode::OK, &page)
}

#[post("/zones/new")]
async fn zone_new_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let form = ZoneForm::of(form.into_inner());
    user.check_csrf(&form.csrf)?;
    let result = match department_of(&form) {
        Err(e) => Err(e),
        Ok(department_id) => {
            let input = ZoneInput {
                code: form.code.clone(),
                name: form.name.clone(),
                department_id,
                manager_ids: form.manager_ids.clone(),
                location: Some(form.location.clone()),
            };
            let principal = user.auth.principal.clone();
            with_db(&state, move |conn| {
                service::create_zone(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(done("/zones", "管理区域を登録しました。")),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let mut page = form_page(&state, &user, None, &form).await?;
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

#[get("/zones/{id}/edit")]
async fn zone_edit_form(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require_any(&[Role::Admin])?;
    let id = id.into_inner();
    let zone = with_db(&state, move |conn| service::get_zone(conn, id)).await?;
    let page = form_page(&state, &user, Some(id), &zone_form_of(&zone)).await?;
    render(StatusCode::OK, &page)
}

#[post("/zones/{id}/edit")]
async fn zone_edit_submit(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let mut form = ZoneForm::of(form.into_inner());
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let zone = with_db(&state, move |conn| service::get_zone(conn, id)).await?;
    form.code = zone.code.clone();
    let result = match department_of(&form) {
        Err(e) => Err(e),
        Ok(department_id) => {
            let patch = ZonePatch {
                name: Some(form.name.clone()),
                department_id: Some(department_id),
                manager_ids: Some(form.manager_ids.clone()),
                location: Some(Some(form.location.clone()).filter(|l| !l.trim().is_empty())),
                active: Some(form.active),
            };
            let principal = user.auth.principal.clone();
            with_db(&state, move |conn| {
                service::update_zone(conn, &principal, id, &patch)
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(done("/zones", "管理区域を更新しました。")),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let mut page = form_page(&state, &user, Some(id), &form).await?;
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}
