//! The 監査ログ page: filter by person, record type, action and dates, each
//! change as a before/after table; verify the chain; the filtered log as CSV.

use super::present;
use super::service::AuditQuery;
use super::service::{self, AuditEvent, AuditFilter, VerifyReport};
use crate::identity::{Principal, Role};
use crate::kit::excel::CsvWriter;
use crate::kit::time::wareki_datetime;
use crate::web::PageError;
use crate::web::WebState;
use crate::web::layout::NavLink;
use crate::web::{Layout, PageQuery, PageUser, Paged, percent_encode, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(log_page).service(log_csv);
}

/// One changed field of an event, before and after.
struct ChangeRow {
    field: String,
    before: String,
    after: String,
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
    action_code: String,
    entity: String,
    changes: Vec<ChangeRow>,
}

/// An option of a filter's list.
struct Choice {
    value: String,
    label: String,
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
    people: Vec<Choice>,
    entities: Vec<Choice>,
    actions: Vec<Choice>,
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

impl PageParams {
    fn typed(&self) -> Typed {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Typed {
            actor_id: text(&self.actor_id),
            entity_type: text(&self.entity_type),
            entity_id: text(&self.entity_id),
            action: text(&self.action),
            from: text(&self.from),
            to: text(&self.to),
        }
    }

