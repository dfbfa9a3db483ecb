//! ソフトウェア導入: install and setting-change requests with the manager's decision
//! (第14条), and the 導入ソフトウェア台帳 where what is found on devices is recorded.

use super::catalog::software_label;
use crate::error::AppError;
use crate::identity::Role;
use crate::kit::time::{wareki_date, wareki_datetime};
use crate::licenses::rules::{InstallChange, RequestState};
use crate::licenses::service::{
    self, InstallRequestInput, InstallRequestView, InstallationInput, InstallationView,
};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{Errors, form_errors, opt};
use crate::web::input::form_number;
use crate::web::layout::see_other;
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(installs_page)
        .service(request_submit)
        .service(installation_submit)
        .service(decide_submit);
}

struct RequestLine {
    id: i64,
    asset_tag: String,
    software: String,
    version: String,
    change: &'static str,
    reason: String,
    state: String,
    state_label: &'static str,
    requested: String,
    decided: String,
}

struct InstallLine {
    asset_tag: String,
    software: String,
    version: String,
    installed_on: String,
    approved: bool,
    request_id: String,
}

#[derive(Default, Deserialize)]
struct RequestValues {
    asset_tag: String,
    software_id: String,
    version: String,
    change: String,
    reason: String,
}

#[derive(Default, Deserialize)]
struct InstallValues {
    asset_tag: String,
    software_id: String,
    version: String,
    install_request_id: String,
}

#[derive(Template)]
#[template(path = "licenses/installs.html")]
struct InstallsPage {
    layout: Layout,
    requests: Vec<RequestLine>,
    installs: Vec<InstallLine>,
    software: Vec<(i64, String)>,
    changes: Vec<(&'static str, &'static str)>,
    can_decide: bool,
    can_record: bool,
    can_read_ledger: bool,
    request_form: RequestValues,
    install_form: InstallValues,
    request_errors: Errors,
    install_errors: Errors,
    error: Option<String>,
    notice: Option<String>,
}

struct Loaded {
    requests: Vec<InstallRequestView>,
    installs: Vec<InstallationView>,
    software: Vec<(i64, String)>,
}

async fn load(state: &WebState, user: &PageUser) -> Result<Loaded, PageError> {
    let principal = user.auth.principal.clone();
    Ok(with_db(state, move |conn| {
        let (requests, _) = service::list_requests(conn, &principal, None, None, 0, 200)?;
        let readers = principal.has_any(service::READERS);
        let installs = if readers {
            service::list_installations(conn, &principal, None, None, false, 0, 200)?.0
        } else {
            vec![]
        };
        let software = service::requestable_software(conn)?
            .iter()
            .map(|s| (s.id, software_label(s)))
            .collect();
        Ok(Loaded {
            requests,
            installs,
            software,
        })
    })
    .await?)
}

