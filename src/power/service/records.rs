//! UPS records (電源設備台帳): the input and view shapes, validation, reading and writing.

use super::{equipment_by_tag, may_edit, ups_by_tag};
use crate::audit::{self};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::kit::time::serialize_utc;
use crate::power::model::{self, UpsFields, UpsUnit};
use crate::power::rules::{self, NUT_DEFAULT_PORT, SelfTestResult};
use crate::register::model::Equipment;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

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

fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Checks every field, gathering every fault.
/// Checks a UPS's details; a NUT address may only name one of `nut_ports`
/// (`DAICHO_NUT_PORTS`), or the poller would probe any service for whoever edits a UPS.
pub fn validate(input: UpsInput, nut_ports: &[u16]) -> Result<UpsFields, AppError> {
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
    let effective_port = input.nut_port.unwrap_or(i64::from(NUT_DEFAULT_PORT));
    if host.is_some()
        && in_range(effective_port, 1, 65_535)
        && !rules::nut_port_allowed(effective_port, nut_ports)
    {
        fault("nut_port", &rules::nut_ports_message(nut_ports));
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
    nut_ports: &[u16],
) -> Result<(UpsView, bool), AppError> {
    principal.require_any(&[Role::Operator, Role::SecurityManager])?;
    let e = equipment_by_tag(conn, tag)?;
    require_editor(principal, &e)?;
    let e = ups_by_tag(conn, &e.asset_tag)?;
    let fields = validate(input, nut_ports)?;
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

/// A UPS its record form may edit, with the record so far (none before the
/// first save): operators, and security managers of its department (403), for
/// a registered UPS (404, 409 `not_a_ups`).
pub fn editable_ups(
    conn: &mut DbConn,
    by: &Principal,
    tag: &str,
) -> Result<(String, Option<UpsView>), AppError> {
    by.require_any(&[Role::Operator, Role::SecurityManager])?;
    let e = ups_by_tag(conn, tag)?;
    require_editor(by, &e)?;
    let view = model::find_unit(conn, e.id)?.map(|u| UpsView::of(&e, &u));
    Ok((e.asset_tag, view))
}

/// 403 unless `by` may edit this device's UPS record.
fn require_editor(by: &Principal, e: &Equipment) -> Result<(), AppError> {
    if may_edit(by, e) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "forbidden",
            "この機器の所属課のセキュリティ管理者または運用管理者のみ登録できます。",
        ))
    }
}
