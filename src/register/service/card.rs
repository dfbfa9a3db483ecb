//! What a scanned label's page shows: the device, where it belongs, and the
//! stocktake the person could confirm it in right there.

use crate::db::DbConn;
use crate::error::{AppError, Failure};
use crate::identity::Principal;
use crate::register::model::Equipment;
use crate::register::stocktake::service::{self as stocktake, StocktakeView};

pub struct DeviceCard {
    pub equipment: Equipment,
    pub department: String,
    pub zone: Option<String>,
    /// The open stocktake of the device's zone that this person may scan in.
    pub stocktake: Option<StocktakeView>,
    /// Already scanned in that stocktake: nothing left to confirm.
    pub confirmed: bool,
    /// Its 無許可持出 no manager has settled yet, by movement number.
    pub unsettled_unauthorised: Vec<i64>,
}

/// The card of the device `tag` names (already normalised); 404 when unknown.
pub fn device_card(conn: &mut DbConn, by: &Principal, tag: &str) -> Result<DeviceCard, AppError> {
    let equipment = super::device_by_tag(conn, tag).map_err(|e| match e.kind {
        // Whoever scanned a label stands at the device: the label is what to check.
        Failure::NotFound => AppError::not_found(format!(
            "資産番号 {tag} の機器は台帳に登録されていません。ラベルを確認してください。"
        )),
        _ => e,
    })?;
    let department = crate::identity::service::find_department(conn, equipment.department_id)?.name;
    let (zone, open) = match equipment.zone_id {
        Some(z) => (
            Some(super::find_zone_row(conn, z)?.name),
            stocktake::open_for_scanning(conn, by, z)?,
        ),
        None => (None, None),
    };
    let confirmed = match &open {
        Some(s) => stocktake::already_scanned(conn, s.id, &equipment.asset_tag)?,
        None => false,
    };
    let unsettled_unauthorised =
        super::movements::unsettled_unauthorised(conn, Some(equipment.id))?
            .into_iter()
            .map(|m| m.id)
            .collect();
    Ok(DeviceCard {
        unsettled_unauthorised,
        equipment,
        department,
        zone,
        stocktake: open,
        confirmed,
    })
}
