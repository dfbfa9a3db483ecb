//! 事故・障害 pages: the list, the report form (filled in when another page offers
//! 「事故・障害として報告」), and each record with its response form.

use super::rules::{IncidentKind, IncidentState, TEXT_MAX, TITLE_MAX};
use super::service::{
    self, IncidentDetail, IncidentInput, IncidentQuery, IncidentView, READERS, ResponseInput,
};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::time::{to_tokyo, wareki_datetime};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{Errors, form_errors, tag_list};
use crate::web::layout::{NavLink, done};
use crate::web::{Layout, PageQuery, PageUser, Paged, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(export_csv)
        .service(new_page)
        .service(report_submit)
        .service(detail_page)
        .service(response_submit)
        .service(close_submit);
}

/// This area's entry in the menu: everyone may report; the list shows what each may read.
pub fn nav(_: &Principal, nav: &mut Vec<NavLink>) {
    nav.push(NavLink {
        href: "/incidents",
        label: "事故・障害",
    });
}

const PER_PAGE: i64 = 50;

/// Names for ids on the pages: people, zones and departments.
struct Names {
    people: HashMap<i64, String>,
    zones: HashMap<i64, String>,
    departments: HashMap<i64, String>,
}

impl Names {
    fn load(conn: &mut crate::db::DbConn, items: &[&IncidentView]) -> Result<Names, AppError> {
        let mut ids: Vec<i64> = items
            .iter()
            .flat_map(|i| [Some(i.reported_by), i.responded_by, i.closed_by])
            .flatten()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(Names {
            people: crate::identity::service::user_names(conn, &ids)?,
            zones: crate::register::service::zone_choices(conn)?
                .into_iter()
                .collect(),
            departments: crate::identity::service::list_departments(conn)?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
        })
    }

    fn person(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.people.get(&i).cloned())
            .unwrap_or_default()
    }
}

/// One record as people read it.
struct Row {
    id: i64,
    kind: &'static str,
    title: String,
    description: String,
    found: String,
    place: String,
    tags: Vec<String>,
    state: &'static str,
    /// Not yet closed: shown as needing attention.
    open: bool,
    reporter: String,
    reported: String,
    response: String,
    cause: String,
    prevention: String,
    responder: String,
    responded: String,
    closer: String,
    closed: String,
}

fn row(i: &IncidentView, names: &Names) -> Result<Row, AppError> {
    let zone = i.zone_id.and_then(|z| names.zones.get(&z).cloned());
    let department = names
        .departments
        .get(&i.department_id)
        .cloned()
        .unwrap_or_default();
    let when = |t: Option<chrono::NaiveDateTime>| t.map(wareki_datetime).unwrap_or_default();
    Ok(Row {
        id: i.id,
        kind: IncidentKind::stored(&i.kind)?.label(),
        title: i.title.clone(),
        description: i.description.clone(),
        found: wareki_datetime(i.found_at),
        place: match zone {
            Some(z) => format!("{z}（{department}）"),
            None => department,
        },
        tags: i.asset_tags.clone(),
        state: i.state().label(),
        open: i.state() != IncidentState::Closed,
        reporter: names.person(Some(i.reported_by)),
        reported: wareki_datetime(i.reported_at),
        response: i.response.clone().unwrap_or_default(),
        cause: i.cause.clone().unwrap_or_default(),
        prevention: i.prevention.clone().unwrap_or_default(),
        responder: names.person(i.responded_by),
        responded: when(i.responded_at),
        closer: names.person(i.closed_by),
        closed: when(i.closed_at),
    })
}

#[derive(Deserialize, Default)]
struct ListParams {
    #[serde(default)]
    state: String,
}

#[derive(Template)]
#[template(path = "incidents/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    states: Vec<(&'static str, &'static str)>,
    state: String,
    /// Whether this person reads everyone's reports or only their own.
    reads_all: bool,
    page: i64,
    pages: i64,
    total: i64,
}

