//! Power use cases: UPS details, the coverage check, the latest status, and recording
//! what the poller read (reading + events + audit in one transaction).

use super::model::{self, NewPowerEvent, NewReading, PowerEvent, Reading, UpsFields, UpsUnit};
use super::nut::NutReading;
use super::rules::{
    self, DeviceFacts, EventKind, Live, NUT_DEFAULT_PORT, Observation, Problem, RuntimeSource,
    SelfTestResult, UpsFacts,
};
use crate::audit::{self, Actor};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model::{Equipment, find_equipment_by_tag};
use crate::register::rules::{Kind, SurgeProtection, normalize_tag};
use crate::web::time::{serialize_utc, serialize_utc_opt};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// `PUT /equipment/{tag}/ups`: the whole UPS record (電源設備台帳).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpsInput {
    /// 定格容量 (VA).
    pub capacity_va: i64,
    /// 定格容量 (W).
    #[serde(default)]
    pub capacity_w: Option<i64>,
    /// 想定給電時間 (minutes at the planned load).
    pub rated_runtime_min: i64,
    pub battery_installed_on: Option<NaiveDate>,
    pub battery_replace_due: Option<NaiveDate>,
    #[serde(default)]
    pub last_self_test_on: Option<NaiveDate>,
    /// `pass` or `fail`.
    #[serde(default)]
    pub last_self_test_result: Option<String>,
    /// Outlets with battery and surge protection.
    #[serde(default)]
    pub outlets_battery: Option<i64>,
    /// Outlets with surge protection only.
    #[serde(default)]
    pub outlets_surge_only: Option<i64>,
    /// 自動シャットダウン連携 (method and settings), free text.
    #[serde(default)]
    pub auto_shutdown: Option<String>,
    /// 保守事業者.
    #[serde(default)]
    pub maintenance_vendor: Option<String>,
    #[serde(default)]
    pub nut_host: Option<String>,
    /// Default 3493.
    #[serde(default)]
    pub nut_port: Option<i64>,
    #[serde(default)]
    pub nut_ups_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UpsView {
    pub asset_tag: String,
    pub name: String,
    pub capacity_va: i32,
    pub capacity_w: Option<i32>,
    pub rated_runtime_min: i32,
    pub battery_installed_on: Option<NaiveDate>,
    pub battery_replace_due: Option<NaiveDate>,
    pub last_self_test_on: Option<NaiveDate>,
    pub last_self_test_result: Option<String>,
    pub outlets_battery: Option<i32>,
    pub outlets_surge_only: Option<i32>,
    pub auto_shutdown: Option<String>,
    pub maintenance_vendor: Option<String>,
    pub nut_host: Option<String>,
    pub nut_port: Option<i32>,
    pub nut_ups_name: Option<String>,
    #[serde(serialize_with = "serialize_utc")]
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
}

impl UpsView {
    pub fn of(e: &Equipment, u: &UpsUnit) -> UpsView {
        UpsView {
            asset_tag: e.asset_tag.clone(),
            name: e.name.clone(),
            capacity_va: u.capacity_va,
            capacity_w: u.capacity_w,
            rated_runtime_min: u.rated_runtime_min,
            battery_installed_on: u.battery_installed_on,
            battery_replace_due: u.battery_replace_due,
            last_self_test_on: u.last_self_test_on,
            last_self_test_result: u.last_self_test_result.clone(),
            outlets_battery: u.outlets_battery,
            outlets_surge_only: u.outlets_surge_only,
            auto_shutdown: u.auto_shutdown.clone(),
            maintenance_vendor: u.maintenance_vendor.clone(),
            nut_host: u.nut_host.clone(),
            nut_port: u.nut_port,
            nut_ups_name: u.nut_ups_name.clone(),
            updated_at: u.updated_at,
        }
    }
}

/// A device by a tag as typed or scanned; 404 when unknown.
pub fn equipment_by_tag(conn: &mut DbConn, tag: &str) -> Result<Equipment, AppError> {
    let tag = normalize_tag(tag).map_err(|e| AppError::not_found(e.message()))?;
    find_equipment_by_tag(conn, &tag)?
        .ok_or_else(|| AppError::not_found(format!("資産番号 {tag} の機器は登録されていません。")))
}

/// A device that must be a UPS: 404 unknown, 409 `not_a_ups` otherwise.
pub fn ups_by_tag(conn: &mut DbConn, tag: &str) -> Result<Equipment, AppError> {
    let e = equipment_by_tag(conn, tag)?;
    if e.kind != Kind::Ups.as_str() {
        return Err(AppError::conflict(
            "not_a_ups",
            format!(
                "{} はUPSではありません（種別: {}）。",
                e.asset_tag,
                kind_label(&e.kind)
            ),
        ));
    }
    Ok(e)
}

