//! The UPS page: its record, live status, reading charts and power events.

use super::{label_status, opt_date};
use crate::kit::time::wareki_datetime;
use crate::power::chart::line_chart;
use crate::power::rules::{SelfTestResult, status_flags};
use crate::power::service::Reading;
use crate::power::service::{self, EventView, READERS};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

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
    /// 「事故・障害として報告」 with the facts filled in (第27条), for an alert.
    report_href: Option<String>,
}

/// The UPS an event is about, as the report form is filled in with it.
struct Subject<'a> {
    tag: &'a str,
    name: &'a str,
    zone_id: Option<i64>,
    /// The UPS first, then the devices it feeds.
    tags: String,
}

fn event_line(e: &EventView, ups: &Subject) -> EventLine {
    use crate::power::rules::EventKind;
    use crate::web::percent_encode as enc;
    let at = wareki_datetime(e.occurred_at);
    let status = e.status.clone().unwrap_or_else(|| "—".to_owned());
    let charge = e
        .battery_charge
        .map_or("—".to_owned(), |c| format!("{c:.0}%"));
    let alert = !matches!(e.kind, EventKind::OnMains | EventKind::Reachable);
    let report_href = alert.then(|| {
        let title = format!("UPS {} {}", ups.tag, e.label);
        let description = format!(
            "{at}、UPS {} {} で「{}」を記録しました（状態 {status}、充電率 {charge}）。",
            ups.tag, ups.name, e.label
        );
        let zone = ups.zone_id.map(|z| z.to_string()).unwrap_or_default();
        format!(
            "/incidents/new?kind=fault&title={}&description={}&zone_id={zone}&asset_tags={}&source=ups_event%3A{}",
            enc(&title),
            enc(&description),
            enc(&ups.tags),
            e.id
        )
    });
    EventLine {
        at,
        label: e.label,
        status,
        charge,
        alert,
        report_href,
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
pub(super) async fn ups_detail_page(
    state: web::Data<WebState>,
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
        events: {
            let tags = std::iter::once(e.asset_tag.as_str())
                .chain(data.fed.iter().map(|f| f.asset_tag.as_str()))
                .collect::<Vec<_>>()
                .join(",");
            let subject = Subject {
                tag: &e.asset_tag,
                name: &e.name,
                zone_id: e.zone_id,
                tags,
            };
            data.events
                .iter()
                .map(|ev| event_line(ev, &subject))
                .collect()
        },
        fed: data
            .fed
            .iter()
            .map(|f| (f.asset_tag.clone(), f.name.clone(), f.key_equipment))
            .collect(),
    };
    render(StatusCode::OK, &page)
}