#[get("/incidents")]
async fn list_page(
    state: web::Data<WebState>,
    user: PageUser,
    params: web::Query<ListParams>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let (page, per_page) = paging.fixed(PER_PAGE)?;
    let chosen = IncidentState::parse(params.state.trim()).map(|s| s.as_str().to_owned());
    let query = IncidentQuery {
        state: chosen.clone(),
        zone_id: None,
    };
    let principal = user.auth.principal.clone();
    let (rows, total) = with_db(&state, move |conn| {
        let (items, total) = service::list_incidents(
            conn,
            &principal,
            &query,
            PageQuery::offset(page, per_page),
            per_page,
        )?;
        let names = Names::load(conn, &items.iter().collect::<Vec<_>>())?;
        let rows = items
            .iter()
            .map(|i| row(i, &names))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, total))
    })
    .await?;
    let pages = Paged::new(Vec::<()>::new(), total, page, per_page).pages();
    render(
        StatusCode::OK,
        &ListPage {
            layout: user.layout("事故・障害"),
            rows,
            states: IncidentState::ALL
                .iter()
                .map(|s| (s.as_str(), s.label()))
                .collect(),
            state: chosen.unwrap_or_default(),
            reads_all: user.auth.principal.has_any(READERS),
            page,
            pages,
            total,
        },
    )
}

#[get("/incidents/export.csv")]
async fn export_csv(
    state: web::Data<WebState>,
    user: PageUser,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    let query = IncidentQuery {
        state: IncidentState::parse(params.state.trim()).map(|s| s.as_str().to_owned()),
        zone_id: None,
    };
    let principal = user.auth.principal.clone();
    let csv = with_db(&state, move |conn| {
        service::export_incidents(conn, &principal, &query)
    })
    .await?;
    Ok(crate::web::download::csv_attachment("incidents.csv", csv))
}

/// The report form's values; another page may fill them in through the query string.
#[derive(Deserialize, Default)]
struct ReportValues {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    found_at: String,
    #[serde(default)]
    zone_id: String,
    #[serde(default)]
    asset_tags: String,
    #[serde(default)]
    source: String,
}

#[derive(Template)]
#[template(path = "incidents/new.html")]
struct NewPage {
    layout: Layout,
    form: ReportValues,
    kinds: Vec<(&'static str, &'static str)>,
    zones: Vec<(i64, String)>,
    errors: Errors,
    error: Option<String>,
    title_max: usize,
    text_max: usize,
}

async fn new_form(
    state: &WebState,
    user: &PageUser,
    mut form: ReportValues,
    errors: Errors,
    error: Option<String>,
) -> Result<NewPage, PageError> {
    if form.found_at.is_empty() {
        form.found_at = to_tokyo(crate::db::now())
            .format("%Y-%m-%dT%H:%M")
            .to_string();
    }
    if form.kind.is_empty() {
        form.kind = IncidentKind::Fault.as_str().to_owned();
    }
    let zones = with_db(state, crate::register::service::zone_choices).await?;
    Ok(NewPage {
        layout: user.layout("事故・障害を報告する"),
        form,
        kinds: IncidentKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        zones,
        errors,
        error,
        title_max: TITLE_MAX,
        text_max: TEXT_MAX,
    })
}

