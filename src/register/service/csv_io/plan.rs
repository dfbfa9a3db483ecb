//! Checking one import row against the register: parsing its cells, resolving
//! its references from look-ups loaded once, and the writer's rights.

use super::rows::Record;
use super::*;

fn parse_vocab<T: Copy>(
    all: &[T],
    text: &str,
    wire: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Option<T> {
    let lower = text.to_ascii_lowercase();
    all.iter()
        .copied()
        .find(|v| wire(*v) == lower || label(*v) == text)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "" | "いいえ" | "0" | "false" | "no" | "×" | "-" => Some(false),
        "はい" | "1" | "true" | "yes" | "○" | "〇" | "◯" => Some(true),
        _ => None,
    }
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d"))
        .ok()
}

/// A row checked and ready to write.
pub(super) struct Planned {
    pub(super) line: u64,
    pub(super) fields: EquipmentFields,
    pub(super) ups_tag: Option<String>,
    pub(super) existing: Option<Equipment>,
}

/// What the rows refer to, loaded once.
pub(super) struct Lookups {
    pub(super) departments: HashMap<String, i64>,
    pub(super) zones: HashMap<String, Zone>,
    pub(super) managed: HashSet<i64>,
    pub(super) existing: HashMap<String, Equipment>,
    /// Kinds of every device a UPS column may name: stored ones, then the file's.
    pub(super) kinds: HashMap<String, String>,
}

fn may_write(by: &Principal, l: &Lookups, department_id: i64, zone_id: Option<i64>) -> bool {
    by.has(Role::Operator)
        || (by.has(Role::SecurityManager)
            && (by.department_id == Some(department_id)
                || zone_id.is_some_and(|z| l.managed.contains(&z))))
}

