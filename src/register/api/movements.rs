use crate::error::{AppError, ErrorBody};
use crate::kit::excel::CsvWriter;
use crate::kit::time::{parse_instant, rfc3339};
use crate::register::rules::{Direction, MovementState};
use crate::register::service::movements::MovementFilter;
use crate::register::service::movements::{
    self as service, MovementInput, MovementView, SettleInput,
};
use crate::web::WebState;
use crate::web::json::{DecisionNote, OptionalJson};
use crate::web::{ApiJson, CurrentUser, PageQuery, Paged, with_db};
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_movements)
        .service(list_movements)
        .service(request_movement)
        .service(get_movement)
        .service(approve)
        .service(reject)
        .service(cancel)
        .service(complete)
        .service(mark_returned)
        .service(settle);
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct MovementQuery {
    pub asset_tag: Option<String>,
    pub zone_id: Option<i64>,
    pub state: Option<MovementState>,
    pub direction: Option<Direction>,
    /// Planned from (RFC 3339 or date).
    pub from: Option<String>,
    /// Planned before (RFC 3339 or date).
    pub to: Option<String>,
    /// Only carried-out devices past their return date.
    pub overdue: Option<bool>,
}

impl MovementQuery {
    fn filter(&self) -> Result<MovementFilter, AppError> {
        let instant = |name: &str, v: &Option<String>| match v
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => Ok(None),
            Some(t) => parse_instant(t).map(Some).ok_or_else(|| {
                AppError::invalid(
                    name,
                    crate::kit::time::instant_format_message(crate::db::now()),
                )
            }),
        };
        Ok(MovementFilter {
            equipment_id: None,
            zone_id: self.zone_id,
            zone_in: None,
            state: self.state.map(|s| s.as_str().to_owned()),
            direction: self.direction.map(|d| d.as_str().to_owned()),
            requested_by: None,
            from: instant("from", &self.from)?,
            to: instant("to", &self.to)?,
            overdue_before: self.overdue.unwrap_or(false).then(service::today),
        })
    }
}

/// The 機器移動履歴 per device, zone, state and dates; `overdue=true` lists late returns.
#[utoipa::path(tag = "register", params(MovementQuery, PageQuery), responses((status = 200, body = Paged<MovementView>)))]
#[get("/movements")]
async fn list_movements(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<MovementQuery>,
    paging: web::Query<PageQuery>,
) -> Result<web::Json<Paged<MovementView>>, AppError> {
    let mut filter = query.filter()?;
    let (page, per_page) = paging.resolve()?;
    let (principal, tag) = (user.0.principal, query.asset_tag.clone());
    let (items, total) = with_db(&state, move |conn| {
        filter.equipment_id = service::equipment_filter(conn, tag.as_deref())?;
        service::list_movements(
            conn,
            &principal,
            filter,
            PageQuery::offset(page, per_page),
            per_page,
        )
    })
    .await?;
    Ok(web::Json(Paged::new(items, total, page, per_page)))
}

/// The same history as CSV for the audit (UTF-8 with BOM).
#[utoipa::path(tag = "register", params(MovementQuery), responses((status = 200, content_type = "text/csv", body = String)))]
#[get("/movements/export.csv")]
async fn export_movements(
    state: web::Data<WebState>,
    user: CurrentUser,
    query: web::Query<MovementQuery>,
) -> Result<HttpResponse, AppError> {
    let mut filter = query.filter()?;
    let (principal, tag) = (user.0.principal, query.asset_tag.clone());
    let rows = with_db(&state, move |conn| {
        filter.equipment_id = service::equipment_filter(conn, tag.as_deref())?;
        let (rows, _) = service::list_movements(conn, &principal, filter, 0, 100_000)?;
        Ok(rows)
    })
    .await?;
    let mut csv = CsvWriter::new(&[
        "申請番号",
        "区分",
        "資産番号",
        "品名",
        "管理区域ID",
        "理由",
        "搬出入先",
        "予定日時",
        "返却予定日",
        "状態",
        "申請者ID",
        "申請日時",
        "許可者ID",
        "許可日時",
        "実施日時",
        "返却日時",
        "返却遅延",
    ]);
    for m in rows {
        let opt_time = |t: Option<chrono::NaiveDateTime>| t.map(rfc3339).unwrap_or_default();
        csv.row([
            m.id.to_string().as_str(),
            m.direction.label(),
            m.asset_tag.as_deref().unwrap_or(""),
            m.item_description.as_deref().unwrap_or(""),
            &m.zone_id.to_string(),
            &m.reason,
            m.destination.as_deref().unwrap_or(""),
            &rfc3339(m.planned_at),
            &m.return_due.map(|d| d.to_string()).unwrap_or_default(),
            m.state.label(),
            &m.requested_by.to_string(),
            &rfc3339(m.requested_at),
            &m.decided_by.map(|d| d.to_string()).unwrap_or_default(),
            &opt_time(m.decided_at),
            &opt_time(m.completed_at),
            &opt_time(m.returned_at),
            if m.overdue { "遅延" } else { "" },
            match (m.unauthorised, m.settlement) {
                (false, _) => "",
                (true, None) => "未処理",
                (true, Some(_)) => "処理済",
            },
            &m.access_event_id.map(|e| e.to_string()).unwrap_or_default(),
            m.settlement.map_or("", |s| s.label()),
            &m.settled_by.map(|u| u.to_string()).unwrap_or_default(),
            &opt_time(m.settled_at),
            m.settlement_note.as_deref().unwrap_or(""),
        ]);
    }
    Ok(crate::web::download::csv_attachment(
        "movements.csv",
        csv.finish(),
    ))
}