fn kind_label(kind: &str) -> &'static str {
    Kind::parse(kind).map_or("不明", Kind::label)
}

/// Who may keep UPS records: an operator, or a security manager of the UPS's department.
pub fn may_edit(p: &Principal, e: &Equipment) -> bool {
    p.has(Role::Operator)
        || (p.has(Role::SecurityManager) && p.department_id == Some(e.department_id))
}

/// Who may read coverage and UPS status.
pub const READERS: &[Role] = &[
    Role::Admin,
    Role::SecurityManager,
    Role::Operator,
    Role::Auditor,
];

fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Checks every field, gathering every fault.
pub fn validate(input: UpsInput) -> Result<UpsFields, AppError> {
    let mut faults = BTreeMap::new();
    let mut fault = |field: &str, msg: &str| {
        faults.insert(field.to_owned(), msg.to_owned());
    };
    let in_range = |v: i64, lo: i64, hi: i64| (lo..=hi).contains(&v);
    if !in_range(input.capacity_va, 1, 10_000_000) {
        fault("capacity_va", "1〜10000000の数を入力してください。");
    }
    if input
        .capacity_w
        .is_some_and(|w| !in_range(w, 1, 10_000_000))
    {
        fault("capacity_w", "1〜10000000の数を入力してください。");
    }
    if !in_range(input.rated_runtime_min, 0, 100_000) {
        fault(
            "rated_runtime_min",
            "0〜100000の数（分）を入力してください。",
        );
    }
    if let (Some(installed), Some(due)) = (input.battery_installed_on, input.battery_replace_due)
        && due < installed
    {
        fault(
            "battery_replace_due",
            "交換予定日はバッテリー交換日より後にしてください。",
        );
    }
    let result = text(input.last_self_test_result);
    if let Some(r) = &result
        && SelfTestResult::parse(r).is_none()
    {
        fault(
            "last_self_test_result",
            "pass または fail を指定してください。",
        );
    }
    if result.is_some() && input.last_self_test_on.is_none() {
        fault("last_self_test_on", "自己診断の結果には実施日が必要です。");
    }
    for (field, value) in [
        ("outlets_battery", input.outlets_battery),
        ("outlets_surge_only", input.outlets_surge_only),
    ] {
        if value.is_some_and(|v| !in_range(v, 0, 1000)) {
            fault(field, "0〜1000の数を入力してください。");
        }
    }
    let auto_shutdown = text(input.auto_shutdown);
    let vendor = text(input.maintenance_vendor);
    for (field, value) in [
        ("auto_shutdown", &auto_shutdown),
        ("maintenance_vendor", &vendor),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 500) {
            fault(field, "500文字以内で入力してください。");
        }
    }
    let host = text(input.nut_host);
    let ups_name = text(input.nut_ups_name);
    if let Some(h) = &host
        && !rules::valid_nut_host(h)
    {
        fault(
            "nut_host",
            "ホスト名またはIPアドレスを入力してください（英数字 . - _ :）。",
        );
    }
    if let Some(n) = &ups_name
        && !rules::valid_nut_ups_name(n)
    {
        fault(
            "nut_ups_name",
            "NUTのUPS名を入力してください（英数字 . - _、64文字以内）。",
        );
    }
    match (&host, &ups_name) {
        (Some(_), None) => fault(
            "nut_ups_name",
            "NUTのホストを指定する場合はUPS名も必要です。",
        ),
        (None, Some(_)) => fault("nut_host", "NUTのUPS名を指定する場合はホストも必要です。"),
        _ => {}
    }
    if let Some(port) = input.nut_port {
        if !in_range(port, 1, 65_535) {
            fault("nut_port", "1〜65535の数を入力してください。");
        } else if host.is_none() {
            fault("nut_port", "ポートはNUTのホストと一緒に指定してください。");
        }
    }
    if let Some(err) = AppError::invalid_fields(faults) {
        return Err(err);
    }
    let port = host
        .as_ref()
        .map(|_| input.nut_port.map_or(NUT_DEFAULT_PORT, |p| p as i32));
    Ok(UpsFields {
        capacity_va: input.capacity_va as i32,
        capacity_w: input.capacity_w.map(|w| w as i32),
        rated_runtime_min: input.rated_runtime_min as i32,
        battery_installed_on: input.battery_installed_on,
        battery_replace_due: input.battery_replace_due,
        last_self_test_on: input.last_self_test_on,
        last_self_test_result: result,
        outlets_battery: input.outlets_battery.map(|v| v as i32),
        outlets_surge_only: input.outlets_surge_only.map(|v| v as i32),
        auto_shutdown,
        maintenance_vendor: vendor,
        nut_host: host,
        nut_port: port,
        nut_ups_name: ups_name,
    })
}