    /// The filter, or the message to show in its place.
    fn filter(&self) -> Result<AuditFilter, String> {
        let actor_id =
            crate::kit::text::parse_number::<i64>(self.actor_id.as_deref().unwrap_or(""))
                .map_err(|()| "操作者を一覧から選んでください。".to_owned())?;
        let query = AuditQuery {
            entity_type: self.entity_type.clone(),
            entity_id: self.entity_id.clone(),
            actor_id,
            action: self.action.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        };
        let mut filter = query.filter().map_err(|e| e.message)?;
        // The page's 「〜」 date is the last day shown, whole.
        if let (Some(to), Some(typed)) = (filter.to.as_mut(), self.to.as_deref())
            && typed.trim().len() == 10
        {
            *to += chrono::TimeDelta::days(1);
        }
        Ok(filter)
    }
}

fn choices(table: &[(&str, &str)]) -> Vec<Choice> {
    table
        .iter()
        .map(|(value, label)| Choice {
            value: (*value).to_owned(),
            label: (*label).to_owned(),
        })
        .collect()
}

/// Who did it, as people know them: the display name, or what the system recorded.
fn actor_text(e: &AuditEvent, names: &HashMap<i64, String>) -> String {
    match e.actor_id.and_then(|id| names.get(&id)) {
        Some(name) => name.clone(),
        None if e.actor_name.starts_with("system:") => "システム".to_owned(),
        None => e.actor_name.clone(),
    }
}

#[get("/audit")]
async fn log_page(
    state: web::Data<WebState>,
    user: PageUser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    user.require_any(service::READERS)?;
    let p = params.into_inner();
    let typed = p.typed();
    let filter = p.filter();
    let principal = user.auth.principal.clone();
    let want_verify = p.verify.is_some();
    let (page, per_page) = match &filter {
        Ok(_) => PageQuery {
            page: p.page,
            per_page: None,
        }
        .fixed(100)?,
        Err(_) => (1, 100),
    };
    let (events, total, verification, people, names, error) = with_db(&state, move |conn| {
        let people = service::people(conn)?;
        let report = if want_verify {
            Some(service::verify(conn)?)
        } else {
            None
        };
        let (events, total, error) = match filter {
            Err(message) => (vec![], 0, Some(message)),
            Ok(filter) => {
                let (events, total) = service::list(
                    conn,
                    &principal,
                    &filter,
                    PageQuery::offset(page, per_page),
                    per_page,
                )?;
                (events, total, None)
            }
        };
        let names = people
            .iter()
            .map(|(id, name, _)| (*id, name.clone()))
            .collect();
        Ok((events, total, report, people, names, error))
    })
    .await?;
    let rows = events
        .into_iter()
        .map(|e| Row {
            seq: e.seq,
            when: wareki_datetime(e.occurred_at),
            actor: actor_text(&e, &names),
            action: present::action_label(&e.action).to_owned(),
            action_code: e.action.clone(),
            entity: format!("{} {}", present::entity_label(&e.entity_type), e.entity_id),
            changes: present::changes(&e.detail)
                .into_iter()
                .map(|c| ChangeRow {
                    field: c.field,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        })
        .collect();
    let query_string = query_string(&typed);
    let pages = Paged::new(Vec::<()>::new(), total, page, per_page).pages();
    let broken_at = verification
        .as_ref()
        .and_then(|r| {
            let reason = r.reason.as_deref()?;
            // Checkpoint faults name a seq (a cut tail has no row to name).
            let at = match (r.first_broken_id, r.first_broken_seq) {
                (Some(id), _) => format!("ID {id}"),
                (None, Some(seq)) if reason != "tail_missing" => format!("連番 {seq}"),
                _ => return None,
            };
            Some(format!("{at}、{}", reason_label(reason)))
        })
        .unwrap_or_else(|| "末尾の記録が失われています".to_owned());
    let view = LogPage {
        layout: user.layout("監査ログ"),
        q: typed,
        people: people
            .into_iter()
            .map(|(id, name, login)| Choice {
                value: id.to_string(),
                label: format!("{name}（{login}）"),
            })
            .collect(),
        entities: choices(present::ENTITIES),
        actions: choices(present::ACTIONS),
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

fn query_string(typed: &Typed) -> String {
    [
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
    .join("&")
}

/// Most rows one CSV carries; narrow the filter for more.
const CSV_MAX_ROWS: i64 = 50_000;

/// The filtered log as CSV for Excel (UTF-8 with BOM, formula-looking cells
/// defused): what the page shows, every page of it.
#[get("/audit/export.csv")]
async fn log_csv(
    state: web::Data<WebState>,
    user: PageUser,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    user.require_any(service::READERS)?;
    let filter = params
        .filter()
        .map_err(|m| crate::error::AppError::invalid("filter", m))?;
    let principal = user.auth.principal.clone();
    let (events, names) = with_db(&state, move |conn| {
        let (events, _) = service::list(conn, &principal, &filter, 0, CSV_MAX_ROWS)?;
        let names = service::actor_names(conn, &events)?;
        Ok((events, names))
    })
    .await?;
    let mut csv = CsvWriter::new(&[
        "連番",
        "日時",
        "操作者",
        "利用者ID",
        "操作",
        "操作コード",
        "対象種別",
        "対象ID",
        "変更内容",
    ]);
    for e in &events {
        let seq = e.seq.to_string();
        let when = crate::kit::time::to_tokyo(e.occurred_at)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let actor = actor_text(e, &names);
        let changes = present::changes_text(&e.detail);
        csv.row([
            seq.as_str(),
            when.as_str(),
            actor.as_str(),
            e.actor_name.as_str(),
            present::action_label(&e.action),
            e.action.as_str(),
            present::entity_label(&e.entity_type),
            e.entity_id.as_str(),
            changes.as_str(),
        ]);
    }
    Ok(crate::web::download::csv_attachment(
        "audit-log.csv",
        csv.finish(),
    ))
}

fn reason_label(reason: &str) -> &'static str {
    match reason {
        "sequence_gap" => "連番の欠落（記録の削除または挿入）",
        "broken_link" => "前の記録とのつながりの不一致",
        "content_changed" => "記録内容の改ざん",
        "checkpoint_mismatch" => "署名済みチェックポイントとの不一致（記録の書き換え）",
        "tail_cut" => "署名済みチェックポイントまでの記録の欠落",
        "checkpoint_invalid" => "チェックポイントの署名を検証できません",
        "changed_since_verified" => "検証済みの記録の変更",
        _ => "末尾の記録の欠落",
    }
}
