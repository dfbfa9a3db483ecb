//! Import: every line checked first, nothing written if one is bad, then one transaction.

use super::*;

/// One bad line of an import.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LineFault {
    pub line: u64,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    /// Rows identical to the stored record (nothing written).
    pub unchanged: u64,
}

#[derive(Debug)]
pub enum ImportError {
    /// Bad lines: nothing was imported.
    Lines(Vec<LineFault>),
    App(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> ImportError {
        ImportError::App(e)
    }
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> ImportError {
        ImportError::App(e.into())
    }
}

impl ImportError {
    /// The message for people (CLI).
    pub fn describe(&self) -> String {
        match self {
            ImportError::App(e) => e.message.clone(),
            ImportError::Lines(lines) => {
                let mut text = format!(
                    "{} 行に誤りがあるため、何も取り込んでいません。",
                    lines.len()
                );
                for l in lines {
                    text.push_str(&format!("\n  {}行目: {}", l.line, l.message));
                }
                text
            }
        }
    }
}

fn one_line(line: u64, message: impl Into<String>) -> ImportError {
    ImportError::Lines(vec![LineFault {
        line,
        message: message.into(),
    }])
}

/// UTF-8 (a BOM is dropped) when the bytes are valid UTF-8, otherwise Shift_JIS.
pub fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text.to_owned()),
        Err(e) => e,
    };
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        // Neither: name the line where UTF-8 stopped making sense.
        let valid = &bytes[..utf8_error.valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        return Err(one_line(
            line,
            "文字コードを判別できません。UTF-8 または Shift_JIS で保存してください。",
        ));
    }
    Ok(text.into_owned())
}

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
struct Planned {
    line: u64,
    fields: EquipmentFields,
    ups_tag: Option<String>,
    existing: Option<Equipment>,
}

/// What the rows refer to, loaded once.
struct Lookups {
    departments: HashMap<String, i64>,
    zones: HashMap<String, Zone>,
    managed: HashSet<i64>,
    existing: HashMap<String, Equipment>,
    /// Kinds of every device a UPS column may name: stored ones, then the file's.
    kinds: HashMap<String, String>,
}

fn may_write(by: &Principal, l: &Lookups, department_id: i64, zone_id: Option<i64>) -> bool {
    by.has(Role::Operator)
        || (by.has(Role::SecurityManager)
            && (by.department_id == Some(department_id)
                || zone_id.is_some_and(|z| l.managed.contains(&z))))
}

