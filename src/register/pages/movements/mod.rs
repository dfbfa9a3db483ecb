//! 持出・持込 pages: the list (機器移動履歴), the request form, and one request with its actions.

use crate::error::AppError;
use crate::identity::Role;
use crate::identity::service::user_names;
use crate::kit::time::{wareki_date, wareki_datetime};
use crate::register::rules::{Direction, MovementState};
use crate::register::service::movements::{
    self as service, MovementFilter, MovementInput, MovementStep, MovementView,
};
use crate::register::service::{ZoneView, list_zones};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::layout::done;
use crate::web::{Layout, PageQuery, PageUser, Paged, percent_encode, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

mod request;
mod settle;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The settle form before the generic `{action}` route, which would take its path.
    cfg.service(list_page)
        .service(request::new_form)
        .service(request::new_submit)
        .service(detail_page)
        .service(settle::settle_submit)
        .service(act);
}

/// A movement as a row or a detail page shows it.
struct Row {
    id: i64,
    direction: &'static str,
    subject: String,
    zone: String,
    reason: String,
    destination: String,
    planned: String,
    return_due: String,
    overdue: bool,
    state: &'static str,
    requester: String,
    requested: String,
    decider: String,
    decided: String,
    note: String,
    completed: String,
    returned: String,
    /// A 無許可持出 (settled or not): shown in red, with words.
    unauthorised: bool,
    /// Still waiting for a manager of the zone.
    unsettled: bool,
    /// Where the 入退室記録 of the exit is, and its number.
    exit: Option<(i64, String)>,
    prior_status: &'static str,
    settlement: &'static str,
    settler: String,
    settled: String,
    settlement_note: String,
}

fn row(m: &MovementView, zones: &[ZoneView], names: &HashMap<i64, String>) -> Row {
    let name = |id: i64| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("ID {id}"))
    };
    let time = |t: Option<chrono::NaiveDateTime>| t.map(wareki_datetime).unwrap_or_default();
    Row {
        id: m.id,
        direction: m.direction.label(),
        subject: match (&m.asset_tag, &m.item_description) {
            (Some(tag), _) => tag.clone(),
            (None, Some(item)) => item.clone(),
            (None, None) => String::new(),
        },
        zone: zones
            .iter()
            .find(|z| z.id == m.zone_id)
            .map_or_else(|| m.zone_id.to_string(), |z| z.name.clone()),
        reason: m.reason.clone(),
        destination: m.destination.clone().unwrap_or_default(),
        planned: wareki_datetime(m.planned_at),
        return_due: m.return_due.map(wareki_date).unwrap_or_default(),
        overdue: m.overdue,
        state: m.state.label(),
        requester: name(m.requested_by),
        requested: wareki_datetime(m.requested_at),
        decider: m.decided_by.map(name).unwrap_or_default(),
        decided: time(m.decided_at),
        note: m.decision_note.clone().unwrap_or_default(),
        completed: time(m.completed_at),
        returned: time(m.returned_at),
        unauthorised: m.unauthorised,
        unsettled: m.state == MovementState::Unauthorised,
        exit: m.access_event_id.map(|event| {
            let day = m
                .completed_at
                .map(|t| crate::kit::time::to_tokyo(t).date_naive().to_string())
                .unwrap_or_default();
            (
                event,
                format!("/access/log?zone_id={}&from={day}&to={day}", m.zone_id),
            )
        }),
        prior_status: m.prior_status.map_or("", |s| s.label()),
        settlement: m.settlement.map_or("", |s| s.label()),
        settler: m.settled_by.map(name).unwrap_or_default(),
        settled: time(m.settled_at),
        settlement_note: m.settlement_note.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "register/movements.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    states: Vec<(&'static str, &'static str, bool)>,
    zones: Vec<(i64, String, bool)>,
    asset_tag: String,
    overdue: bool,
    query_string: String,
    page: i64,
    pages: i64,
    total: i64,
}

#[derive(Deserialize)]
struct ListParams {
    state: Option<String>,
    zone_id: Option<String>,
    asset_tag: Option<String>,
    overdue: Option<String>,
}

