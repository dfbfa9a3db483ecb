//! Power pages: 電源保護状況 (coverage at a glance), the UPS page with its charts, and the
//! UPS record form.

use super::chart::line_chart;
use super::model::Reading;
use super::rules::{Problem, RuntimeSource, SelfTestResult, status_flags};
use super::service::{self, CoverageRow, EventView, READERS, UpsInput};
use crate::app::AppState;
use crate::error::{AppError, PageError};
use crate::identity::Principal;
use crate::register::rules::SurgeProtection;
use crate::web::layout::{NavLink, see_other};
use crate::web::time::{wareki_date, wareki_datetime};
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(power_page)
        .service(ups_detail_page)
        .service(ups_edit_form)
        .service(ups_edit_submit);
}

/// This area's entries in the menu, for the principal's roles.
pub fn nav(principal: &Principal, nav: &mut Vec<NavLink>) {
    if principal.has_any(READERS) {
        nav.push(NavLink {
            href: "/power",
            label: "電源保護",
        });
    }
}

fn label_status(status: Option<&str>) -> String {
    match status {
        None => "—".to_owned(),
        Some("unreachable") => "応答なし".to_owned(),
        Some("stale") => "監視停止中（最新の読み取りが古い）".to_owned(),
        Some(s) => {
            let f = status_flags(s);
            let mut words = Vec::new();
            if f.on_line {
                words.push("商用電源");
            }
            if f.on_battery {
                words.push("バッテリー運転");
            }
            if f.low_battery {
                words.push("残量低下");
            }
            if f.replace_battery {
                words.push("要バッテリー交換");
            }
            if words.is_empty() {
                s.to_owned()
            } else {
                format!("{}（{s}）", words.join("・"))
            }
        }
    }
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(wareki_date).unwrap_or_else(|| "—".to_owned())
}

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
async fn power_page(
    state: web::Data<AppState>,
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
                        (d - today).num_days() <= super::rules::BATTERY_DUE_WITHIN_DAYS
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

struct Field {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "power/ups.html")]
struct UpsPage {
    layout: Layout,
    asset_tag: String,
    name: String,
    can_edit: bool,
    details: Vec<Field>,
    live: Vec<Field>,
    live_alert: bool,
    hours: i64,
    ranges: Vec<(i64, &'static str)>,
    charge_chart: String,
    runtime_chart: String,
    events: Vec<EventLine>,
    fed: Vec<(String, String, bool)>,
}

struct EventLine {
    at: String,
    label: &'static str,
    status: String,
    charge: String,
    alert: bool,
}

fn event_line(e: &EventView) -> EventLine {
    use super::rules::EventKind;
    EventLine {
        at: wareki_datetime(e.occurred_at),
        label: e.label,
        status: e.status.clone().unwrap_or_else(|| "—".to_owned()),
        charge: e
            .battery_charge
            .map_or("—".to_owned(), |c| format!("{c:.0}%")),
        alert: !matches!(e.kind, EventKind::OnMains | EventKind::Reachable),
    }
}

#[derive(Deserialize)]
struct RangeQuery {
    hours: Option<i64>,
}

const RANGES: [(i64, &str); 4] = [(6, "6時間"), (24, "24時間"), (168, "7日"), (720, "30日")];
const MAX_POINTS: usize = 720;

/// Thins a long series to at most [`MAX_POINTS`]: per bucket the last value, or a gap if
/// any reading in the bucket failed.
fn series(
    readings: &[Reading],
    value: impl Fn(&Reading) -> Option<f64>,
) -> Vec<(NaiveDateTime, Option<f64>)> {
    let stride = readings.len().div_ceil(MAX_POINTS).max(1);
    readings
        .chunks(stride)
        .map(|bucket| {
            let last = bucket.last().expect("chunks are not empty");
            let v = if bucket.iter().all(|r| r.reachable) {
                value(last)
            } else {
                None
            };
            (last.polled_at, v)
        })
        .collect()
}

#[get("/power/ups/{tag}")]
async fn ups_detail_page(
    state: web::Data<AppState>,
    user: PageUser,
    tag: web::Path<String>,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, PageError> {
    user.require_any(READERS)?;
    let hours = query
        .hours
        .filter(|h| RANGES.iter().any(|(r, _)| r == h))
        .unwrap_or(24);
    let to = crate::db::now();
    let from = to - chrono::Duration::hours(hours);
    let fresh = service::fresh_since(&state.settings);
    let tag = tag.into_inner();
    let data = with_db(&state, move |conn| service::ups_page(conn, &tag, from)).await?;
    let e = &data.equipment;
    let details = match &data.unit {
        None => vec![Field {
            label: "UPS情報",
            value: "未登録".to_owned(),
        }],
        Some(u) => vec![
            Field {
                label: "定格容量",
                value: match u.capacity_w {
                    Some(w) => format!("{} VA / {w} W", u.capacity_va),
                    None => format!("{} VA", u.capacity_va),
                },
            },
            Field {
                label: "想定給電時間",
                value: format!("{}分", u.rated_runtime_min),
            },
            Field {
                label: "バッテリー交換日",
                value: opt_date(u.battery_installed_on),
            },
            Field {
                label: "次回交換予定",
                value: opt_date(u.battery_replace_due),
            },
            Field {
                label: "自己診断・点検日",
                value: opt_date(u.last_self_test_on),
            },
            Field {
                label: "点検結果",
                value: u
                    .last_self_test_result
                    .as_deref()
                    .and_then(SelfTestResult::parse)
                    .map_or("—", SelfTestResult::label)
                    .to_owned(),
            },
            Field {
                label: "コンセント（バッテリー＋サージ / サージのみ）",
                value: format!(
                    "{} / {}",
                    u.outlets_battery.map_or("—".to_owned(), |n| n.to_string()),
                    u.outlets_surge_only
                        .map_or("—".to_owned(), |n| n.to_string())
                ),
            },
            Field {
                label: "自動シャットダウン連携",
                value: u.auto_shutdown.clone().unwrap_or_else(|| "—".to_owned()),
            },
            Field {
                label: "保守事業者",
                value: u
                    .maintenance_vendor
                    .clone()
                    .unwrap_or_else(|| "—".to_owned()),
            },
            Field {
                label: "NUT監視先",
                value: match (&u.nut_host, &u.nut_ups_name) {
                    (Some(h), Some(n)) => {
                        format!("{n}@{h}:{}", u.nut_port.unwrap_or(3493))
                    }
                    _ => "監視なし".to_owned(),
                },
            },
        ],
    };
    let latest = data.latest.as_ref();
    let live_status = latest.map(|r| service::live_word(r, fresh));
    let flags = live_status.as_deref().map(status_flags).unwrap_or_default();
    let live = match latest {
        None => vec![Field {
            label: "状態",
            value: "読み取り記録なし".to_owned(),
        }],
        Some(r) => vec![
            Field {
                label: "状態",
                value: label_status(live_status.as_deref()),
            },
            Field {
                label: "バッテリー充電率",
                value: r
                    .battery_charge
                    .map_or("—".to_owned(), |c| format!("{c:.0}%")),
            },
            Field {
                label: "残り給電時間",
                value: r
                    .runtime_s
                    .map_or("—".to_owned(), |s| format!("{}分{}秒", s / 60, s % 60)),
            },
            Field {
                label: "負荷",
                value: r.load.map_or("—".to_owned(), |l| format!("{l:.0}%")),
            },
            Field {
                label: "取得日時",
                value: wareki_datetime(r.polled_at),
            },
        ],
    };
    let charge = series(&data.readings, |r| r.battery_charge);
    let runtime = series(&data.readings, |r| r.runtime_s.map(|s| s as f64 / 60.0));
    let runtime_max = runtime
        .iter()
        .filter_map(|(_, v)| *v)
        .fold(
            data.unit
                .as_ref()
                .map_or(10.0, |u| f64::from(u.rated_runtime_min)),
            f64::max,
        )
        .max(1.0);
    let page = UpsPage {
        layout: user.layout(&format!("UPS {}", e.asset_tag)),
        asset_tag: e.asset_tag.clone(),
        name: e.name.clone(),
        can_edit: user.has_any(&[
            crate::identity::Role::Operator,
            crate::identity::Role::SecurityManager,
        ]) && service::may_edit(&user, e),
        details,
        live_alert: matches!(live_status.as_deref(), Some("unreachable" | "stale"))
            || flags.on_battery
            || flags.low_battery
            || flags.replace_battery,
        live,
        hours,
        ranges: RANGES.to_vec(),
        charge_chart: line_chart("バッテリー充電率", "%", from, to, 100.0, &charge),
        runtime_chart: line_chart("残り給電時間", "分", from, to, runtime_max.ceil(), &runtime),
        events: data.events.iter().map(event_line).collect(),
        fed: data
            .fed
            .iter()
            .map(|f| (f.asset_tag.clone(), f.name.clone(), f.key_equipment))
            .collect(),
    };
    render(StatusCode::OK, &page)
}

/// The UPS record form, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
struct UpsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    capacity_va: String,
    #[serde(default)]
    capacity_w: String,
    #[serde(default)]
    rated_runtime_min: String,
    #[serde(default)]
    battery_installed_on: String,
    #[serde(default)]
    battery_replace_due: String,
    #[serde(default)]
    last_self_test_on: String,
    #[serde(default)]
    last_self_test_result: String,
    #[serde(default)]
    outlets_battery: String,
    #[serde(default)]
    outlets_surge_only: String,
    #[serde(default)]
    auto_shutdown: String,
    #[serde(default)]
    maintenance_vendor: String,
    #[serde(default)]
    nut_host: String,
    #[serde(default)]
    nut_port: String,
    #[serde(default)]
    nut_ups_name: String,
}

type Errors = BTreeMap<String, String>;

impl UpsForm {
    fn from_view(v: &service::UpsView) -> UpsForm {
        let s = |o: Option<i32>| o.map(|n| n.to_string()).unwrap_or_default();
        let d = |o: Option<NaiveDate>| o.map(|n| n.to_string()).unwrap_or_default();
        UpsForm {
            csrf: String::new(),
            capacity_va: v.capacity_va.to_string(),
            capacity_w: s(v.capacity_w),
            rated_runtime_min: v.rated_runtime_min.to_string(),
            battery_installed_on: d(v.battery_installed_on),
            battery_replace_due: d(v.battery_replace_due),
            last_self_test_on: d(v.last_self_test_on),
            last_self_test_result: v.last_self_test_result.clone().unwrap_or_default(),
            outlets_battery: s(v.outlets_battery),
            outlets_surge_only: s(v.outlets_surge_only),
            auto_shutdown: v.auto_shutdown.clone().unwrap_or_default(),
            maintenance_vendor: v.maintenance_vendor.clone().unwrap_or_default(),
            nut_host: v.nut_host.clone().unwrap_or_default(),
            nut_port: s(v.nut_port),
            nut_ups_name: v.nut_ups_name.clone().unwrap_or_default(),
        }
    }

