//! Controlled zones (管理区域) and who manages each (第5条).

use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::model as identity_model;
use crate::identity::rules::normalize_code;
use crate::identity::{Principal, Role};
use crate::kit::text::{clean_optional, clean_text};
use crate::register::model::{self, NewZone, Zone, ZoneChanges};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ZoneView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub location: Option<String>,
    pub manager_ids: Vec<i64>,
    pub active: bool,
}

impl ZoneView {
    fn of(zone: Zone, manager_ids: Vec<i64>) -> ZoneView {
        ZoneView {
            id: zone.id,
            code: zone.code,
            name: zone.name,
            department_id: zone.department_id,
            location: zone.location,
            manager_ids,
            active: zone.active,
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub manager_ids: Vec<i64>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZonePatch {
    pub name: Option<String>,
    pub department_id: Option<i64>,
    pub manager_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "crate::kit::patch::double_option")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
    pub active: Option<bool>,
}

pub fn list_zones(conn: &mut DbConn) -> Result<Vec<ZoneView>, AppError> {
    let zones = model::list_zones(conn)?;
    let ids: Vec<i64> = zones.iter().map(|z| z.id).collect();
    let mut managers = model::managers_of_zones(conn, &ids)?;
    Ok(zones
        .into_iter()
        .map(|z| {
            let m = managers.remove(&z.id).unwrap_or_default();
            ZoneView::of(z, m)
        })
        .collect())
}

pub fn get_zone(conn: &mut DbConn, id: i64) -> Result<ZoneView, AppError> {
    let zone = model::find_zone(conn, id)?;
    let managers = model::zone_manager_ids(conn, id)?;
    Ok(ZoneView::of(zone, managers))
}

/// Managers must be active security managers: the people 第5条 lets approve entry.
fn check_managers(
    conn: &mut DbConn,
    ids: &[i64],
    errors: &mut BTreeMap<String, String>,
) -> Result<Vec<i64>, AppError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        errors.insert(
            "manager_ids".into(),
            "管理するセキュリティ管理者を1人以上指定してください。".into(),
        );
    }
    for id in &ids {
        let ok = match identity_model::find_user(conn, *id) {
            Ok(user) => {
                user.active && identity_model::roles_of(conn, *id)?.contains(&Role::SecurityManager)
            }
            Err(diesel::result::Error::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !ok {
            errors.insert(
                "manager_ids".into(),
                format!("利用者 {id} は有効なセキュリティ管理者ではありません。"),
            );
        }
    }
    Ok(ids)
}

fn check_department(
    conn: &mut DbConn,
    id: i64,
    errors: &mut BTreeMap<String, String>,
) -> Result<(), AppError> {
    match identity_model::find_department(conn, id) {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::NotFound) => {
            errors.insert(
                "department_id".into(),
                "指定された所属がありません。".into(),
            );
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

pub fn create_zone(
    conn: &mut DbConn,
    by: &Principal,
    input: &ZoneInput,
) -> Result<ZoneView, AppError> {
    by.require_any(&[Role::Admin])?;
    db::write_tx(conn, |conn| {
        let mut errors = BTreeMap::new();
        let code = normalize_code(&input.code)
            .map_err(|e| errors.insert("code".into(), e.into()))
            .ok();
        let name = clean_text(&input.name, 100)
            .map_err(|e| errors.insert("name".into(), e))
            .ok();
        let location = clean_optional(input.location.as_deref(), 200)
            .map_err(|e| errors.insert("location".into(), e))
            .ok();
        check_department(conn, input.department_id, &mut errors)?;
        let managers = check_managers(conn, &input.manager_ids, &mut errors)?;
        if let Some(err) = AppError::invalid_fields(errors) {
            return Err(err);
        }
        let (code, name, location) = (
            code.unwrap_or_default(),
            name.unwrap_or_default(),
            location.unwrap_or_default(),
        );
        if model::zone_code_taken(conn, &code)? {
            return Err(AppError::conflict(
                "duplicate_code",
                format!("区域コード {code} は既に登録されています。"),
            ));
        }
        let now = db::now();
        let zone = model::insert_zone(
            conn,
            &NewZone {
                code: &code,
                name: &name,
                department_id: input.department_id,
                location: location.as_deref(),
                active: true,
                created_at: now,
                updated_at: now,
            },
        )?;
        model::set_zone_managers(conn, zone.id, &managers)?;
        audit::record(
            conn,
            &by.actor(),
            "zone.create",
            "zone",
            &zone.id.to_string(),
            json!({ "code": zone.code, "name": zone.name, "department_id": zone.department_id, "manager_ids": managers }),
        )?;
        Ok(ZoneView::of(zone, managers))
    })
}

pub fn update_zone(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    patch: &ZonePatch,
) -> Result<ZoneView, AppError> {
    by.require_any(&[Role::Admin])?;
    db::write_tx(conn, |conn| {
        let before = get_zone(conn, id)?;
        let mut errors = BTreeMap::new();
        let name = match &patch.name {
            Some(n) => clean_text(n, 100)
                .map_err(|e| errors.insert("name".into(), e))
                .ok(),
            None => None,
        };
        let location = match &patch.location {
            Some(l) => clean_optional(l.as_deref(), 200)
                .map_err(|e| errors.insert("location".into(), e))
                .ok(),
            None => None,
        };
        if let Some(dept) = patch.department_id {
            check_department(conn, dept, &mut errors)?;
        }
        let managers = match &patch.manager_ids {
            Some(ids) => Some(check_managers(conn, ids, &mut errors)?),
            None => None,
        };
        if let Some(err) = AppError::invalid_fields(errors) {
            return Err(err);
        }
        let changes = ZoneChanges {
            name,
            department_id: patch.department_id,
            location,
            active: patch.active,
            updated_at: Some(db::now()),
        };
        let zone = model::update_zone(conn, id, &changes)?;
        if let Some(managers) = &managers {
            model::set_zone_managers(conn, id, managers)?;
        }
        let after = ZoneView::of(zone, managers.unwrap_or_else(|| before.manager_ids.clone()));
        audit::record(
            conn,
            &by.actor(),
            "zone.update",
            "zone",
            &id.to_string(),
            json!({ "before": before_json(&before), "after": before_json(&after) }),
        )?;
        Ok(after)
    })
}

fn before_json(z: &ZoneView) -> serde_json::Value {
    json!({ "name": z.name, "department_id": z.department_id, "location": z.location, "manager_ids": z.manager_ids, "active": z.active })
}

/// Every zone's row, by code: for pages that offer a zone to choose.
pub fn zone_rows(conn: &mut DbConn) -> Result<Vec<Zone>, AppError> {
    Ok(model::list_zones(conn)?)
}

/// Every zone as `(id, "code name")`, by code, for a select.
pub fn zone_choices(conn: &mut DbConn) -> Result<Vec<(i64, String)>, AppError> {
    Ok(zone_rows(conn)?
        .into_iter()
        .map(|z| (z.id, format!("{} {}", z.code, z.name)))
        .collect())
}

/// One zone's row, or 404.
pub fn find_zone_row(conn: &mut DbConn, id: i64) -> Result<Zone, AppError> {
    Ok(model::find_zone(conn, id)?)
}

/// The zones `user_id` manages now.
pub fn zones_managed_by(conn: &mut DbConn, user_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(model::zones_managed_by(conn, user_id)?)
}

/// Whether `user_id` manages `zone_id` now.
pub fn is_zone_manager(conn: &mut DbConn, zone_id: i64, user_id: i64) -> Result<bool, AppError> {
    Ok(model::is_zone_manager(conn, zone_id, user_id)?)
}

/// The people a zone can be given to: active security managers, by login, as
/// `(id, "name（login）")`.
pub fn manager_choices(conn: &mut DbConn) -> Result<Vec<(i64, String)>, AppError> {
    let mut people = crate::identity::service::active_with_role(conn, Role::SecurityManager)?;
    people.sort_by(|a, b| a.2.cmp(&b.2));
    Ok(people
        .into_iter()
        .map(|(id, name, login)| (id, format!("{name}（{login}）")))
        .collect())
}
