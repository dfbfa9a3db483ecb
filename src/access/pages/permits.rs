//! 入室許可 pages: the list, the request form, one permit with its decisions, the badge.

use super::super::rules::{PermitAction, PermitState};
use super::super::service::{self, NewPermitInput, PermitQuery, PermitView, VisitorInput};
use super::{local_input, local_value};
use crate::kit::time::wareki_datetime;
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{Errors, form_errors};
use crate::web::layout::done;
use crate::web::{Layout, PageQuery, PageUser, Paged, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(permits_page)
        .service(permit_new_form)
        .service(permit_new_submit)
        .service(permit_page)
        .service(permit_decide)
        .service(permit_badge);
}

/// A permit as the pages show it.
pub struct PermitRow {
    pub v: PermitView,
    pub state_label: &'static str,
    pub kind_label: &'static str,
    pub from: String,
    pub until: String,
    pub requested: String,
    pub decided: String,
}

fn row(v: PermitView) -> PermitRow {
    PermitRow {
        state_label: PermitState::parse(&v.state).map_or("", |s| s.label()),
        kind_label: super::super::rules::HolderKind::parse(&v.holder_kind)
            .map_or("", |k| k.label()),
        from: wareki_datetime(v.valid_from),
        until: wareki_datetime(v.valid_until),
        requested: wareki_datetime(v.requested_at),
        decided: v.decided_at.map(wareki_datetime).unwrap_or_default(),
        v,
    }
}

#[derive(Template)]
#[template(path = "access/permits.html")]
struct PermitsPage {
    layout: Layout,
    rows: Vec<PermitRow>,
    state: String,
    page: i64,
    pages: i64,
    total: i64,
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
}

