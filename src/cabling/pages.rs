//! 配線・機器変更作業 (第7条): the list with each step's button for whoever may take it,
//! and the request form.

use super::rules::{CablingState, Step, WorkKind};
use super::service::{self, CablingInput, Contractor};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::time::{wareki_date, wareki_datetime};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{Errors, form_errors, required_date, tag_list};
use crate::web::layout::{NavLink, see_other};
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(cabling_page)
        .service(cabling_submit)
        .service(step_submit);
}

/// This area's entries in the menu, for the principal's roles.
pub fn nav(p: &Principal, nav: &mut Vec<NavLink>) {
    if p.has_any(service::READERS) {
        nav.push(NavLink {
            href: "/cabling",
            label: "配線・機器変更",
        });
    }
}

struct Line {
    id: i64,
    zone: String,
    work_kind: &'static str,
    description: String,
    tags: String,
    performer: String,
    planned_on: String,
    state: String,
    state_label: &'static str,
    trail: Vec<String>,
    /// The steps this user may try, as (path, button label).
    steps: Vec<(&'static str, &'static str)>,
}

#[derive(Default, Deserialize)]
struct Values {
    zone_id: String,
    work_kind: String,
    description: String,
    asset_tags: String,
    performer: String,
    performer_user_id: String,
    company: String,
    contract_number: String,
    worker_name: String,
    planned_on: String,
}

#[derive(Template)]
#[template(path = "cabling/index.html")]
struct CablingPage {
    layout: Layout,
    lines: Vec<Line>,
    zones: Vec<(i64, String)>,
    operators: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    form: Values,
    errors: Errors,
    error: Option<String>,
    notice: Option<String>,
}

async fn load(state: &WebState, user: &PageUser) -> Result<service::Board, PageError> {
    let principal = user.auth.principal.clone();
    Ok(with_db(state, move |conn| service::board(conn, &principal)).await?)
}