fn build(user: &PageUser, data: Loaded) -> InstallsPage {
    let names: HashMap<i64, String> = data.software.iter().cloned().collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    InstallsPage {
        layout: user.layout("ソフトウェア導入"),
        requests: data
            .requests
            .into_iter()
            .map(|r| RequestLine {
                id: r.id,
                software: name(r.software_id),
                change: InstallChange::parse(&r.change).map_or("", |c| c.label()),
                state_label: RequestState::parse(&r.state).map_or("", |s| s.label()),
                requested: wareki_datetime(r.requested_at),
                decided: r
                    .decided_at
                    .map(|t| {
                        format!(
                            "{}{}",
                            wareki_datetime(t),
                            r.decision_note
                                .as_deref()
                                .map(|n| format!("（{n}）"))
                                .unwrap_or_default()
                        )
                    })
                    .unwrap_or_default(),
                asset_tag: r.asset_tag,
                version: r.version,
                reason: r.reason,
                state: r.state,
            })
            .collect(),
        installs: data
            .installs
            .into_iter()
            .map(|i| InstallLine {
                software: name(i.software_id),
                installed_on: i.installed_on.map(wareki_date).unwrap_or_default(),
                request_id: i
                    .install_request_id
                    .map(|r| format!("#{r}"))
                    .unwrap_or_default(),
                asset_tag: i.asset_tag,
                version: i.version,
                approved: i.approved,
            })
            .collect(),
        software: data.software,
        changes: InstallChange::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        can_decide: user.has(Role::SecurityManager),
        can_record: user.has_any(&[Role::Operator, Role::SecurityManager, Role::Admin]),
        can_read_ledger: user.has_any(service::READERS),
        request_form: RequestValues {
            change: "new".into(),
            ..RequestValues::default()
        },
        install_form: InstallValues::default(),
        request_errors: Errors::new(),
        install_errors: Errors::new(),
        error: None,
        notice: None,
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    done: Option<String>,
}

#[get("/licenses/installs")]
async fn installs_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    let mut page = build(&user, load(&state, &user).await?);
    page.notice = match query.done.as_deref() {
        Some("request") => Some("申請しました。".into()),
        Some("approve") => Some("許可しました。".into()),
        Some("reject") => Some("却下しました。".into()),
        Some("record") => Some("導入を記録しました。".into()),
        Some("record-findings") => Some(
            "導入を記録しました。許可のない導入、または保有数量の超過があります（ライセンス管理で確認してください）。".into(),
        ),
        _ => None,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct RequestForm {
    csrf: String,
    #[serde(flatten)]
    values: RequestValues,
}

#[post("/licenses/installs/requests")]
async fn request_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<RequestForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let v = form.into_inner().values;
    let mut errors = Errors::new();
    let input = InstallRequestInput {
        asset_tag: v.asset_tag.clone(),
        software_id: form_number(&mut errors, "software_id", &v.software_id).unwrap_or(0),
        version: v.version.clone(),
        change: v.change.clone(),
        reason: v.reason.clone(),
    };
    let principal = user.auth.principal.clone();
    let result = match AppError::invalid_fields(errors) {
        Some(e) => Err(e),
        None => {
            with_db(&state, move |conn| {
                service::create_request(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(see_other("/licenses/installs?done=request")),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let mut page = build(&user, load(&state, &user).await?);
            page.request_form = v;
            page.request_errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

#[derive(Deserialize)]
struct InstallForm {
    csrf: String,
    #[serde(flatten)]
    values: InstallValues,
}

#[post("/licenses/installs/installations")]
async fn installation_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<InstallForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let v = form.into_inner().values;
    let mut errors = Errors::new();
    let input = InstallationInput {
        asset_tag: v.asset_tag.clone(),
        software_id: form_number(&mut errors, "software_id", &v.software_id).unwrap_or(0),
        version: v.version.clone(),
        install_request_id: form_number(
            &mut errors,
            "install_request_id",
            v.install_request_id.trim_start_matches('#'),
        ),
        installed_on: None,
    };
    let principal = user.auth.principal.clone();
    let result = match AppError::invalid_fields(errors) {
        Some(e) => Err(e),
        None => {
            with_db(&state, move |conn| {
                service::record_installation(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(recorded) if recorded.findings.is_empty() => {
            Ok(see_other("/licenses/installs?done=record"))
        }
        Ok(_) => Ok(see_other("/licenses/installs?done=record-findings")),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let mut page = build(&user, load(&state, &user).await?);
            page.install_form = v;
            page.install_errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

#[derive(Deserialize)]
struct DecideForm {
    csrf: String,
    note: Option<String>,
}

#[post("/licenses/installs/requests/{id}/{decision}")]
async fn decide_submit(
    state: web::Data<WebState>,
    user: PageUser,
    path: web::Path<(i64, String)>,
    form: web::Form<DecideForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (id, decision) = path.into_inner();
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::not_found("ページが見つかりません。").into()),
    };
    let note = form.into_inner().note.and_then(|n| opt(&n));
    let principal = user.auth.principal.clone();
    match with_db(&state, move |conn| {
        service::decide_request(conn, &principal, id, approve, note.as_deref())
    })
    .await
    {
        Ok(_) => Ok(see_other(&format!("/licenses/installs?done={decision}"))),
        Err(err) => {
            let status = err.status();
            let (_, error) = form_errors(err)?;
            let mut page = build(&user, load(&state, &user).await?);
            page.error = error.or_else(|| Some("入力内容に誤りがあります。".into()));
            render(status, &page)
        }
    }
}
