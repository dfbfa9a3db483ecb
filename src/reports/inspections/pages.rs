//! The 点検記録 pages: the list with the form that opens an inspection, the
//! record with a form per finding and the sign-off, printable on A4.

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

struct FindingRow {
    n: i32,
    article: String,
    message: String,
    code: String,
    href: Option<String>,
    disposition: Option<Disposition>,
    disposition_label: &'static str,
    comment: String,
    decided: String,
    error: Option<String>,
}

struct Choice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "reports/inspection.html")]
struct DetailPage {
    layout: Layout,
    v: InspectionView,
    period: String,
    opened: String,
    signed_at: String,
    signed: bool,
    may_decide: bool,
    findings: Vec<FindingRow>,
    choices: Vec<Choice>,
    comment_max: usize,
    error: Option<String>,
}

/// The page of the record a finding is about.
fn record_href(f: &FindingView) -> Option<String> {
    let (kind, id) = (f.entity_type.as_deref()?, f.entity_id.as_deref()?);
    Some(match kind {
        "equipment" => format!("/equipment/{}", crate::web::percent_encode(id)),
        "movement" => format!("/movements/{id}"),
        "software" => format!("/licenses#software-{id}"),
        "user" => format!("/users/{id}/edit"),
        "audit_log" => "/audit?verify=1".to_owned(),
        _ => return None,
    })
}

async fn show_detail(
    state: &WebState,
    user: &PageUser,
    id: i64,
    failed: Option<(i32, String, String, Option<Disposition>)>,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let v = with_db(state, move |conn| service::get(conn, &principal, id)).await?;
    let signed = v.state == InspectionState::Signed;
    let status = if failed.is_some() || error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let findings = v
        .findings
        .iter()
        .map(|f| {
            let mut row = FindingRow {
                n: f.n,
                article: f.article.clone(),
                message: f.message.clone(),
                code: f.code.clone(),
                href: record_href(f),
                disposition: f.disposition,
                disposition_label: f.disposition.map_or("未記入", |d| d.label()),
                comment: f.comment.clone(),
                decided: match (&f.decided_by_name, f.decided_at) {
                    (Some(who), Some(at)) => format!("{}（{}）", wareki_datetime(at), who),
                    _ => String::new(),
                },
                error: None,
            };
            if let Some((n, message, comment, disposition)) = &failed
                && *n == f.n
            {
                row.error = Some(message.clone());
                row.comment = comment.clone();
                row.disposition = *disposition;
            }
            row
        })
        .collect();
    let page = DetailPage {
        layout: user.layout(&format!("点検記録 No.{id}")),
        period: period(v.from, v.to),
        opened: wareki_datetime(v.opened_at),
        signed_at: v.signed_at.map(wareki_datetime).unwrap_or_default(),
        signed,
        may_decide: !signed && user.has_any(service::INSPECTORS),
        findings,
        choices: Disposition::ALL
            .iter()
            .map(|d| Choice {
                value: d.as_str(),
                label: d.label(),
            })
            .collect(),
        comment_max: COMMENT_MAX,
        error,
        v,
    };
    render(status, &page)
}

#[get("/inspections/{id}")]
async fn detail_page(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    show_detail(&state, &user, id.into_inner(), None, None).await
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    comment: String,
}

#[post("/inspections/{id}/findings/{n}")]
async fn decide_submit(
    state: web::Data<WebState>,
    user: PageUser,
    path: web::Path<(i64, i32)>,
    form: web::Form<DecideForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (id, n) = path.into_inner();
    let form = form.into_inner();
    let Some(disposition) = Disposition::parse(&form.disposition) else {
        let failed = (
            n,
            "対応区分を選んでください。".to_owned(),
            form.comment,
            None,
        );
        return show_detail(&state, &user, id, Some(failed), None).await;
    };
    let principal = user.auth.principal.clone();
    let comment = form.comment.clone();
    match with_db(&state, move |conn| {
        service::decide(conn, &principal, id, n, disposition, &comment)
    })
    .await
    {
        Ok(_) => Ok(done(
            &format!("/inspections/{id}#finding-{n}"),
            &format!("指摘 {n} を「{}」として記録しました。", disposition.label()),
        )),
        Err(e) => {
            let (fields, message) = form_errors(e)?;
            let message = message
                .or_else(|| fields.into_values().next())
                .unwrap_or_default();
            let failed = (n, message, form.comment, Some(disposition));
            show_detail(&state, &user, id, Some(failed), None).await
        }
    }
}

#[derive(Deserialize)]
struct SignForm {
    #[serde(default)]
    csrf: String,
}

#[post("/inspections/{id}/sign")]
async fn sign_submit(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<SignForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let principal = user.auth.principal.clone();
    let settings = state.settings.clone();
    match with_db(&state, move |conn| {
        service::sign(conn, &principal, &settings, id)
    })
    .await
    {
        Ok(_) => Ok(done(
            &format!("/inspections/{id}"),
            &format!("点検記録 No.{id} に署名しました。以後は変更できません。"),
        )),
        Err(e) => {
            let (_, message) = form_errors(e.clone())?;
            let message = message.unwrap_or(e.message);
            show_detail(&state, &user, id, None, Some(message)).await
        }
    }
}
