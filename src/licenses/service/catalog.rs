//! Software products, licenses and the compliance figures (第15条).

use super::Faults;
use crate::audit;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::kit::excel::CsvWriter;
use crate::kit::text::{clean_name, clean_optional, clean_text};
use crate::licenses::model::{self, License, NewLicense, NewSoftware, Software};
use crate::licenses::rules::{self, Entitlement, LicenseKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SoftwareInput {
    pub name: String,
    pub vendor: String,
    pub edition: Option<String>,
}

/// A software product (admin or a security manager).
pub fn create_software(
    conn: &mut DbConn,
    by: &Principal,
    input: &SoftwareInput,
) -> Result<Software, AppError> {
    by.require_any(&[Role::Admin, Role::SecurityManager])?;
    let mut faults = Faults::new();
    let name = clean_text(&input.name, 200)
        .map_err(|e| faults.insert("name".into(), e))
        .ok();
    let vendor = clean_name(&input.vendor, 200)
        .map_err(|e| faults.insert("vendor".into(), e))
        .ok();
    let edition = clean_optional(input.edition.as_deref(), 100)
        .map_err(|e| faults.insert("edition".into(), e))
        .ok()
        .flatten();
    if let Some(err) = AppError::invalid_fields(faults) {
        return Err(err);
    }
    let (name, vendor) = (name.unwrap_or_default(), vendor.unwrap_or_default());
    db::write_tx(conn, |conn| {
        if model::software_taken(conn, &name, &vendor, edition.as_deref())? {
            return Err(AppError::conflict(
                "duplicate_software",
                format!("{vendor} {name} は既に登録されています。"),
            ));
        }
        let row = model::insert_software(
            conn,
            &NewSoftware {
                name: &name,
                vendor: &vendor,
                edition: edition.as_deref(),
                created_at: db::now(),
            },
        )?;
        audit::record(
            conn,
            &by.actor(),
            "software.create",
            "software",
            &row.id.to_string(),
            json!({ "name": row.name, "vendor": row.vendor, "edition": row.edition }),
        )?;
        Ok(row)
    })
}

pub fn list_software(conn: &mut DbConn, by: &Principal) -> Result<Vec<Software>, AppError> {
    by.require_any(super::READERS)?;
    Ok(model::list_software(conn)?)
}

/// The software an install request can name: the whole catalogue, offered to
/// every requester (who need not be a reader of the license register).
pub fn requestable_software(conn: &mut DbConn) -> Result<Vec<Software>, AppError> {
    Ok(model::list_software(conn)?)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenseInput {
    pub software_id: i64,
    /// `device`, `user`, `site` or `subscription`.
    pub kind: String,
    /// Required except for a site license (absent = no limit).
    pub seats: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub certificate_number: Option<String>,
    pub purchased_on: Option<NaiveDate>,
    pub purchased_from: Option<String>,
    pub purchase_price_yen: Option<i64>,
    pub department_id: i64,
    pub notes: Option<String>,
}

/// A license owned by a department: registered by an admin or that department's security manager.
pub fn create_license(
    conn: &mut DbConn,
    by: &Principal,
    input: &LicenseInput,
) -> Result<License, AppError> {
    by.require_any(&[Role::Admin, Role::SecurityManager])?;
    if !by.has(Role::Admin) && by.department_id != Some(input.department_id) {
        return Err(AppError::forbidden(
            "not_department_manager",
            "自分の所属課のライセンスのみ登録できます。",
        ));
    }
    let mut faults = Faults::new();
    let kind = LicenseKind::parse(&input.kind);
    if kind.is_none() {
        faults.insert(
            "kind".into(),
            "device, user, site, subscription のいずれかを指定してください。".into(),
        );
    }
    match (kind, input.seats) {
        (Some(k), None) if k != LicenseKind::Site => {
            faults.insert("seats".into(), "数量を入力してください。".into());
        }
        (_, Some(n)) if !(1..=1_000_000).contains(&n) => {
            faults.insert("seats".into(), "数量は1〜1000000です。".into());
        }
        _ => {}
    }
    if let (Some(from), Some(until)) = (input.valid_from, input.valid_until)
        && until < from
    {
        faults.insert(
            "valid_until".into(),
            "有効期限は開始日以降にしてください。".into(),
        );
    }
    if input.purchase_price_yen.is_some_and(|p| p < 0) {
        faults.insert(
            "purchase_price_yen".into(),
            "0以上で入力してください。".into(),
        );
    }
    let mut text = |field: &str, value: Option<&str>, max: usize| {
        clean_optional(value, max)
            .map_err(|e| faults.insert(field.into(), e))
            .ok()
            .flatten()
    };
    let certificate_number = text(
        "certificate_number",
        input.certificate_number.as_deref(),
        100,
    );
    let purchased_from = text("purchased_from", input.purchased_from.as_deref(), 200);
    let notes = text("notes", input.notes.as_deref(), 1000);
    if model::find_software(conn, input.software_id)?.is_none() {
        faults.insert(
            "software_id".into(),
            "登録されていないソフトウェアです。".into(),
        );
    }
    if crate::identity::service::list_departments(conn)?
        .iter()
        .all(|d| d.id != input.department_id)
    {
        faults.insert("department_id".into(), "登録されていない所属です。".into());
    }
    if let Some(err) = AppError::invalid_fields(faults) {
        return Err(err);
    }
    let kind = kind.unwrap_or(LicenseKind::Device);
    db::write_tx(conn, |conn| {
        let row = model::insert_license(
            conn,
            &NewLicense {
                software_id: input.software_id,
                kind: kind.as_str().to_owned(),
                seats: input.seats,
                valid_from: input.valid_from,
                valid_until: input.valid_until,
                certificate_number,
                purchased_on: input.purchased_on,
                purchased_from,
                purchase_price_yen: input.purchase_price_yen,
                department_id: input.department_id,
                notes,
                created_by: by.id,
                created_at: db::now(),
            },
        )?;
        audit::record(
            conn,
            &by.actor(),
            "license.create",
            "license",
            &row.id.to_string(),
            json!({
                "software_id": row.software_id, "kind": row.kind, "seats": row.seats,
                "valid_until": row.valid_until, "certificate_number": row.certificate_number,
                "department_id": row.department_id,
            }),
        )?;
        Ok(row)
    })
}

pub fn list_licenses(
    conn: &mut DbConn,
    by: &Principal,
    software_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<License>, i64), AppError> {
    by.require_any(super::READERS)?;
    Ok(model::list_licenses(conn, software_id, offset, limit)?)
}

/// One line of the compliance report: a software product and its figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplianceRow {
    pub software_id: i64,
    pub name: String,
    pub vendor: String,
    pub edition: Option<String>,
    /// Licenses registered (in force or not).
    pub licenses: i64,
    /// Seats of the licenses in force; `null` = unlimited (a site license).
    pub seats: Option<i64>,
    /// Devices (not disposed) on which the software is installed.
    pub installed: i64,
    /// Installations beyond the seats.
    pub over_by: i64,
    /// Days until the first license in force ends; `null` when none ends.
    pub expiring_in_days: Option<i64>,
    pub expired_licenses: i64,
    /// Installations without an approved install request (第14条).
    pub unapproved_installs: i64,
    /// Over-use, unapproved installs, or a license ending within 60 days.
    pub attention: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplianceReport {
    /// The day (Asia/Tokyo) the figures are for.
    pub as_of: NaiveDate,
    pub items: Vec<ComplianceRow>,
}

/// Today in Tokyo.
pub fn today() -> NaiveDate {
    crate::kit::time::to_tokyo(db::now()).date_naive()
}

/// Per software: seats in force against installations on devices still in the
/// register (disposed devices release theirs), with over-use, days to expiry and
/// installs without permission. Three queries whatever the number of products.
pub fn compliance(
    conn: &mut DbConn,
    by: &Principal,
    today: NaiveDate,
) -> Result<ComplianceReport, AppError> {
    by.require_any(super::READERS)?;
    let products = model::list_software(conn)?;
    Ok(ComplianceReport {
        as_of: today,
        items: compliance_rows(conn, products, None, today)?,
    })
}

/// One product's compliance line (used when recording an installation).
pub(crate) fn compliance_of(
    conn: &mut DbConn,
    product: Software,
    today: NaiveDate,
) -> Result<ComplianceRow, AppError> {
    let id = product.id;
    compliance_rows(conn, vec![product], Some(id), today)?
        .pop()
        .ok_or_else(|| AppError::internal("compliance line missing"))
}

fn compliance_rows(
    conn: &mut DbConn,
    products: Vec<Software>,
    only: Option<i64>,
    today: NaiveDate,
) -> Result<Vec<ComplianceRow>, AppError> {
    let mut entitlements: HashMap<i64, Vec<Entitlement>> = HashMap::new();
    for l in model::all_licenses(conn, only)? {
        entitlements
            .entry(l.software_id)
            .or_default()
            .push(Entitlement {
                kind: LicenseKind::stored(&l.kind)?,
                seats: l.seats,
                valid_from: l.valid_from,
                valid_until: l.valid_until,
            });
    }
    // software -> device -> approved?
    let mut devices: HashMap<i64, HashMap<i64, bool>> = HashMap::new();
    for (software_id, equipment_id, approved) in model::counting_installations(conn, only)? {
        let seen = devices.entry(software_id).or_default();
        let entry = seen.entry(equipment_id).or_insert(true);
        *entry = *entry && approved;
    }
    Ok(products
        .into_iter()
        .map(|s| {
            let ents = entitlements.remove(&s.id).unwrap_or_default();
            let on = devices.remove(&s.id).unwrap_or_default();
            let installed = on.len() as i64;
            let unapproved = on.values().filter(|ok| !**ok).count() as i64;
            let c = rules::compliance(&ents, installed, unapproved, today);
            ComplianceRow {
                software_id: s.id,
                name: s.name,
                vendor: s.vendor,
                edition: s.edition,
                licenses: ents.len() as i64,
                attention: rules::needs_attention(&c, rules::EXPIRY_WARNING_DAYS),
                seats: c.seats,
                installed: c.installed,
                over_by: c.over_by,
                expiring_in_days: c.expiring_in_days,
                expired_licenses: c.expired_licenses,
                unapproved_installs: c.unapproved_installs,
            }
        })
        .collect())
}

/// The compliance report as CSV for Excel: UTF-8 with a BOM, CRLF line ends.
pub fn compliance_csv(report: &ComplianceReport) -> String {
    let mut out = CsvWriter::new(&[
        "基準日",
        "ソフトウェア名",
        "ベンダー名",
        "エディション",
        "ライセンス数",
        "保有数量",
        "導入数",
        "超過数",
        "有効期限まで（日）",
        "期限切れライセンス数",
        "未許可導入数",
        "要確認",
    ]);
    for r in &report.items {
        let fields = [
            report.as_of.to_string(),
            r.name.clone(),
            r.vendor.clone(),
            r.edition.clone().unwrap_or_default(),
            r.licenses.to_string(),
            r.seats
                .map_or_else(|| "無制限".to_owned(), |s| s.to_string()),
            r.installed.to_string(),
            r.over_by.to_string(),
            r.expiring_in_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            r.expired_licenses.to_string(),
            r.unapproved_installs.to_string(),
            if r.attention { "要確認" } else { "" }.to_owned(),
        ];
        out.row(fields.iter().map(String::as_str));
    }
    out.finish()
}
