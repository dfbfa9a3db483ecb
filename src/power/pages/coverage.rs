//! The 電源保護状況 page: every key device's protection at a glance, and the UPS overview.

use super::{label_status, opt_date};
use crate::kit::time::wareki_date;
use crate::power::rules::{Problem, RuntimeSource, status_flags};
use crate::power::service::{self, CoverageRow, READERS};
use crate::register::rules::SurgeProtection;
use crate::web::PageError;
use crate::web::WebState;
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

struct ProblemCount {
    code: &'static str,
    label: &'static str,
    count: usize,
}

struct CoverageView {
    asset_tag: String,
    name: String,
    ups_asset_tag: Option<String>,
    runtime: String,
    required: String,
    surge: String,
    status: String,
    problems: Vec<(&'static str, &'static str)>,
}

struct UpsLine {
    asset_tag: String,
    name: String,
    capacity: String,
    runtime: String,
    battery_due: String,
    status: String,
    charge: String,
    fed: usize,
    alert: bool,
}

#[derive(Template)]
#[template(path = "power/coverage.html")]
struct CoveragePage {
    layout: Layout,
    checked_on: String,
    total: usize,
    with_problems: usize,
    counts: Vec<ProblemCount>,
    filter: String,
    filter_label: String,
    rows: Vec<CoverageView>,
    upses: Vec<UpsLine>,
}

#[derive(Deserialize)]
struct CoverageFilter {
    problem: Option<String>,
}

fn coverage_view(r: CoverageRow) -> CoverageView {
    CoverageView {
        runtime: match (r.runtime_min, r.runtime_source) {
            (Some(m), Some(RuntimeSource::Live)) => format!("{m}分（実測）"),
            (Some(m), _) => format!("{m}分（定格）"),
            (None, _) => "不明".to_owned(),
        },
        required: r
            .required_shutdown_min
            .map_or("未登録".to_owned(), |m| format!("{m}分")),
        surge: r
            .surge_protection
            .as_deref()
            .and_then(SurgeProtection::parse)
            .map_or("未登録", SurgeProtection::label)
            .to_owned(),
        status: label_status(r.status.as_deref()),
        problems: r.problems.iter().map(|p| (p.as_str(), p.label())).collect(),
        asset_tag: r.asset_tag,
        name: r.name,
        ups_asset_tag: r.ups_asset_tag,
    }
}

#[get("/power")]
pub(super) async fn power_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<CoverageFilter>,
) -> Result<HttpResponse, PageError> {
    user.require_any(READERS)?;
    let filter = query
        .into_inner()
        .problem
        .as_deref()
        .and_then(Problem::parse);
    let today = service::today();
    let fresh = service::fresh_since(&state.settings);
    let (rows, upses) = with_db(&state, move |conn| {
        Ok((
            service::coverage(conn, today, fresh)?,
            service::ups_overview(conn)?,
        ))
    })
    .await?;
    let counts = Problem::ALL
        .iter()
        .map(|p| ProblemCount {
            code: p.as_str(),
            label: p.label(),
            count: rows.iter().filter(|r| r.problems.contains(p)).count(),
        })
        .collect();
    let total = rows.len();
    let with_problems = rows.iter().filter(|r| !r.problems.is_empty()).count();
    let rows = rows
        .into_iter()
        .filter(|r| filter.is_none_or(|p| r.problems.contains(&p)))
        .map(coverage_view)
        .collect();
    let upses = upses
        .into_iter()
        .map(|s| {
            let reading = s.latest.as_ref();
            let due = s.unit.as_ref().and_then(|u| u.battery_replace_due);
            let status = reading.map(|r| service::live_word(r, fresh));
            let flags = status.as_deref().map(status_flags).unwrap_or_default();
            UpsLine {
                alert: matches!(status.as_deref(), Some("unreachable" | "stale"))
                    || flags.on_battery
                    || flags.low_battery
                    || flags.replace_battery
                    || due.is_some_and(|d| {
                        (d - today).num_days() <= crate::power::rules::BATTERY_DUE_WITHIN_DAYS
                    }),
                capacity: s
                    .unit
                    .as_ref()
                    .map_or("未登録".to_owned(), |u| format!("{} VA", u.capacity_va)),
                runtime: s
                    .unit
                    .as_ref()
                    .map_or("—".to_owned(), |u| format!("{}分", u.rated_runtime_min)),
                battery_due: opt_date(due),
                status: match &s.unit {
                    Some(u) if u.nut_host.is_none() => "監視なし".to_owned(),
                    _ => label_status(status.as_deref()),
                },
                charge: reading
                    .filter(|r| r.reachable)
                    .and_then(|r| r.battery_charge)
                    .map_or("—".to_owned(), |c| format!("{c:.0}%")),
                fed: s.fed,
                asset_tag: s.equipment.asset_tag,
                name: s.equipment.name,
            }
        })
        .collect();
    render(
        StatusCode::OK,
        &CoveragePage {
            layout: user.layout("電源保護状況"),
            checked_on: wareki_date(today),
            total,
            with_problems,
            counts,
            filter: filter.map_or("", Problem::as_str).to_owned(),
            filter_label: filter.map_or("", Problem::label).to_owned(),
            rows,
            upses,
        },
    )
}
