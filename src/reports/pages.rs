//! The 点検 page: the compliance report for people.

use super::rules::ArticleReport;
use super::service;
use crate::identity::Principal;
use crate::web::PageError;
use crate::web::WebState;
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

#[derive(Template)]
#[template(path = "reports/compliance.html")]
struct CompliancePage {
    layout: Layout,
    articles: Vec<ArticleReport>,
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
            articles,
        },
    )
}
