//! Who is inside each zone now, for evacuation (第5条).

use crate::access::model;
use crate::access::rules;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::register::model as register;
use chrono::NaiveDateTime;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OccupantView {
    pub permit_id: i64,
    pub permit_number: String,
    pub name: String,
    pub organization: Option<String>,
    pub kind: String,
    pub escort_required: bool,
    pub escort_name: Option<String>,
    pub entry_event_id: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    pub entered_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "crate::kit::time::serialize_utc")]
    pub valid_until: NaiveDateTime,
    /// Still inside after the permit's window.
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Occupancy {
    pub zone_id: i64,
    pub zone_code: String,
    pub zone_name: String,
    pub count: usize,
    pub overdue: usize,
    pub people: Vec<OccupantView>,
}

/// Who is inside a zone now (evacuation list). Guards, the zone's managers,
/// auditors and admins.
pub fn occupancy(conn: &mut DbConn, by: &Principal, zone_id: i64) -> Result<Occupancy, AppError> {
    let zone = match register::find_zone(conn, zone_id) {
        Ok(z) => z,
        Err(diesel::result::Error::NotFound) => {
            return Err(AppError::not_found("指定された区域が見つかりません。"));
        }
        Err(e) => return Err(e.into()),
    };
    if !by.has_any(&[Role::Admin, Role::Auditor, Role::Guard])
        && !register::is_zone_manager(conn, zone_id, by.id)?
    {
        return Err(AppError::forbidden(
            "forbidden",
            "在室者を閲覧できるのは、警備・受付、区域の管理者、監査担当、システム管理者です。",
        ));
    }
    let now = db::now();
    let rows = model::occupancy(conn, zone_id)?;
    let (presences, permits): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
    let views = super::permits::views(conn, permits, now, &super::permits::CodeReaders::nobody())?;
    let people: Vec<OccupantView> = presences
        .into_iter()
        .zip(views)
        .map(|(presence, v)| OccupantView {
            permit_id: v.id,
            permit_number: v.number,
            name: v.holder_name,
            organization: v.organization,
            kind: v.holder_kind,
            escort_required: v.escort_required,
            escort_name: v.escort_name,
            entry_event_id: presence.entry_event_id,
            entered_at: presence.entered_at,
            valid_until: v.valid_until,
            overdue: rules::overdue(v.valid_until, now),
        })
        .collect();
    Ok(Occupancy {
        zone_id,
        zone_code: zone.code,
        zone_name: zone.name,
        count: people.len(),
        overdue: people.iter().filter(|p| p.overdue).count(),
        people,
    })
}

/// Every zone the person may see the occupants of, with its occupants: all for
/// guards, auditors and admins, the managed ones for a manager, 403 for anyone else.
pub fn occupancy_everywhere(conn: &mut DbConn, by: &Principal) -> Result<Vec<Occupancy>, AppError> {
    let managed = register::zones_managed_by(conn, by.id)?;
    let everyone = by.has_any(&[Role::Admin, Role::Auditor, Role::Guard]);
    if !everyone && managed.is_empty() {
        return Err(AppError::forbidden(
            "forbidden",
            "在室者を閲覧できるのは、警備・受付、区域の管理者、監査担当、システム管理者です。",
        ));
    }
    let mut out = Vec::new();
    for (id, _, _) in model::active_zones(conn)? {
        if everyone || managed.contains(&id) {
            out.push(occupancy(conn, by, id)?);
        }
    }
    Ok(out)
}

/// The zones a person may work the gate of, `(id, "code name")`: every active
/// zone for guards, the managed ones for a manager.
pub fn gate_zones(conn: &mut DbConn, by: &Principal) -> Result<Vec<(i64, String)>, AppError> {
    let all = model::active_zones(conn)?;
    let managed = register::zones_managed_by(conn, by.id)?;
    Ok(all
        .into_iter()
        .filter(|(id, _, _)| by.has(Role::Guard) || managed.contains(id))
        .map(|(id, code, name)| (id, format!("{code} {name}")))
        .collect())
}
