//! 第6条 rules, pure: what makes a key device's power protection faulty, what a NUT
//! status word means, which status changes are events, and how long to back off.

use crate::kit::vocabulary::vocabulary;
use crate::register::rules::SurgeProtection;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A battery due for replacement within this many days is flagged `battery_due`.
pub const BATTERY_DUE_WITHIN_DAYS: i64 = 30;
/// The NUT port when a UPS record names none.
pub const NUT_DEFAULT_PORT: i32 = 3493;
/// A dead UPS is retried at most this far apart.
pub const MAX_BACKOFF: Duration = Duration::from_secs(600);

vocabulary!(
    /// A fault in one key device's power protection.
    Problem {
        NoUps = "no_ups" / "UPS未接続",
        InsufficientRuntime = "insufficient_runtime" / "給電時間不足",
        BatteryDue = "battery_due" / "バッテリー交換時期",
        NoSurgeProtection = "no_surge_protection" / "雷サージ対策なし",
        OnBattery = "on_battery" / "バッテリー運転中",
        LowBattery = "low_battery" / "バッテリー残量低下",
        UpsUnreachable = "ups_unreachable" / "UPS応答なし",
    }
);

vocabulary!(
    /// A status change the poller saw.
    EventKind {
        OnBattery = "on_battery" / "停電（バッテリー運転に切替）",
        LowBattery = "low_battery" / "バッテリー残量低下",
        OnMains = "on_mains" / "商用電源に復帰",
        ReplaceBattery = "replace_battery" / "バッテリー交換要求",
        Unreachable = "unreachable" / "UPS応答なし",
        Reachable = "reachable" / "UPS応答回復",
    }
);

vocabulary!(
    /// Result of a UPS self-test (自己診断).
    SelfTestResult {
        Pass = "pass" / "正常",
        Fail = "fail" / "異常",
    }
);

/// Where a runtime figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeSource {
    /// `battery.runtime` from the latest NUT reading.
    Live,
    /// The rated runtime in the UPS record.
    Rated,
}

/// The flags of a NUT `ups.status` value (`OL`, `OB LB`, `OL CHRG RB`…).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusFlags {
    pub on_line: bool,
    pub on_battery: bool,
    pub low_battery: bool,
    pub replace_battery: bool,
}

pub fn status_flags(status: &str) -> StatusFlags {
    let mut flags = StatusFlags::default();
    for word in status.split_whitespace() {
        match word {
            "OL" => flags.on_line = true,
            "OB" => flags.on_battery = true,
            "LB" => flags.low_battery = true,
            "RB" => flags.replace_battery = true,
            _ => {}
        }
    }
    flags
}

/// The latest NUT reading of a UPS, as far as coverage cares.
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    pub reachable: bool,
    pub status: Option<String>,
    pub runtime_s: Option<i64>,
}