    /// The API input, or the fields that are not numbers or dates.
    fn parse(&self) -> Result<UpsInput, Errors> {
        let mut errors = Errors::new();
        let mut number = |field: &str, text: &str, required: bool| -> Option<i64> {
            let t = text.trim();
            if t.is_empty() {
                if required {
                    errors.insert(field.to_owned(), "入力してください。".to_owned());
                }
                return None;
            }
            match t.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.insert(field.to_owned(), "数字で入力してください。".to_owned());
                    None
                }
            }
        };
        let capacity_va = number("capacity_va", &self.capacity_va, true);
        let capacity_w = number("capacity_w", &self.capacity_w, false);
        let rated = number("rated_runtime_min", &self.rated_runtime_min, true);
        let outlets_battery = number("outlets_battery", &self.outlets_battery, false);
        let outlets_surge_only = number("outlets_surge_only", &self.outlets_surge_only, false);
        let nut_port = number("nut_port", &self.nut_port, false);
        let mut date = |field: &str, text: &str| -> Option<NaiveDate> {
            let t = text.trim();
            if t.is_empty() {
                return None;
            }
            match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.insert(
                        field.to_owned(),
                        "日付を YYYY-MM-DD で入力してください。".to_owned(),
                    );
                    None
                }
            }
        };
        let installed = date("battery_installed_on", &self.battery_installed_on);
        let due = date("battery_replace_due", &self.battery_replace_due);
        let tested = date("last_self_test_on", &self.last_self_test_on);
        if !errors.is_empty() {
            return Err(errors);
        }
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        Ok(UpsInput {
            capacity_va: capacity_va.unwrap_or_default(),
            capacity_w,
            rated_runtime_min: rated.unwrap_or_default(),
            battery_installed_on: installed,
            battery_replace_due: due,
            last_self_test_on: tested,
            last_self_test_result: opt(&self.last_self_test_result),
            outlets_battery,
            outlets_surge_only,
            auto_shutdown: opt(&self.auto_shutdown),
            maintenance_vendor: opt(&self.maintenance_vendor),
            nut_host: opt(&self.nut_host),
            nut_port,
            nut_ups_name: opt(&self.nut_ups_name),
        })
    }
}