#[get("/incidents/new")]
async fn new_page(
    state: web::Data<WebState>,
    user: PageUser,
    prefill: web::Query<ReportValues>,
) -> Result<HttpResponse, PageError> {
    let page = new_form(&state, &user, prefill.into_inner(), Errors::new(), None).await?;
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct ReportForm {
    csrf: String,
    #[serde(flatten)]
    values: ReportValues,
}

#[post("/incidents")]
async fn report_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<ReportForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let v = form.into_inner().values;
    let mut errors = Errors::new();
    let zone_id = match v.zone_id.trim() {
        "" => None,
        z => crate::web::input::form_number::<i64>(&mut errors, "zone_id", z),
    };
    let input = IncidentInput {
        kind: v.kind.clone(),
        title: v.title.clone(),
        description: v.description.clone(),
        found_at: v.found_at.clone(),
        zone_id,
        asset_tags: tag_list(&v.asset_tags),
        source: Some(v.source.clone()),
    };
    let principal = user.auth.principal.clone();
    let result = match AppError::invalid_fields(errors) {
        Some(e) => Err(e),
        None => {
            with_db(&state, move |conn| {
                service::report_incident(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(view) => Ok(done(
            &format!("/incidents/{}", view.id),
            &format!("事故・障害 第{}号を報告しました。", view.id),
        )),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let page = new_form(&state, &user, v, errors, error).await?;
            render(status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "incidents/detail.html")]
struct DetailPage {
    layout: Layout,
    r: Row,
    may_respond: bool,
    may_close: bool,
    form: ResponseInput,
    errors: Errors,
    error: Option<String>,
    text_max: usize,
}

async fn detail(
    state: &WebState,
    user: &PageUser,
    id: i64,
) -> Result<(IncidentDetail, Row), PageError> {
    let principal = user.auth.principal.clone();
    Ok(with_db(state, move |conn| {
        let d = service::incident_detail(conn, &principal, id)?;
        let names = Names::load(conn, &[&d.incident])?;
        let r = row(&d.incident, &names)?;
        Ok((d, r))
    })
    .await?)
}

fn detail_page_of(
    user: &PageUser,
    d: IncidentDetail,
    r: Row,
    form: Option<ResponseInput>,
    errors: Errors,
    error: Option<String>,
) -> DetailPage {
    let form = form.unwrap_or_else(|| ResponseInput {
        response: d.incident.response.clone().unwrap_or_default(),
        cause: d.incident.cause.clone().unwrap_or_default(),
        prevention: d.incident.prevention.clone().unwrap_or_default(),
    });
    DetailPage {
        layout: user.layout(&format!("事故・障害 第{}号", d.incident.id)),
        r,
        may_respond: d.may_respond,
        may_close: d.may_close,
        form,
        errors,
        error,
        text_max: TEXT_MAX,
    }
}

#[get("/incidents/{id}")]
async fn detail_page(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let (d, r) = detail(&state, &user, id.into_inner()).await?;
    render(
        StatusCode::OK,
        &detail_page_of(&user, d, r, None, Errors::new(), None),
    )
}

#[derive(Deserialize)]
struct ResponseForm {
    csrf: String,
    #[serde(default)]
    response: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    prevention: String,
}

#[post("/incidents/{id}/response")]
async fn response_submit(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<ResponseForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let f = form.into_inner();
    let input = ResponseInput {
        response: f.response,
        cause: f.cause,
        prevention: f.prevention,
    };
    let principal = user.auth.principal.clone();
    let typed = input.clone();
    match with_db(&state, move |conn| {
        service::record_response(conn, &principal, id, &input)
    })
    .await
    {
        Ok(_) => Ok(done(
            &format!("/incidents/{id}"),
            "対応・原因・再発防止策を記録しました。",
        )),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let (d, r) = detail(&state, &user, id).await?;
            render(
                status,
                &detail_page_of(&user, d, r, Some(typed), errors, error),
            )
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

#[post("/incidents/{id}/close")]
async fn close_submit(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let principal = user.auth.principal.clone();
    match with_db(&state, move |conn| {
        service::close_incident(conn, &principal, id)
    })
    .await
    {
        Ok(_) => Ok(done(&format!("/incidents/{id}"), "完了にしました。")),
        Err(err) => {
            let status = err.status();
            let (_, error) = form_errors(err)?;
            let (d, r) = detail(&state, &user, id).await?;
            render(
                status,
                &detail_page_of(&user, d, r, None, Errors::new(), error),
            )
        }
    }
}