/// Writes the UPS record of `tag`; `true` when it was created.
pub fn set_ups(
    conn: &mut DbConn,
    principal: &Principal,
    tag: &str,
    input: UpsInput,
) -> Result<(UpsView, bool), AppError> {
    principal.require_any(&[Role::Operator, Role::SecurityManager])?;
    let e = equipment_by_tag(conn, tag)?;
    if !may_edit(principal, &e) {
        return Err(AppError::forbidden(
            "forbidden",
            "この機器の所属課のセキュリティ管理者または運用管理者のみ登録できます。",
        ));
    }
    let e = ups_by_tag(conn, &e.asset_tag)?;
    let fields = validate(input)?;
    db::write_tx(conn, |conn| {
        let now = db::now();
        let before = model::find_unit(conn, e.id)?;
        let (unit, created) = match &before {
            None => (model::insert_unit(conn, e.id, &fields, now)?, true),
            Some(_) => (model::update_unit(conn, e.id, &fields, now)?, false),
        };
        let view = UpsView::of(&e, &unit);
        audit::record(
            conn,
            &principal.actor(),
            if created {
                "power.ups_created"
            } else {
                "power.ups_updated"
            },
            "equipment",
            &e.asset_tag,
            json!({ "ups": fields, "before": before.map(|b| UpsView::of(&e, &b)) }),
        )?;
        Ok((view, created))
    })
}

pub fn get_ups(conn: &mut DbConn, tag: &str) -> Result<UpsView, AppError> {
    let e = ups_by_tag(conn, tag)?;
    let unit = model::find_unit(conn, e.id)?.ok_or_else(|| {
        AppError::not_found(format!(
            "{} のUPS情報はまだ登録されていません。",
            e.asset_tag
        ))
    })?;
    Ok(UpsView::of(&e, &unit))
}

/// `GET /power/ups/{tag}/status`: the latest NUT reading (all null before the first).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusView {
    pub asset_tag: String,
    /// Whether the UPS has a NUT address to be polled at.
    pub polled: bool,
    /// Whether the latest poll reached it; null before the first.
    pub reachable: Option<bool>,
    /// NUT `ups.status` (`OL`, `OB`, `OB LB`…); null when unreachable or never read.
    pub status: Option<String>,
    /// The reading is older than five poll intervals (at least five minutes): nobody polls.
    pub stale: bool,
    /// Percent.
    pub battery_charge: Option<f64>,
    pub runtime_s: Option<i64>,
    /// Percent of capacity.
    pub load: Option<f64>,
    pub error: Option<String>,
    #[serde(serialize_with = "serialize_utc_opt")]
    #[schema(value_type = Option<String>)]
    pub polled_at: Option<NaiveDateTime>,
}

pub fn ups_status(
    conn: &mut DbConn,
    tag: &str,
    fresh_since: NaiveDateTime,
) -> Result<StatusView, AppError> {
    let e = ups_by_tag(conn, tag)?;
    let polled = model::find_unit(conn, e.id)?.is_some_and(|u| u.nut_host.is_some());
    let latest = model::latest_reading(conn, e.id)?;
    Ok(status_view(
        &e.asset_tag,
        polled,
        latest.as_ref(),
        fresh_since,
    ))
}

pub fn status_view(
    tag: &str,
    polled: bool,
    r: Option<&Reading>,
    fresh_since: NaiveDateTime,
) -> StatusView {
    StatusView {
        asset_tag: tag.to_owned(),
        polled,
        stale: r.is_some_and(|r| r.polled_at < fresh_since),
        reachable: r.map(|r| r.reachable),
        status: r.and_then(|r| r.status.clone()),
        battery_charge: r.and_then(|r| r.battery_charge),
        runtime_s: r.and_then(|r| r.runtime_s),
        load: r.and_then(|r| r.load),
        error: r.and_then(|r| r.error.clone()),
        polled_at: r.map(|r| r.polled_at),
    }
}

/// One row of the coverage check.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    pub asset_tag: String,
    pub name: String,
    pub ups_asset_tag: Option<String>,
    /// Live when known, else rated; null when neither is.
    pub runtime_min: Option<i64>,
    pub runtime_source: Option<RuntimeSource>,
    pub required_shutdown_min: Option<i32>,
    pub surge_protection: Option<String>,
    /// The UPS's latest NUT status (`OL`, `OB LB`…), `unreachable`, or null when not polled.
    pub status: Option<String>,
    pub battery_charge: Option<f64>,
    pub battery_replace_due: Option<NaiveDate>,
    pub problems: Vec<Problem>,
}