#[get("/permits")]
async fn permits_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<ListQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let (page, per_page) = paging.fixed(50)?;
    let filter_state = query.state.filter(|s| !s.is_empty());
    let principal = user.auth.principal.clone();
    let q = PermitQuery {
        state: filter_state.clone(),
        ..Default::default()
    };
    let (items, total) = with_db(&state, move |conn| {
        service::list_permits(
            conn,
            &principal,
            &q,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    let pages = Paged::new(Vec::<()>::new(), total, page, per_page).pages();
    render(
        StatusCode::OK,
        &PermitsPage {
            layout: user.layout("入室許可"),
            rows: items.into_iter().map(row).collect(),
            state: filter_state.unwrap_or_default(),
            page,
            pages,
            total,
        },
    )
}

struct Choice {
    id: i64,
    label: String,
}

#[derive(Default, Deserialize)]
struct PermitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    zone_id: String,
    /// `self` or `visitor`.
    #[serde(default)]
    holder: String,
    #[serde(default)]
    visitor_name: String,
    #[serde(default)]
    visitor_organization: String,
    #[serde(default)]
    visitor_kind: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    escort_required: Option<String>,
    #[serde(default)]
    escort_user_id: String,
}

#[derive(Template)]
#[template(path = "access/permit_form.html")]
struct PermitFormPage {
    layout: Layout,
    zones: Vec<Choice>,
    users: Vec<Choice>,
    form: PermitForm,
    errors: Errors,
    error: Option<String>,
}

async fn choices(state: &WebState) -> Result<(Vec<Choice>, Vec<Choice>), PageError> {
    Ok(with_db(state, |conn| {
        let zones = service::active_zones(conn)?
            .into_iter()
            .map(|(id, code, name)| Choice {
                id,
                label: format!("{code} {name}"),
            })
            .collect();
        let users = crate::identity::service::active_users(conn, 1000)?
            .into_iter()
            .map(|(id, name, login)| Choice {
                id,
                label: format!("{name}（{login}）"),
            })
            .collect();
        Ok((zones, users))
    })
    .await?)
}

#[get("/permits/new")]
async fn permit_new_form(
    state: web::Data<WebState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let (zones, users) = choices(&state).await?;
    let now = crate::db::now();
    let form = PermitForm {
        holder: "self".into(),
        valid_from: local_value(now),
        valid_until: local_value(now + chrono::TimeDelta::hours(8)),
        ..Default::default()
    };
    render(
        StatusCode::OK,
        &PermitFormPage {
            layout: user.layout("入室許可申請"),
            zones,
            users,
            form,
            errors: Errors::new(),
            error: None,
        },
    )
}

#[post("/permits/new")]
async fn permit_new_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<PermitForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let principal = user.auth.principal.clone();
    let zone_id = form.zone_id.trim().parse::<i64>().unwrap_or(0);
    let is_visitor = form.holder == "visitor";
    let input = NewPermitInput {
        zone_id,
        holder_user_id: (!is_visitor).then_some(principal.id),
        visitor: is_visitor.then(|| VisitorInput {
            name: form.visitor_name.clone(),
            organization: form.visitor_organization.clone(),
            kind: Some(if form.visitor_kind == "visitor" {
                "visitor".into()
            } else {
                "contractor".into()
            }),
        }),
        purpose: form.purpose.clone(),
        valid_from: local_input(&form.valid_from),
        valid_until: local_input(&form.valid_until),
        escort_required: Some(form.escort_required.is_some()),
        escort_user_id: form.escort_user_id.trim().parse().ok(),
    };
    match with_db(&state, move |conn| {
        service::create_permit(conn, &principal, &input)
    })
    .await
    {
        Ok(permit) => Ok(done(
            &format!("/permits/{}", permit.id),
            &format!("入室許可を申請しました（許可番号 {}）。", permit.id),
        )),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let (zones, users) = choices(&state).await?;
            render(
                status,
                &PermitFormPage {
                    layout: user.layout("入室許可申請"),
                    zones,
                    users,
                    form,
                    errors,
                    error,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "access/permit.html")]
struct PermitPage {
    layout: Layout,
    p: PermitRow,
    can_decide: bool,
    can_revoke: bool,
    error: Option<String>,
}

async fn permit_page_for(
    state: &WebState,
    user: &PageUser,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let (permit, may) = with_db(state, move |conn| {
        let permit = service::get_permit(conn, &principal, id)?;
        let may = service::permit_choices(conn, &principal, &permit)?;
        Ok((permit, may))
    })
    .await?;
    render(
        status,
        &PermitPage {
            layout: user.layout(&format!("入室許可 {}", permit.number)),
            p: row(permit),
            can_decide: may.decide,
            can_revoke: may.revoke,
            error,
        },
    )
}

#[get("/permits/{id}")]
async fn permit_page(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    permit_page_for(&state, &user, id.into_inner(), None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    #[serde(default)]
    note: String,
}

#[post("/permits/{id}/{action}")]
async fn permit_decide(
    state: web::Data<WebState>,
    user: PageUser,
    path: web::Path<(i64, String)>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (id, action) = path.into_inner();
    let principal = user.auth.principal.clone();
    let settings = state.settings.clone();
    let note = form.note.clone();
    let Some(action) = PermitAction::parse(&action) else {
        return Err(crate::error::AppError::not_found("指定されたURLはありません。").into());
    };
    let result = with_db(&state, move |conn| {
        service::act(conn, &settings, &principal, id, action, Some(&note))
    })
    .await;
    match result {
        Ok(_) => Ok(done(&format!("/permits/{id}"), permit_notice(action))),
        Err(err) => {
            let status = err.status();
            let (_, message) = form_errors(err.clone())?;
            permit_page_for(
                &state,
                &user,
                id,
                Some(message.unwrap_or(err.message)),
                status,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "access/badge.html")]
struct BadgePage {
    layout: Layout,
    p: PermitRow,
}

/// The printable badge (入室許可証) with the QR of the permit code.
#[get("/permits/{id}/badge")]
async fn permit_badge(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let principal = user.auth.principal.clone();
    let permit = with_db(&state, move |conn| {
        service::permit_code(conn, &principal, id)
    })
    .await?;
    render(
        StatusCode::OK,
        &BadgePage {
            layout: user.layout(&format!("入室許可証 {}", permit.number)),
            p: row(permit),
        },
    )
}

/// What the page says after a decision on a permit.
fn permit_notice(action: PermitAction) -> &'static str {
    match action {
        PermitAction::Approve => "許可しました。入室許可証を印刷できます。",
        PermitAction::Reject => "却下しました。",
        PermitAction::Revoke => "取り消しました。この許可証ではもう入室できません。",
    }
}