/// Imports devices from CSV bytes: rows whose tag exists update that device, the
/// others are created. Every line is checked first; if any is bad nothing is written.
/// `progress(done, total)` is called as rows are written.
pub fn import_equipment(
    conn: &mut DbConn,
    by: &Principal,
    bytes: &[u8],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportOutcome, ImportError> {
    import_as(conn, by, &by.actor(), bytes, progress)
}

/// The command line's import: an operator's rights, recorded as `system:cli`.
pub fn import_equipment_as_system(
    conn: &mut DbConn,
    bytes: &[u8],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportOutcome, ImportError> {
    let system = Principal {
        id: 0,
        username: "system:cli".into(),
        display_name: "コマンドライン".into(),
        roles: vec![Role::Operator],
        department_id: None,
    };
    import_as(conn, &system, &audit::Actor::system("cli"), bytes, progress)
}

fn import_as(
    conn: &mut DbConn,
    by: &Principal,
    actor: &audit::Actor,
    bytes: &[u8],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportOutcome, ImportError> {
    by.require_any(&[Role::Operator, Role::SecurityManager])
        .map_err(|_| {
            AppError::forbidden(
                "forbidden",
                "機器台帳を取り込めるのは運用管理者と、所管課のセキュリティ管理者です。",
            )
        })?;
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| one_line(1, format!("見出し行を読めません: {e}")))?
        .clone();
    let mut columns: HashMap<&'static str, usize> = HashMap::new();
    let mut faults = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        match HEADERS.iter().find(|name| **name == h) {
            Some(name) if columns.contains_key(name) => {
                faults.push(format!("見出し「{h}」が重複しています。"))
            }
            Some(name) => {
                columns.insert(name, i);
            }
            None if h.is_empty() => {}
            None => faults.push(format!("見出し「{h}」は台帳の項目ではありません。")),
        }
    }
    for name in REQUIRED {
        if !columns.contains_key(name) {
            faults.push(format!("見出し「{name}」がありません。"));
        }
    }
    if !faults.is_empty() {
        return Err(one_line(1, faults.join(" ")));
    }
    let mut records = Vec::new();
    let mut lines = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => records.push(r),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() + 1);
                lines.push(LineFault {
                    line,
                    message: format!("CSVとして読めません: {e}"),
                });
            }
        }
    }
    if records.is_empty() && lines.is_empty() {
        return Err(one_line(2, "データ行がありません。"));
    }
    let total = records.len() as u64;
    db::write_tx(conn, |conn| {
        let mut l = Lookups {
            departments: identity_model::list_departments(conn)?
                .into_iter()
                .map(|d| (d.code, d.id))
                .collect(),
            zones: model::list_zones(conn)?
                .into_iter()
                .map(|z| (z.code.clone(), z))
                .collect(),
            managed: model::zones_managed_by(conn, by.id)?.into_iter().collect(),
            existing: HashMap::new(),
            kinds: HashMap::new(),
        };
        // Stored devices the file names (by tag or as a UPS), in chunks.
        let mut wanted: Vec<String> = Vec::new();
        for r in &records {
            for col in ["資産番号", "UPS資産番号"] {
                if let Some(t) = columns.get(col).and_then(|i| r.get(*i))
                    && let Ok(tag) = normalize_tag(from_excel(t))
                {
                    wanted.push(tag);
                }
            }
        }
        wanted.sort_unstable();
        wanted.dedup();
        for chunk in wanted.chunks(1000) {
            for e in model::equipment_by_tags(conn, chunk)? {
                l.kinds.insert(e.asset_tag.clone(), e.kind.clone());
                l.existing.insert(e.asset_tag.clone(), e);
            }
        }
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut planned = Vec::with_capacity(records.len());
        for r in &records {
            // csv counts the line a record starts on from 0 after the header's.
            let line = r.position().map_or(0, |p| p.line() + 1);
            if r.iter().all(|c| c.trim().is_empty()) {
                continue; // a blank line Excel left behind
            }
            let row = Row {
                r,
                columns: &columns,
            };
            match plan_row(&row, by, &l, &mut seen, line) {
                Ok(p) => {
                    l.kinds
                        .insert(p.fields.asset_tag.clone(), p.fields.kind.clone());
                    planned.push(p);
                }
                Err(message) => lines.push(LineFault { line, message }),
            }
        }
        // UPS references are checked once every row of the file is known.
        for p in &planned {
            if let Some(ups) = &p.ups_tag {
                let fault = match l.kinds.get(ups) {
                    None => Some(format!("UPS資産番号: UPS {ups} は登録されていません。")),
                    Some(kind) if kind != Kind::Ups.as_str() => Some(format!(
                        "UPS資産番号: {ups} はUPS（種別 ups）ではありません。"
                    )),
                    Some(_) if *ups == p.fields.asset_tag => {
                        Some("UPS資産番号: 自分自身は指定できません。".to_owned())
                    }
                    Some(_) => None,
                };
                if let Some(message) = fault {
                    lines.push(LineFault {
                        line: p.line,
                        message,
                    });
                }
            }
        }
        if !lines.is_empty() {
            lines.sort_by_key(|f| f.line);
            return Err(ImportError::Lines(lines));
        }
        write_rows(conn, actor, planned, &l, total, progress)
    })
}

/// One CSV record with its columns found by header name.
struct Row<'a> {
    r: &'a csv::StringRecord,
    columns: &'a HashMap<&'static str, usize>,
}

impl<'a> Row<'a> {
    fn cell(&self, name: &str) -> &'a str {
        self.columns
            .get(name)
            .and_then(|i| self.r.get(*i))
            .map(|c| from_excel(c.trim()))
            .unwrap_or("")
    }
}