/// The NUT status of a reading, `unreachable`, or `stale` when nobody has polled lately.
pub fn live_word(r: &Reading, fresh_since: NaiveDateTime) -> String {
    if !r.reachable {
        "unreachable".to_owned()
    } else if r.polled_at < fresh_since {
        "stale".to_owned()
    } else {
        r.status.clone().unwrap_or_default()
    }
}

/// Readings older than this are stale: nobody has polled the UPS lately (the poller is
/// off or its instance is gone), so its last status cannot be trusted: five poll
/// intervals, at least five minutes.
pub fn fresh_since(settings: &crate::config::Settings) -> NaiveDateTime {
    let interval = match settings.nut_poll_seconds {
        0 => 30,
        s => s,
    };
    let window = (interval * 5).max(300);
    db::now() - chrono::Duration::seconds(window as i64)
}

/// Every key device in use, with its 第6条 problems, on `today`. A polled UPS whose latest
/// reading is older than `fresh_since` counts as unreachable (status `stale`).
pub fn coverage(
    conn: &mut DbConn,
    today: NaiveDate,
    fresh_since: NaiveDateTime,
) -> Result<Vec<CoverageRow>, AppError> {
    let devices = model::key_equipment(conn)?;
    let ups_ids: Vec<i64> = {
        let mut ids: Vec<i64> = devices.iter().filter_map(|d| d.ups_equipment_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let upses: HashMap<i64, Equipment> = model::equipment_by_ids(conn, &ups_ids)?
        .into_iter()
        .filter(|u| u.kind == Kind::Ups.as_str() && u.status != "disposed")
        .map(|u| (u.id, u))
        .collect();
    let units: HashMap<i64, UpsUnit> = model::units_by_ids(conn, &ups_ids)?
        .into_iter()
        .map(|u| (u.equipment_id, u))
        .collect();
    let mut latest: HashMap<i64, Reading> = HashMap::new();
    for (id, unit) in &units {
        if unit.nut_host.is_some()
            && let Some(r) = model::latest_reading(conn, *id)?
        {
            latest.insert(*id, r);
        }
    }
    let rows = devices
        .into_iter()
        .map(|d| {
            let ups = d.ups_equipment_id.and_then(|id| upses.get(&id));
            let unit = ups.and_then(|u| units.get(&u.id));
            let reading = ups.and_then(|u| latest.get(&u.id));
            let facts = DeviceFacts {
                surge_protection: d
                    .surge_protection
                    .as_deref()
                    .and_then(SurgeProtection::parse),
                required_shutdown_min: d.required_shutdown_min,
                ups: ups.map(|_| UpsFacts {
                    rated_runtime_min: unit.map(|u| u.rated_runtime_min),
                    battery_replace_due: unit.and_then(|u| u.battery_replace_due),
                    live: reading.map(|r| Live {
                        reachable: r.reachable && r.polled_at >= fresh_since,
                        status: r.status.clone(),
                        runtime_s: r.runtime_s,
                    }),
                }),
            };
            let a = rules::assess(&facts, today);
            CoverageRow {
                asset_tag: d.asset_tag,
                name: d.name,
                ups_asset_tag: ups.map(|u| u.asset_tag.clone()),
                runtime_min: a.runtime_min,
                runtime_source: a.runtime_source,
                required_shutdown_min: d.required_shutdown_min,
                surge_protection: d.surge_protection,
                status: reading.map(|r| live_word(r, fresh_since)),
                battery_charge: reading
                    .filter(|r| r.reachable && r.polled_at >= fresh_since)
                    .and_then(|r| r.battery_charge),
                battery_replace_due: unit.and_then(|u| u.battery_replace_due),
                problems: a.problems,
            }
        })
        .collect();
    Ok(rows)
}

/// Today in Tokyo (the ward's calendar).
pub fn today() -> NaiveDate {
    crate::web::time::to_tokyo(db::now()).date_naive()
}

/// Records one poll of a UPS: the reading, and each status change as a power event with
/// its audit event, all in one transaction. Returns the events.
pub fn record_poll(
    conn: &mut DbConn,
    ups_id: i64,
    tag: &str,
    outcome: &Result<NutReading, String>,
) -> Result<Vec<EventKind>, AppError> {
    let actor = Actor::system("nut-poller");
    db::write_tx(conn, |conn| {
        let previous = model::latest_reading(conn, ups_id)?.map(|r| match r.reachable {
            true => Observation::Status(r.status.unwrap_or_default()),
            false => Observation::Unreachable,
        });
        let last_status = model::latest_reachable_status(conn, ups_id)?;
        let now = db::now();
        let reading = match outcome {
            Ok(r) => NewReading {
                ups_equipment_id: ups_id,
                polled_at: now,
                reachable: true,
                status: Some(r.status.clone()),
                battery_charge: r.battery_charge,
                runtime_s: r.runtime_s,
                load: r.load,
                error: None,
            },
            Err(e) => NewReading {
                ups_equipment_id: ups_id,
                polled_at: now,
                reachable: false,
                status: None,
                battery_charge: None,
                runtime_s: None,
                load: None,
                error: Some(e.chars().take(300).collect()),
            },
        };
        let observation = match outcome {
            Ok(r) => Observation::Status(r.status.clone()),
            Err(_) => Observation::Unreachable,
        };
        model::insert_reading(conn, &reading)?;
        let events = rules::events_between(previous.as_ref(), last_status.as_deref(), &observation);
        for kind in &events {
            model::insert_event(
                conn,
                &NewPowerEvent {
                    ups_equipment_id: ups_id,
                    occurred_at: now,
                    kind: kind.as_str(),
                    status: reading.status.as_deref(),
                    battery_charge: reading.battery_charge,
                    runtime_s: reading.runtime_s,
                },
            )?;
            audit::record(
                conn,
                &actor,
                &format!("power.{}", kind.as_str()),
                "equipment",
                tag,
                json!({
                    "status": reading.status, "battery_charge": reading.battery_charge,
                    "runtime_s": reading.runtime_s, "error": reading.error,
                }),
            )?;
        }
        Ok(events)
    })
}

/// A power event for screens and JSON.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: i64,
    pub kind: EventKind,
    pub label: &'static str,
    pub status: Option<String>,
    pub battery_charge: Option<f64>,
    pub runtime_s: Option<i64>,
    #[serde(serialize_with = "serialize_utc")]
    #[schema(value_type = String)]
    pub occurred_at: NaiveDateTime,
}

pub fn event_view(e: &PowerEvent) -> Option<EventView> {
    let kind = EventKind::parse(&e.kind)?;
    Some(EventView {
        id: e.id,
        kind,
        label: kind.label(),
        status: e.status.clone(),
        battery_charge: e.battery_charge,
        runtime_s: e.runtime_s,
        occurred_at: e.occurred_at,
    })
}

pub fn ups_events(conn: &mut DbConn, tag: &str, limit: i64) -> Result<Vec<EventView>, AppError> {
    let e = ups_by_tag(conn, tag)?;
    Ok(model::events_of(conn, e.id, limit)?
        .iter()
        .filter_map(event_view)
        .collect())
}

/// One UPS on the overview: its record (if entered) and latest reading.
pub struct UpsSummary {
    pub equipment: Equipment,
    pub unit: Option<UpsUnit>,
    pub latest: Option<Reading>,
    pub fed: usize,
}

pub fn ups_overview(conn: &mut DbConn) -> Result<Vec<UpsSummary>, AppError> {
    let upses = model::all_upses(conn)?;
    let mut out = Vec::with_capacity(upses.len());
    for e in upses {
        let unit = model::find_unit(conn, e.id)?;
        let latest = match unit.as_ref().and_then(|u| u.nut_host.as_ref()) {
            Some(_) => model::latest_reading(conn, e.id)?,
            None => None,
        };
        let fed = model::fed_by(conn, e.id)?.len();
        out.push(UpsSummary {
            equipment: e,
            unit,
            latest,
            fed,
        });
    }
    Ok(out)
}

/// Everything the UPS page shows.
pub struct UpsPageData {
    pub equipment: Equipment,
    pub unit: Option<UpsUnit>,
    pub latest: Option<Reading>,
    pub readings: Vec<Reading>,
    pub events: Vec<EventView>,
    pub fed: Vec<Equipment>,
}

pub fn ups_page(
    conn: &mut DbConn,
    tag: &str,
    since: NaiveDateTime,
) -> Result<UpsPageData, AppError> {
    let equipment = ups_by_tag(conn, tag)?;
    let unit = model::find_unit(conn, equipment.id)?;
    let latest = model::latest_reading(conn, equipment.id)?;
    let readings = model::readings_since(conn, equipment.id, since, 100_000)?;
    let events = model::events_of(conn, equipment.id, 50)?
        .iter()
        .filter_map(event_view)
        .collect();
    let fed = model::fed_by(conn, equipment.id)?;
    Ok(UpsPageData {
        equipment,
        unit,
        latest,
        readings,
        events,
        fed,
    })
}