fn build(user: &PageUser, data: service::Board) -> Result<CablingPage, AppError> {
    let zone_names: HashMap<i64, String> = data.zones.iter().cloned().collect();
    let who = |id: Option<i64>| {
        id.and_then(|i| data.names.get(&i).cloned())
            .unwrap_or_default()
    };
    let lines = data
        .lines
        .into_iter()
        .map(|line| -> Result<Line, AppError> {
            let c = line.change;
            let state = CablingState::stored(&c.state)?;
            let steps = line.steps.into_iter().map(step_button).collect();
            let mut trail = vec![format!(
                "申請 {} {}",
                wareki_datetime(c.requested_at),
                who(Some(c.requested_by))
            )];
            if let Some(t) = c.decided_at {
                let verb = if state == CablingState::Rejected {
                    "却下"
                } else {
                    "作業指示"
                };
                trail.push(format!(
                    "{verb} {} {}{}",
                    wareki_datetime(t),
                    who(c.decided_by),
                    note(&c.decision_note)
                ));
            }
            if let Some(t) = c.completed_at {
                let diagram = match c.diagram_updated {
                    Some(true) => "（構成図更新あり）",
                    Some(false) => "（構成図更新なし）",
                    None => "",
                };
                trail.push(format!(
                    "完了報告 {} {}{}{}",
                    wareki_datetime(t),
                    who(c.completed_by),
                    diagram,
                    note(&c.completion_notes)
                ));
            }
            if let Some(t) = c.verified_at {
                trail.push(format!(
                    "完了確認 {} {}{}",
                    wareki_datetime(t),
                    who(c.verified_by),
                    note(&c.verification_note)
                ));
            }
            Ok(Line {
                id: c.id,
                zone: zone_names.get(&c.zone_id).cloned().unwrap_or_default(),
                work_kind: WorkKind::stored(&c.work_kind)?.label(),
                description: c.description.clone(),
                tags: c.asset_tags.join("、"),
                performer: match &c.contractor {
                    Some(k) => format!(
                        "委託: {}（契約 {}）{}",
                        k.company, k.contract_number, k.worker_name
                    ),
                    None => format!("運用管理者: {}", who(c.performer_user_id)),
                },
                planned_on: wareki_date(c.planned_on),
                state_label: state.label(),
                state: c.state.clone(),
                trail,
                steps,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(CablingPage {
        layout: user.layout("配線・機器変更作業"),
        lines,
        zones: data.zones,
        operators: data.operators,
        kinds: WorkKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        form: Values {
            work_kind: "change".into(),
            performer: "operator".into(),
            ..Values::default()
        },
        errors: Errors::new(),
        error: None,
        notice: None,
    })
}

/// A step as its form's path and button label.
fn step_button(step: Step) -> (&'static str, &'static str) {
    match step {
        Step::Authorize => ("authorize", "作業指示（承認）"),
        Step::Reject => ("reject", "却下"),
        Step::Complete => ("complete", "作業完了を報告"),
        Step::Verify => ("verify", "完了確認"),
    }
}

fn note(n: &Option<String>) -> String {
    n.as_deref().map(|n| format!("「{n}」")).unwrap_or_default()
}

#[derive(Deserialize)]
struct NoticeQuery {
    done: Option<String>,
}

#[get("/cabling")]
async fn cabling_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    user.require_any(service::READERS)?;
    let mut page = build(&user, load(&state, &user).await?)?;
    page.notice = match query.done.as_deref() {
        Some("request") => Some("申請しました。".into()),
        Some("authorize") => Some("作業を指示しました。".into()),
        Some("reject") => Some("却下しました。".into()),
        Some("complete") => Some("作業完了を報告しました。".into()),
        Some("verify") => Some("完了を確認しました。".into()),
        _ => None,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct CablingForm {
    csrf: String,
    #[serde(flatten)]
    values: Values,
}

#[post("/cabling")]
async fn cabling_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<CablingForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let v = form.into_inner().values;
    let mut errors = Errors::new();
    let zone_id = crate::web::input::form_number::<i64>(&mut errors, "zone_id", &v.zone_id);
    let planned_on = required_date(&mut errors, "planned_on", &v.planned_on);
    let contractor = v.performer == "contractor";
    let performer_user_id = if contractor {
        None
    } else {
        crate::web::input::form_number::<i64>(
            &mut errors,
            "performer_user_id",
            &v.performer_user_id,
        )
    };
    let input = CablingInput {
        zone_id: zone_id.unwrap_or(0),
        work_kind: Some(v.work_kind.clone()),
        description: v.description.clone(),
        asset_tags: tag_list(&v.asset_tags),
        performer_user_id,
        contractor: contractor.then(|| Contractor {
            company: v.company.clone(),
            contract_number: v.contract_number.clone(),
            worker_name: v.worker_name.clone(),
        }),
        planned_on: planned_on.unwrap_or_default(),
    };
    let principal = user.auth.principal.clone();
    let result = match AppError::invalid_fields(errors) {
        Some(e) => Err(e),
        None => {
            with_db(&state, move |conn| {
                service::create(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(see_other("/cabling?done=request")),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let mut page = build(&user, load(&state, &user).await?)?;
            page.form = v;
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

#[derive(Deserialize)]
struct StepForm {
    csrf: String,
    notes: Option<String>,
    diagram_updated: Option<String>,
}

#[post("/cabling/{id}/{step}")]
async fn step_submit(
    state: web::Data<WebState>,
    user: PageUser,
    path: web::Path<(i64, String)>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (id, name) = path.into_inner();
    let step = match name.as_str() {
        "authorize" => Step::Authorize,
        "reject" => Step::Reject,
        "complete" => Step::Complete,
        "verify" => Step::Verify,
        _ => return Err(AppError::not_found("ページが見つかりません。").into()),
    };
    let form = form.into_inner();
    let notes = form.notes.filter(|n| !n.trim().is_empty());
    let diagram = (step == Step::Complete).then_some(form.diagram_updated.is_some());
    let principal = user.auth.principal.clone();
    match with_db(&state, move |conn| {
        service::step(conn, &principal, id, step, notes.as_deref(), diagram)
    })
    .await
    {
        Ok(_) => Ok(see_other(&format!("/cabling?done={name}"))),
        Err(err) => {
            let status = err.status();
            let (_, error) = form_errors(err)?;
            let mut page = build(&user, load(&state, &user).await?)?;
            page.error = error.or_else(|| Some("入力内容に誤りがあります。".into()));
            render(status, &page)
        }
    }
}