pub(super) fn plan_row(
    row: &Record<'_>,
    by: &Principal,
    l: &Lookups,
    seen: &mut HashMap<String, u64>,
    line: u64,
) -> Result<Planned, String> {
    let cell = |name: &str| row.cell(name);
    let mut errors = Faults::new();
    let kind = match parse_vocab(Kind::ALL, cell("種別"), Kind::as_str, Kind::label) {
        Some(k) => k,
        None => {
            errors.insert(
                "kind".into(),
                format!("「{}」は種別ではありません。", cell("種別")),
            );
            Kind::Other
        }
    };
    let classification = match parse_vocab(
        Classification::ALL,
        cell("情報区分"),
        Classification::as_str,
        Classification::label,
    ) {
        Some(c) => c,
        None => {
            errors.insert(
                "classification".into(),
                "秘密情報 または 一般情報 を入力してください。".into(),
            );
            Classification::Secret
        }
    };
    let status = match cell("状態") {
        "" => Status::InService,
        s => parse_vocab(Status::ALL, s, Status::as_str, Status::label).unwrap_or_else(|| {
            errors.insert("status".into(), format!("「{s}」は状態ではありません。"));
            Status::InService
        }),
    };
    let key_equipment = parse_bool(cell("主要機器")).unwrap_or_else(|| {
        errors.insert(
            "key_equipment".into(),
            "はい または いいえ を入力してください。".into(),
        );
        false
    });
    let department_id = match l
        .departments
        .get(&cell("所管課コード").to_ascii_uppercase())
    {
        Some(id) => *id,
        None => {
            errors.insert(
                "department_id".into(),
                format!(
                    "所管課コード「{}」は登録されていません。",
                    cell("所管課コード")
                ),
            );
            0
        }
    };
    let zone_id = match cell("管理区域コード") {
        "" => None,
        code => match l.zones.get(&code.to_ascii_uppercase()) {
            Some(z) if z.active => Some(z.id),
            Some(_) => {
                errors.insert("zone_id".into(), "この管理区域は廃止されています。".into());
                None
            }
            None => {
                errors.insert(
                    "zone_id".into(),
                    format!("管理区域コード「{code}」は登録されていません。"),
                );
                None
            }
        },
    };
    let installed_on = match cell("設置日") {
        "" => None,
        d => parse_date(d).or_else(|| {
            errors.insert(
                "installed_on".into(),
                "日付を YYYY-MM-DD で入力してください。".into(),
            );
            None
        }),
    };
    let surge_protection = match cell("サージ保護") {
        "" => None,
        s => parse_vocab(
            SurgeProtection::ALL,
            s,
            SurgeProtection::as_str,
            SurgeProtection::label,
        )
        .or_else(|| {
            errors.insert(
                "surge_protection".into(),
                format!("「{s}」はサージ保護の区分ではありません。"),
            );
            None
        }),
    };
    let required_shutdown_min = crate::kit::text::parse_number::<i32>(cell("必要停止時間（分）"))
        .unwrap_or_else(|()| {
            errors.insert(
                "required_shutdown_min".into(),
                "分を整数で入力してください。".into(),
            );
            None
        });
    let ups_tag = match cell("UPS資産番号") {
        "" => None,
        t => match normalize_tag(t) {
            Ok(tag) => Some(tag),
            Err(e) => {
                errors.insert("ups_asset_tag".into(), e.message());
                None
            }
        },
    };
    let opt = |name: &str| Some(cell(name).to_owned()).filter(|s| !s.is_empty());
    let input = EquipmentInput {
        asset_tag: cell("資産番号").to_owned(),
        name: cell("機器名").to_owned(),
        kind,
        key_equipment,
        department_id,
        zone_id,
        location: Some(LocationInput {
            building: opt("建物"),
            floor: opt("階"),
            room: opt("部屋"),
            rack: opt("ラック"),
            unit: opt("ユニット"),
        }),
        manufacturer: opt("メーカー"),
        model: opt("型番"),
        serial_number: opt("製造番号"),
        classification,
        status: Some(Status::InService),
        installed_on,
        ups_asset_tag: None,
        surge_protection,
        required_shutdown_min,
        notes: opt("備考"),
    };
    let mut fields = fields_of_input(&input, &mut errors);
    fields.status = status.as_str().to_owned();
    if fields
        .required_shutdown_min
        .is_some_and(|m| !(0..=1440).contains(&m))
    {
        errors.insert(
            "required_shutdown_min".into(),
            "0〜1440（分）で入力してください。".into(),
        );
    }
    let existing = l.existing.get(&fields.asset_tag).cloned();
    if !fields.asset_tag.is_empty() {
        if let Some(first) = seen.get(&fields.asset_tag) {
            errors.insert(
                "asset_tag".into(),
                format!(
                    "資産番号 {} は {first} 行目にもあります。",
                    fields.asset_tag
                ),
            );
        } else {
            seen.insert(fields.asset_tag.clone(), line);
        }
    }
    let current_status = existing.as_ref().map(|e| e.status.as_str());
    if workflow_status(status) && current_status != Some(status.as_str()) {
        errors.insert(
            "status".into(),
            "廃棄済・持出中は廃棄・持出の手続きで設定されます。".into(),
        );
    }
    if errors.is_empty() {
        let allowed = may_write(by, l, fields.department_id, fields.zone_id)
            && existing
                .as_ref()
                .is_none_or(|e| may_write(by, l, e.department_id, e.zone_id));
        if !allowed {
            return Err(
                "この行の機器を登録・変更する権限がありません（所管課または管理区域が担当外です）。"
                    .into(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|(field, message)| format!("{}: {message}", column_of(field)))
            .collect::<Vec<_>>()
            .join(" "));
    }
    if let Some(e) = &existing
        && e.status == Status::Disposed.as_str()
    {
        // A disposed record stays as it was; an identical row is fine.
        let mut same = EquipmentFields::of(e);
        same.updated_at = fields.updated_at;
        let unchanged = format!("{:?}", strip_ups(&same)) == format!("{:?}", strip_ups(&fields));
        if !unchanged {
            return Err(format!(
                "機器 {} は廃棄済のため変更できません。",
                e.asset_tag
            ));
        }
    }
    Ok(Planned {
        line,
        fields,
        ups_tag,
        existing,
    })
}

fn strip_ups(f: &EquipmentFields) -> EquipmentFields {
    let mut f = f.clone();
    f.ups_equipment_id = None;
    f
}
