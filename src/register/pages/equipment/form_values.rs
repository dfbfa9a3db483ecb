//! What the create/edit form posts, and its parsing into the service's types
//! with a fault per field.

use super::*;

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct EquipmentForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) asset_tag: String,
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) kind: String,
    pub(super) key_equipment: Option<String>,
    #[serde(default)]
    pub(super) department_id: String,
    #[serde(default)]
    pub(super) zone_id: String,
    #[serde(default)]
    pub(super) building: String,
    #[serde(default)]
    pub(super) floor: String,
    #[serde(default)]
    pub(super) room: String,
    #[serde(default)]
    pub(super) rack: String,
    #[serde(default)]
    pub(super) unit: String,
    #[serde(default)]
    pub(super) manufacturer: String,
    #[serde(default)]
    pub(super) model: String,
    #[serde(default)]
    pub(super) serial_number: String,
    #[serde(default)]
    pub(super) classification: String,
    #[serde(default)]
    pub(super) status: String,
    #[serde(default)]
    pub(super) installed_on: String,
    #[serde(default)]
    pub(super) ups_asset_tag: String,
    #[serde(default)]
    pub(super) surge_protection: String,
    #[serde(default)]
    pub(super) required_shutdown_min: String,
    #[serde(default)]
    pub(super) notes: String,
}

/// The values of a form that parse into the service's types, and faults for those that do not.
pub(super) struct Parsed {
    pub(super) kind: Kind,
    pub(super) classification: Classification,
    pub(super) status: Status,
    pub(super) department_id: i64,
    pub(super) zone_id: Option<i64>,
    pub(super) installed_on: Option<NaiveDate>,
    pub(super) surge_protection: Option<SurgeProtection>,
    pub(super) required_shutdown_min: Option<i32>,
    pub(super) location: LocationInput,
}

impl EquipmentForm {
    pub(super) fn of(e: &EquipmentView) -> EquipmentForm {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        EquipmentForm {
            csrf: String::new(),
            asset_tag: e.asset_tag.clone(),
            name: e.name.clone(),
            kind: e.kind.as_str().into(),
            key_equipment: e.key_equipment.then(|| "on".into()),
            department_id: e.department_id.to_string(),
            zone_id: e.zone_id.map(|z| z.to_string()).unwrap_or_default(),
            building: o(&e.location.building),
            floor: o(&e.location.floor),
            room: o(&e.location.room),
            rack: o(&e.location.rack),
            unit: o(&e.location.unit),
            manufacturer: o(&e.manufacturer),
            model: o(&e.model),
            serial_number: o(&e.serial_number),
            classification: e.classification.as_str().into(),
            status: e.status.as_str().into(),
            installed_on: e.installed_on.map(|d| d.to_string()).unwrap_or_default(),
            ups_asset_tag: o(&e.ups_asset_tag),
            surge_protection: e
                .surge_protection
                .map(|s| s.as_str().into())
                .unwrap_or_default(),
            required_shutdown_min: e
                .required_shutdown_min
                .map(|m| m.to_string())
                .unwrap_or_default(),
            notes: o(&e.notes),
        }
    }

    pub(super) fn parse(&self) -> (Parsed, Errors) {
        let mut errors = Errors::new();
        let mut fault = |field: &str, message: &str| {
            errors.insert(field.to_owned(), message.to_owned());
        };
        let kind = Kind::parse(&self.kind).unwrap_or_else(|| {
            fault("kind", "種別を選んでください。");
            Kind::Other
        });
        let classification = Classification::parse(&self.classification).unwrap_or_else(|| {
            fault("classification", "情報区分を選んでください。");
            Classification::Secret
        });
        let status = match self.status.as_str() {
            "" => Status::InService,
            s => Status::parse(s).unwrap_or_else(|| {
                fault("status", "状態を選んでください。");
                Status::InService
            }),
        };
        let department_id = self.department_id.trim().parse().unwrap_or_else(|_| {
            fault("department_id", "所管課を選んでください。");
            0
        });
        let zone_id = match self.zone_id.trim() {
            "" => None,
            z => z
                .parse()
                .map_err(|_| fault("zone_id", "管理区域を選び直してください。"))
                .ok(),
        };
        let installed_on = match self.installed_on.trim() {
            "" => None,
            d => crate::kit::time::parse_date(d).or_else(|| {
                let message = crate::kit::time::date_format_message(crate::db::now());
                fault("installed_on", &message);
                None
            }),
        };
        let surge_protection = match self.surge_protection.as_str() {
            "" => None,
            s => SurgeProtection::parse(s).or_else(|| {
                fault("surge_protection", "サージ保護を選び直してください。");
                None
            }),
        };
        let required_shutdown_min = crate::kit::text::parse_number(&self.required_shutdown_min)
            .unwrap_or_else(|()| {
                fault("required_shutdown_min", "分を整数で入力してください。");
                None
            });
        let location = LocationInput {
            building: opt(&self.building),
            floor: opt(&self.floor),
            room: opt(&self.room),
            rack: opt(&self.rack),
            unit: opt(&self.unit),
        };
        (
            Parsed {
                kind,
                classification,
                status,
                department_id,
                zone_id,
                installed_on,
                surge_protection,
                required_shutdown_min,
                location,
            },
            errors,
        )
    }
}
