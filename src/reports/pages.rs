//! The 点検 page: the compliance report for people.

use super::rules::{ArticleReport, ArticleStatus, record_label};
use super::service::{self, ReportQuery};
use crate::identity::Principal;
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{Errors, form_errors_for};
use crate::web::layout::NavLink;
use crate::web::{Layout, PageUser, render, with_db};
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
    ok: bool,
    findings: Vec<FindingRow>,
    evidence: Vec<String>,
}

#[derive(Template)]
#[template(path = "reports/compliance.html")]
struct CompliancePage {
    layout: Layout,
    from: String,
    to: String,
    errors: Errors,
    error: Option<String>,
    /// 「令和8年11月1日〜令和8年12月1日」 once a period reads.
    period: Option<String>,
    articles: Vec<ArticleRow>,
}

fn article_row(a: ArticleReport) -> ArticleRow {
    ArticleRow {
        article: a.article,
        title: a.title,
        ok: a.status == ArticleStatus::Ok,
        findings: a
            .findings
            .into_iter()
            .map(|f| FindingRow {
                record: f.entity_type.as_deref().map_or("", record_label),
                href: f.link,
                message: f.message,
                code: f.code,
            })
            .collect(),
        evidence: a.evidence,
    }
}

#[get("/reports/compliance")]
async fn compliance_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let settings = state.settings.clone();
    let query = query.into_inner();
    let asked = query.clone();
    let result = with_db(&state, move |conn| {
        Ok(service::compliance(conn, &principal, &settings, &asked))
    })
    .await?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut page = CompliancePage {
        layout: user.layout("点検"),
        from: text(&query.from),
        to: text(&query.to),
        errors: Errors::new(),
        error: None,
        period: None,
        articles: Vec::new(),
    };
    let status = match result {
        Ok(report) => {
            page.from = report.from.to_string();
            page.to = report.to.to_string();
            page.period = Some(format!(
                "{}〜{}",
                crate::kit::time::wareki_date(report.from),
                crate::kit::time::wareki_date(report.to)
            ));
            page.articles = report.articles.into_iter().map(article_row).collect();
            StatusCode::OK
        }
        Err(e) => {
            let (errors, error) = form_errors_for(e, &[crate::error::Failure::Invalid])?;
            page.errors = errors;
            page.error = error;
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    render(status, &page)
}