#[derive(Template)]
#[template(path = "power/ups_form.html")]
struct UpsFormPage {
    layout: Layout,
    asset_tag: String,
    form: UpsForm,
    errors: Errors,
    error: Option<String>,
    results: Vec<(&'static str, &'static str)>,
}

fn form_page(user: &PageUser, tag: &str, form: UpsForm) -> UpsFormPage {
    UpsFormPage {
        layout: user.layout(&format!("UPS {tag} の情報")),
        asset_tag: tag.to_owned(),
        form,
        errors: Errors::new(),
        error: None,
        results: SelfTestResult::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
    }
}

/// The UPS, after checking the user may edit it (403/404/409 otherwise).
async fn editable(
    state: &web::Data<AppState>,
    user: &PageUser,
    tag: String,
) -> Result<(String, Option<service::UpsView>), AppError> {
    user.require_any(&[
        crate::identity::Role::Operator,
        crate::identity::Role::SecurityManager,
    ])?;
    let principal = user.auth.principal.clone();
    with_db(state, move |conn| {
        let e = service::ups_by_tag(conn, &tag)?;
        if !service::may_edit(&principal, &e) {
            return Err(AppError::forbidden(
                "forbidden",
                "この機器の所属課のセキュリティ管理者または運用管理者のみ登録できます。",
            ));
        }
        let view = super::model::find_unit(conn, e.id)?.map(|u| service::UpsView::of(&e, &u));
        Ok((e.asset_tag, view))
    })
    .await
}

