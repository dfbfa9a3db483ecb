//! The 点検 page: the compliance report for people.

use super::rules::{ArticleReport, Finding};
use super::service;
use crate::identity::Principal;
use crate::web::PageError;
use crate::web::WebState;
use crate::web::layout::NavLink;
use crate::web::{Layout, PageUser, percent_encode, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(compliance_page);
}

/// This area's entries in the menu, for the principal's roles.
pub fn nav(principal: &Principal, nav: &mut Vec<NavLink>) {
    if principal.has_any(service::READERS) {
        nav.push(NavLink {
            href: "/reports/compliance",
            label: "点検",
        });
    }
}

/// A finding as people read it: the sentence first, a link to its record, the code last.
struct FindingRow {
    message: String,
    href: Option<String>,
    record: &'static str,
    code: String,
}

struct ArticleRow {
    article: String,
    title: String,
    findings: Vec<FindingRow>,
}

#[derive(Template)]
#[template(path = "reports/compliance.html")]
struct CompliancePage {
    layout: Layout,
    articles: Vec<ArticleRow>,
}

/// The page of the record a finding is about, and what to call the link.
fn record_link(f: &Finding) -> (Option<String>, &'static str) {
    let (Some(kind), Some(id)) = (f.entity_type.as_deref(), f.entity_id.as_deref()) else {
        return (None, "");
    };
    match kind {
        "equipment" => (
            Some(format!("/equipment/{}", percent_encode(id))),
            "機器の記録を開く",
        ),
        "movement" => (Some(format!("/movements/{id}")), "持出・持込の記録を開く"),
        "software" => (
            Some(format!("/licenses#software-{id}")),
            "ライセンス管理で開く",
        ),
        "user" => (Some(format!("/users/{id}/edit")), "利用者を開く"),
        "audit_log" => (Some("/audit?verify=1".to_owned()), "監査ログの検証を開く"),
        _ => (None, ""),
    }
}

fn article_row(a: ArticleReport) -> ArticleRow {
    ArticleRow {
        article: a.article,
        title: a.title,
        findings: a
            .findings
            .into_iter()
            .map(|f| {
                let (href, record) = record_link(&f);
                FindingRow {
                    message: f.message,
                    href,
                    record,
                    code: f.code,
                }
            })
            .collect(),
    }
}

#[get("/reports/compliance")]
async fn compliance_page(
    state: web::Data<WebState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let settings = state.settings.clone();
    let articles = with_db(&state, move |conn| {
        service::compliance(conn, &principal, &settings)
    })
    .await?;
    render(
        StatusCode::OK,
        &CompliancePage {
            layout: user.layout("点検"),
            articles: articles.into_iter().map(article_row).collect(),
        },
    )
}
