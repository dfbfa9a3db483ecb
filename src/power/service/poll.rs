//! Recording a NUT poll (reading + power events + audit in one transaction) and listing power events.

use super::ups_by_tag;
use crate::audit::{self, Actor};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::kit::time::serialize_utc;
use crate::power::model::{self, NewPowerEvent, NewReading, PowerEvent};
use crate::power::nut::NutReading;
use crate::power::rules::{self, EventKind, Observation};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

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