/// Ask to carry a device out of, or into, a zone.
#[utoipa::path(
    tag = "register",
    request_body = MovementInput,
    responses((status = 201, body = MovementView), (status = 409, description = "duplicate_request", body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/movements")]
async fn request_movement(
    state: web::Data<WebState>,
    user: CurrentUser,
    body: ApiJson<MovementInput>,
) -> Result<HttpResponse, AppError> {
    let (principal, input) = (user.0.principal, body.0);
    let created = with_db(&state, move |conn| {
        service::request_movement(conn, &principal, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(tag = "register", params(("id" = i64, Path)), responses((status = 200, body = MovementView), (status = 404, body = ErrorBody)))]
#[get("/movements/{id}")]
async fn get_movement(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<MovementView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::get_movement(conn, &principal, id)
        })
        .await?,
    ))
}

/// Approve: a manager of the zone, never the requester (第4条).
#[utoipa::path(
    tag = "register",
    params(("id" = i64, Path)),
    request_body(content = Option<DecisionNote>),
    responses((status = 200, body = MovementView), (status = 403, description = "self_approval or not_zone_manager", body = ErrorBody), (status = 409, description = "invalid_state", body = ErrorBody))
)]
#[post("/movements/{id}/approve")]
async fn approve(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<DecisionNote>,
) -> Result<web::Json<MovementView>, AppError> {
    let (principal, id, note) = (user.0.principal, id.into_inner(), body.0.note);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::decide(conn, &principal, id, true, note.as_deref())
        })
        .await?,
    ))
}

/// Reject: a manager of the zone, never the requester.
#[utoipa::path(tag = "register", params(("id" = i64, Path)), request_body(content = Option<DecisionNote>), responses((status = 200, body = MovementView)))]
#[post("/movements/{id}/reject")]
async fn reject(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: OptionalJson<DecisionNote>,
) -> Result<web::Json<MovementView>, AppError> {
    let (principal, id, note) = (user.0.principal, id.into_inner(), body.0.note);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::decide(conn, &principal, id, false, note.as_deref())
        })
        .await?,
    ))
}

/// The requester withdraws an undecided request.
#[utoipa::path(tag = "register", params(("id" = i64, Path)), responses((status = 200, body = MovementView)))]
#[post("/movements/{id}/cancel")]
async fn cancel(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<MovementView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| service::cancel(conn, &principal, id)).await?,
    ))
}

/// Record that the approved move happened.
#[utoipa::path(tag = "register", params(("id" = i64, Path)), responses((status = 200, body = MovementView)))]
#[post("/movements/{id}/complete")]
async fn complete(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<MovementView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| service::complete(conn, &principal, id)).await?,
    ))
}

/// Record that a carried-out device is back.
#[utoipa::path(tag = "register", params(("id" = i64, Path)), responses((status = 200, body = MovementView)))]
#[post("/movements/{id}/return")]
async fn mark_returned(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<web::Json<MovementView>, AppError> {
    let (principal, id) = (user.0.principal, id.into_inner());
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::mark_returned(conn, &principal, id)
        })
        .await?,
    ))
}

/// Settle a 無許可持出 the gate recorded: a manager of the zone (checked now,
/// never the guard who recorded it) states the outcome with a note.
#[utoipa::path(
    tag = "register",
    params(("id" = i64, Path)),
    request_body = SettleInput,
    responses(
        (status = 200, body = MovementView),
        (status = 403, description = "not_zone_manager or self_approval", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "invalid_state: not an unsettled 無許可持出", body = ErrorBody),
        (status = 422, description = "invalid_field: note missing or too long", body = ErrorBody)
    )
)]
#[post("/movements/{id}/settle")]
async fn settle(
    state: web::Data<WebState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<SettleInput>,
) -> Result<web::Json<MovementView>, AppError> {
    let (principal, id, input) = (user.0.principal, id.into_inner(), body.0);
    Ok(web::Json(
        with_db(&state, move |conn| {
            service::settle(conn, &principal, id, &input)
        })
        .await?,
    ))
}