fn plan_row(
    row: &Row<'_>,
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
    let required_shutdown_min = match cell("必要停止時間（分）") {
        "" => None,
        m => m.parse::<i32>().ok().or_else(|| {
            errors.insert(
                "required_shutdown_min".into(),
                "分を整数で入力してください。".into(),
            );
            None
        }),
    };
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

fn write_rows(
    conn: &mut DbConn,
    actor: &audit::Actor,
    planned: Vec<Planned>,
    l: &Lookups,
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportOutcome, ImportError> {
    let mut ids: HashMap<String, i64> = l
        .existing
        .values()
        .map(|e| (e.asset_tag.clone(), e.id))
        .collect();
    // The UPS tags the stored rows point at now, for the audit's "before".
    let linked: Vec<i64> = l
        .existing
        .values()
        .filter_map(|e| e.ups_equipment_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut linked_tags: HashMap<i64, String> = HashMap::new();
    for chunk in linked.chunks(1000) {
        linked_tags.extend(model::tags_by_id(conn, chunk)?);
    }
    let mut outcome = ImportOutcome::default();
    let mut deferred: Vec<(i64, String)> = Vec::new();
    let now = db::now();
    for (done, p) in planned.into_iter().enumerate() {
        let mut f = p.fields;
        f.updated_at = now;
        f.ups_equipment_id = p.ups_tag.as_ref().and_then(|t| ids.get(t).copied());
        match p.existing {
            None => {
                let created = model::insert_equipment(conn, &f, now)?;
                ids.insert(created.asset_tag.clone(), created.id);
                if let (Some(ups), None) = (&p.ups_tag, f.ups_equipment_id) {
                    deferred.push((created.id, ups.clone()));
                }
                let view = view_of(created, p.ups_tag.clone());
                audit::record(
                    conn,
                    actor,
                    "equipment.create",
                    "equipment",
                    &view.asset_tag,
                    json!({ "after": view, "via": "csv_import" }),
                )?;
                outcome.created += 1;
            }
            Some(current) => {
                let before_ups = current
                    .ups_equipment_id
                    .and_then(|id| linked_tags.get(&id).cloned());
                let before = view_of(current.clone(), before_ups);
                let mut probe = current.clone();
                apply(&mut probe, &f);
                let after = view_of(probe, p.ups_tag.clone());
                let diff = changes(&before, &after);
                if diff["changes"].as_object().is_none_or(|m| m.is_empty()) {
                    outcome.unchanged += 1;
                } else {
                    if let (Some(ups), None) = (&p.ups_tag, f.ups_equipment_id) {
                        deferred.push((current.id, ups.clone()));
                    }
                    model::update_equipment(conn, current.id, &f)?;
                    let mut detail = diff;
                    detail["via"] = json!("csv_import");
                    audit::record(
                        conn,
                        actor,
                        "equipment.update",
                        "equipment",
                        &current.asset_tag,
                        detail,
                    )?;
                    outcome.updated += 1;
                }
            }
        }
        progress(done as u64 + 1, total);
    }
    for (id, ups) in deferred {
        if let Some(ups_id) = ids.get(&ups) {
            diesel::update(equipment::table.find(id))
                .set(equipment::ups_equipment_id.eq(ups_id))
                .execute(conn)?;
        }
    }
    audit::record(
        conn,
        actor,
        "equipment.import",
        "equipment",
        "*",
        json!({ "created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged }),
    )?;
    Ok(outcome)
}

/// The stored row as it would be after writing `f` (for the audit diff).
fn apply(e: &mut Equipment, f: &EquipmentFields) {
    e.name = f.name.clone();
    e.kind = f.kind.clone();
    e.key_equipment = f.key_equipment;
    e.department_id = f.department_id;
    e.zone_id = f.zone_id;
    e.building = f.building.clone();
    e.floor = f.floor.clone();
    e.room = f.room.clone();
    e.rack = f.rack.clone();
    e.rack_unit = f.rack_unit.clone();
    e.manufacturer = f.manufacturer.clone();
    e.model = f.model.clone();
    e.serial_number = f.serial_number.clone();
    e.classification = f.classification.clone();
    e.status = f.status.clone();
    e.installed_on = f.installed_on;
    e.surge_protection = f.surge_protection.clone();
    e.required_shutdown_min = f.required_shutdown_min;
    e.notes = f.notes.clone();
}
