//! The 監査ログ page: filter by actor, entity, action and dates; verify the chain.

use super::api::AuditQuery;
use super::service::{self, VerifyReport};
use crate::identity::{Principal, Role};
use crate::kit::time::wareki_datetime;
use crate::web::PageError;
use crate::web::WebState;
use crate::web::layout::NavLink;
use crate::web::{Layout, PageQuery, PageUser, Paged, percent_encode, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(log_page);
}

/// The menu's entry for the 監査ログ, which admins and auditors read.
pub fn nav(p: &Principal, nav: &mut Vec<NavLink>) {
    if p.has_any(&[Role::Admin, Role::Auditor]) {
        nav.push(NavLink {
            href: "/audit",
            label: "監査ログ",
        });
    }
}

struct Row {
    seq: i64,
    when: String,
    actor: String,
    action: String,
    entity: String,
    detail: String,
}

/// The filter as typed, to put back into the form.
#[derive(Default)]
struct Typed {
    actor_id: String,
    entity_type: String,
    entity_id: String,
    action: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "audit/log.html")]
struct LogPage {
    layout: Layout,
    q: Typed,
    rows: Vec<Row>,
    verification: Option<VerifyReport>,
    /// Where verification broke, in words.
    broken_at: String,
    error: Option<String>,
    query_string: String,
    page: i64,
    pages: i64,
    total: i64,
}

#[derive(Deserialize)]
struct PageParams {
    actor_id: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
    verify: Option<String>,
}

#[get("/audit")]
async fn log_page(
    state: web::Data<WebState>,
    user: PageUser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    user.require_any(service::READERS)?;
    let p = params.into_inner();
    let typed = Typed {
        actor_id: p.actor_id.clone().unwrap_or_default(),
        entity_type: p.entity_type.clone().unwrap_or_default(),
        entity_id: p.entity_id.clone().unwrap_or_default(),
        action: p.action.clone().unwrap_or_default(),
        from: p.from.clone().unwrap_or_default(),
        to: p.to.clone().unwrap_or_default(),
    };
    let actor_id = match typed.actor_id.trim() {
        "" => Ok(None),
        text => text.parse::<i64>().map(Some),
    };
    let query = AuditQuery {
        entity_type: p.entity_type,
        entity_id: p.entity_id,
        actor_id: actor_id.clone().unwrap_or(None),
        action: p.action,
        from: p.from,
        to: p.to,
        page: p.page,
        per_page: Some(100),
    };
    let filter = match (actor_id, query.filter()) {
        (Err(_), _) => Err("操作者IDは数字で入力してください。".to_owned()),
        (_, Err(e)) => Err(e.message),
        (Ok(_), Ok(f)) => Ok(f),
    };
    let (page, per_page) = query.paging()?;
    let principal = user.auth.principal.clone();
    let want_verify = p.verify.is_some();
    let (events, total, verification, error) = match filter {
        Err(message) => (vec![], 0, None, Some(message)),
        Ok(filter) => {
            let (events, total, report) = with_db(&state, move |conn| {
                let report = if want_verify {
                    Some(service::verify(conn)?)
                } else {
                    None
                };
                let (events, total) = service::list(
                    conn,
                    &principal,
                    &filter,
                    PageQuery::offset(page, per_page),
                    per_page,
                )?;
                Ok((events, total, report))
            })
            .await?;
            (events, total, report, None)
        }
    };
    let rows = events
        .into_iter()
        .map(|e| Row {
            seq: e.seq,
            when: wareki_datetime(e.occurred_at),
            actor: match e.actor_id {
                Some(id) => format!("{}（ID {id}）", e.actor_name),
                None => e.actor_name,
            },
            action: e.action,
            entity: format!("{} {}", e.entity_type, e.entity_id),
            detail: e.detail,
        })
        .collect();
    let query_string = [
        ("actor_id", &typed.actor_id),
        ("entity_type", &typed.entity_type),
        ("entity_id", &typed.entity_id),
        ("action", &typed.action),
        ("from", &typed.from),
        ("to", &typed.to),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", percent_encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    let pages = Paged::new(Vec::<()>::new(), total, page, per_page).pages();
    let broken_at = verification
        .as_ref()
        .and_then(|r| {
            Some(format!(
                "ID {}、{}",
                r.first_broken_id?,
                reason_label(r.reason.as_deref()?)
            ))
        })
        .unwrap_or_else(|| "末尾の記録が失われています".to_owned());
    let view = LogPage {
        layout: user.layout("監査ログ"),
        q: typed,
        rows,
        verification,
        broken_at,
        error,
        query_string,
        page,
        pages,
        total,
    };
    render(StatusCode::OK, &view)
}

fn reason_label(reason: &str) -> &'static str {
    match reason {
        "sequence_gap" => "連番の欠落（記録の削除または挿入）",
        "broken_link" => "前の記録とのつながりの不一致",
        "content_changed" => "記録内容の改ざん",
        _ => "末尾の記録の欠落",
    }
}