#[get("/movements")]
async fn list_page(
    state: web::Data<WebState>,
    user: PageUser,
    params: web::Query<ListParams>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let p = params.into_inner();
    let (page, per_page) = paging.fixed(50)?;
    let chosen_state = p.state.as_deref().and_then(MovementState::parse);
    let zone_id = p.zone_id.as_deref().and_then(|z| z.parse::<i64>().ok());
    let overdue = p.overdue.is_some();
    let tag = p.asset_tag.clone().unwrap_or_default();
    let principal = user.auth.principal.clone();
    let (items, total, zones, names) = with_db(&state, move |conn| {
        let filter = MovementFilter {
            equipment_id: service::equipment_filter(conn, Some(&tag))?,
            zone_id,
            state: chosen_state.map(|s| s.as_str().to_owned()),
            overdue_before: overdue.then(service::today),
            ..MovementFilter::default()
        };
        let (items, total) = service::list_movements(
            conn,
            &principal,
            filter,
            PageQuery::offset(page, per_page),
            per_page,
        )?;
        let ids: Vec<i64> = items.iter().map(|m| m.requested_by).collect();
        Ok((items, total, list_zones(conn)?, user_names(conn, &ids)?))
    })
    .await?;
    let query_string = format!(
        "state={}&zone_id={}&asset_tag={}{}",
        chosen_state.map_or("", |s| s.as_str()),
        zone_id.map(|z| z.to_string()).unwrap_or_default(),
        percent_encode(p.asset_tag.as_deref().unwrap_or("")),
        if overdue { "&overdue=true" } else { "" }
    );
    let view = ListPage {
        layout: user.layout("機器の持出・持込"),
        rows: items.iter().map(|m| row(m, &zones, &names)).collect(),
        states: MovementState::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(), Some(*s) == chosen_state))
            .collect(),
        zones: zones
            .iter()
            .map(|z| (z.id, z.name.clone(), Some(z.id) == zone_id))
            .collect(),
        asset_tag: p.asset_tag.unwrap_or_default(),
        overdue,
        query_string,
        page,
        pages: Paged::new(Vec::<()>::new(), total, page, per_page).pages(),
        total,
    };
    render(StatusCode::OK, &view)
}

#[derive(Template)]
#[template(path = "register/movement.html")]
struct DetailPage {
    layout: Layout,
    m: Row,
    actions: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    /// The settle form, when this person may settle the 無許可持出.
    settle: Option<settle::SettleForm>,
}

async fn detail(
    state: &WebState,
    user: &PageUser,
    id: i64,
    error: Option<String>,
) -> Result<DetailPage, PageError> {
    detail_with(state, user, id, error, settle::SettleForm::default()).await
}

async fn detail_with(
    state: &WebState,
    user: &PageUser,
    id: i64,
    error: Option<String>,
    settle_form: settle::SettleForm,
) -> Result<DetailPage, PageError> {
    let principal = user.auth.principal.clone();
    let (m, zones, names, steps) = with_db(state, move |conn| {
        let m = service::get_movement(conn, &principal, id)?;
        let ids: Vec<i64> = [Some(m.requested_by), m.decided_by, m.settled_by]
            .into_iter()
            .flatten()
            .collect();
        let steps = service::steps_open_to(conn, &principal, &m)?;
        Ok((m, list_zones(conn)?, user_names(conn, &ids)?, steps))
    })
    .await?;
    let settle = steps.contains(&MovementStep::Settle).then_some(settle_form);
    let actions = steps
        .into_iter()
        .filter(|s| *s != MovementStep::Settle)
        .map(|s| match s {
            MovementStep::Approve => ("approve", "承認する"),
            MovementStep::Reject => ("reject", "却下する"),
            MovementStep::Cancel => ("cancel", "申請を取り消す"),
            MovementStep::Complete => ("complete", "実施を記録する"),
            MovementStep::Return => ("return", "返却を確認する"),
            MovementStep::Settle => ("settle", "無許可持出を処理する"),
        })
        .collect();
    let m = row(&m, &zones, &names);
    Ok(DetailPage {
        // Each request its own title, so that tabs and history tell them apart.
        layout: user.layout(&format!("{} 第{}号 {}", m.direction, m.id, m.subject)),
        m,
        actions,
        error,
        settle,
    })
}

#[get("/movements/{id}")]
async fn detail_page(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let page = detail(&state, &user, id.into_inner(), None).await?;
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct ActionForm {
    csrf: String,
    note: Option<String>,
}

#[post("/movements/{id}/{action}")]
async fn act(
    state: web::Data<WebState>,
    user: PageUser,
    path: web::Path<(i64, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (id, action) = path.into_inner();
    let principal = user.auth.principal.clone();
    let note = form.into_inner().note;
    let notice = match action.as_str() {
        "approve" => "承認しました。",
        "reject" => "却下しました。",
        "cancel" => "申請を取り下げました。",
        "complete" => "持出・持込を記録しました。",
        "return" => "返却を記録しました。",
        _ => "",
    };
    let result = with_db(&state, move |conn| match action.as_str() {
        "approve" => service::decide(conn, &principal, id, true, note.as_deref()),
        "reject" => service::decide(conn, &principal, id, false, note.as_deref()),
        "cancel" => service::cancel(conn, &principal, id),
        "complete" => service::complete(conn, &principal, id),
        "return" => service::mark_returned(conn, &principal, id),
        _ => Err(AppError::not_found("その操作はありません。")),
    })
    .await;
    match result {
        Ok(_) => Ok(done(&format!("/movements/{id}"), notice)),
        Err(err) if err.status().is_client_error() && err.status() != StatusCode::NOT_FOUND => {
            let status = err.status();
            let page = detail(&state, &user, id, Some(err.message)).await?;
            render(status, &page)
        }
        Err(err) => Err(err.into()),
    }
}