#[get("/power/ups/{tag}/edit")]
async fn ups_edit_form(
    state: web::Data<AppState>,
    user: PageUser,
    tag: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (tag, view) = editable(&state, &user, tag.into_inner()).await?;
    let form = view.as_ref().map(UpsForm::from_view).unwrap_or_default();
    render(StatusCode::OK, &form_page(&user, &tag, form))
}

#[post("/power/ups/{tag}/edit")]
async fn ups_edit_submit(
    state: web::Data<AppState>,
    user: PageUser,
    tag: web::Path<String>,
    form: web::Form<UpsForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (tag, _) = editable(&state, &user, tag.into_inner()).await?;
    let form = form.into_inner();
    let result = match form.parse() {
        Err(errors) => Err(AppError::invalid_fields(errors).expect("errors are not empty")),
        Ok(input) => {
            let principal = user.auth.principal.clone();
            let t = tag.clone();
            with_db(&state, move |conn| {
                service::set_ups(conn, &principal, &t, input)
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/power/ups/{tag}"))),
        Err(err) if err.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut page = form_page(&user, &tag, form);
            page.errors = err.fields.clone().unwrap_or_default();
            if page.errors.is_empty() {
                page.error = Some(err.message);
            }
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(err) => Err(err.into()),
    }
}
