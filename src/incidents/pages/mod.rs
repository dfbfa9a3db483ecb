//! 事故・障害 pages: the list and its CSV here; the report form (filled in when
//! another page offers 「事故・障害として報告」) in `report`, each record with its
//! response form in `record`.

mod record;
mod report;

use record::*;
use report::*;

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