/// What is known about the UPS a key device hangs on.
#[derive(Debug, Clone, PartialEq)]
pub struct UpsFacts {
    /// From the UPS record; `None` when its details were never entered.
    pub rated_runtime_min: Option<i32>,
    pub battery_replace_due: Option<NaiveDate>,
    /// The latest reading, when the UPS is polled and has been read at least once.
    pub live: Option<Live>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeviceFacts {
    pub surge_protection: Option<SurgeProtection>,
    pub required_shutdown_min: Option<i32>,
    /// `None`: no UPS linked (or the linked device is not an in-use UPS).
    pub ups: Option<UpsFacts>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub runtime_min: Option<i64>,
    pub runtime_source: Option<RuntimeSource>,
    pub problems: Vec<Problem>,
}

/// The 第6条 check of one key device on `today`.
///
/// - `no_ups`: no UPS linked.
/// - `insufficient_runtime`: the runtime (live when known, else rated) is shorter than the
///   minutes the device needs to shut down, or either figure is unknown (an auditor cannot
///   confirm 給電時間 ≥ 必要停止時間 without both).
/// - `battery_due`: the replacement date is past or within [`BATTERY_DUE_WITHIN_DAYS`], or the
///   UPS itself reports `RB`.
/// - `no_surge_protection`: none recorded, `none`, or `ups` without a UPS.
/// - `on_battery`, `low_battery`: the latest reading says `OB`, `LB`.
/// - `ups_unreachable`: the latest poll failed.
pub fn assess(device: &DeviceFacts, today: NaiveDate) -> Assessment {
    let mut problems = Vec::new();
    let mut runtime_min = None;
    let mut runtime_source = None;
    match &device.ups {
        None => problems.push(Problem::NoUps),
        Some(ups) => {
            let live = ups.live.as_ref().filter(|l| l.reachable);
            if let Some(seconds) = live.and_then(|l| l.runtime_s) {
                runtime_min = Some(seconds.max(0) / 60);
                runtime_source = Some(RuntimeSource::Live);
            } else if let Some(rated) = ups.rated_runtime_min {
                runtime_min = Some(i64::from(rated));
                runtime_source = Some(RuntimeSource::Rated);
            }
            let enough = match (runtime_min, device.required_shutdown_min) {
                (Some(have), Some(need)) => have >= i64::from(need),
                _ => false,
            };
            if !enough {
                problems.push(Problem::InsufficientRuntime);
            }
            let flags = live
                .and_then(|l| l.status.as_deref())
                .map(status_flags)
                .unwrap_or_default();
            let due = ups
                .battery_replace_due
                .is_some_and(|d| (d - today).num_days() <= BATTERY_DUE_WITHIN_DAYS);
            if due || flags.replace_battery {
                problems.push(Problem::BatteryDue);
            }
        }
    }
    let surge_ok = match device.surge_protection {
        Some(SurgeProtection::Spd) => true,
        Some(SurgeProtection::Ups) => device.ups.is_some(),
        Some(SurgeProtection::None) | None => false,
    };
    if !surge_ok {
        problems.push(Problem::NoSurgeProtection);
    }
    if let Some(live) = device.ups.as_ref().and_then(|u| u.live.as_ref()) {
        if live.reachable {
            let flags = live.status.as_deref().map(status_flags).unwrap_or_default();
            if flags.on_battery {
                problems.push(Problem::OnBattery);
            }
            if flags.low_battery {
                problems.push(Problem::LowBattery);
            }
        } else {
            problems.push(Problem::UpsUnreachable);
        }
    }
    Assessment {
        runtime_min,
        runtime_source,
        problems,
    }
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    Unreachable,
    Status(String),
}

/// The events between the previous poll and this one. `previous` is the last poll's
/// outcome (`None` before the first); `last_status` the status of the last *reachable*
/// poll, so that a UPS coming back from unreachable is compared with what it said last.
pub fn events_between(
    previous: Option<&Observation>,
    last_status: Option<&str>,
    now: &Observation,
) -> Vec<EventKind> {
    let mut events = Vec::new();
    match now {
        Observation::Unreachable => {
            if previous != Some(&Observation::Unreachable) {
                events.push(EventKind::Unreachable);
            }
        }
        Observation::Status(status) => {
            if previous == Some(&Observation::Unreachable) {
                events.push(EventKind::Reachable);
            }
            let before = last_status.map(status_flags).unwrap_or_default();
            let after = status_flags(status);
            if after.on_battery && !before.on_battery {
                events.push(EventKind::OnBattery);
            }
            if after.low_battery && !before.low_battery {
                events.push(EventKind::LowBattery);
            }
            if before.on_battery && !after.on_battery && after.on_line {
                events.push(EventKind::OnMains);
            }
            if after.replace_battery && !before.replace_battery {
                events.push(EventKind::ReplaceBattery);
            }
        }
    }
    events
}

/// How long to leave a UPS alone after `failures` polls in a row failed: nothing after a
/// success, then the interval doubling per failure, at most [`MAX_BACKOFF`].
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let factor = 1u32 << (failures - 1).min(16);
    interval.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Whether a NUT address may name `port`: one of `DAICHO_NUT_PORTS`.
pub fn nut_port_allowed(port: i64, allowed: &[u16]) -> bool {
    u16::try_from(port).is_ok_and(|p| allowed.contains(&p))
}

/// What the form says when the port is not among them.
pub fn nut_ports_message(allowed: &[u16]) -> String {
    let list: Vec<String> = allowed.iter().map(u16::to_string).collect();
    format!(
        "NUTのポートは {} だけを指定できます（DAICHO_NUT_PORTS）。",
        list.join(", ")
    )
}

/// A host name or address NUT may be reached at: no spaces, no control characters.
pub fn valid_nut_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
}

/// A NUT UPS name (`[dummy]` in ups.conf): it travels inside protocol lines.
pub fn valid_nut_ups_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests;
