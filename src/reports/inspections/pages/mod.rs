//! The 点検記録 pages: the list with the form that opens an inspection here;
//! the record with a form per finding and the sign-off, printable on A4, in `record`.

mod record;

use record::*;

use super::rules::{COMMENT_MAX, Disposition, InspectionState, NOTE_MAX};
use super::service::{self, FindingView, InspectionView};
use crate::identity::Principal;
use crate::kit::time::{wareki_date, wareki_datetime};
use crate::web::forms::{Errors, form_errors, required_date};
use crate::web::layout::{NavLink, done};
use crate::web::{Layout, PageError, PageQuery, PageUser, WebState, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The CSV first: `/inspections/{id}` would take `3.csv` for an id.
    cfg.service(super::csv::inspection_csv)
        .service(list_page)
        .service(open_submit)
        .service(detail_page)
        .service(decide_submit)
        .service(sign_submit);
}

pub fn nav(principal: &Principal, nav: &mut Vec<NavLink>) {
    if principal.has_any(service::READERS) {
        nav.push(NavLink {
            href: "/inspections",
            label: "点検記録",
        });
    }
}

struct Row {
    id: i64,
    period: String,
    state: &'static str,
    signed: bool,
    progress: String,
    opened: String,
    opened_by: String,
    signed_at: String,
    signed_by: String,
}

#[derive(Template)]
#[template(path = "reports/inspections.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    may_open: bool,
    from: String,
    to: String,
    note: String,
    note_max: usize,
    errors: Errors,
    error: Option<String>,
    page: i64,
    pages: i64,
}

fn period(from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    format!("{} 〜 {}", wareki_date(from), wareki_date(to))
}

#[derive(Default, Deserialize)]
struct OpenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

async fn show_list(
    state: &WebState,
    user: &PageUser,
    page: i64,
    form: OpenForm,
    errors: Errors,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let per_page = 50;
    let (items, total) = with_db(state, move |conn| {
        service::list(
            conn,
            &principal,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    let status = if errors.is_empty() && error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let today = crate::register::service::movements::today();
    let first = today.with_day0(0).unwrap_or(today);
    let rows = items
        .iter()
        .map(|i| Row {
            id: i.id,
            period: period(i.from, i.to),
            state: i.state.label(),
            signed: i.state == InspectionState::Signed,
            progress: format!("{} / {}", i.decided, i.findings),
            opened: wareki_datetime(i.opened_at),
            opened_by: i.opened_by_name.clone(),
            signed_at: i.signed_at.map(wareki_datetime).unwrap_or_default(),
            signed_by: i.signed_by_name.clone().unwrap_or_default(),
        })
        .collect();
    render(
        status,
        &ListPage {
            layout: user.layout("点検記録"),
            rows,
            may_open: user.has_any(service::INSPECTORS),
            from: if form.from.is_empty() {
                first.to_string()
            } else {
                form.from
            },
            to: if form.to.is_empty() {
                today.to_string()
            } else {
                form.to
            },
            note: form.note,
            note_max: NOTE_MAX,
            errors,
            error,
            page,
            pages: ((total + per_page - 1) / per_page).max(1),
        },
    )
}

#[get("/inspections")]
async fn list_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let (page, _) = query.into_inner().resolve()?;
    show_list(
        &state,
        &user,
        page,
        OpenForm::default(),
        Errors::new(),
        None,
    )
    .await
}

#[post("/inspections")]
async fn open_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<OpenForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let mut errors = Errors::new();
    let from = required_date(&mut errors, "from", &form.from);
    let to = required_date(&mut errors, "to", &form.to);
    let (Some(from), Some(to)) = (from, to) else {
        return show_list(&state, &user, 1, form, errors, None).await;
    };
    let principal = user.auth.principal.clone();
    let settings = state.settings.clone();
    let note = form.note.clone();
    let opened = with_db(&state, move |conn| {
        service::open(
            conn,
            &principal,
            &settings,
            from,
            to,
            Some(&note),
            crate::register::service::movements::today(),
        )
    })
    .await;
    match opened {
        Ok(v) => Ok(done(
            &format!("/inspections/{}", v.id),
            &format!(
                "点検記録 No.{} を開始しました。指摘ごとに対応区分を記入してください。",
                v.id
            ),
        )),
        Err(e) => {
            let (errors, error) = form_errors(e)?;
            show_list(&state, &user, 1, form, errors, error).await
        }
    }
}
