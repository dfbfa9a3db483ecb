//! Import: every line checked first, nothing written if one is bad, then
//! written in short batches ([`super::write`]).

use super::plan::{Lookups, Row, plan_row};
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

/// Where every line of `text` ends.
fn memchr_all(text: &[u8]) -> Vec<usize> {
    text.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
        .collect()
}

/// The line a record starts on as Excel numbers it (the header is line 1),
/// from the byte where csv says the record starts. csv's own line count
/// differs between files: it reads a CRLF's LF with the next record, so an LF
/// file's lines came out one too high (issue 13 item 16). The record's first
/// byte after any line ends left before it decides, the same for both.
fn excel_line(text: &[u8], newlines: &[usize], byte: u64) -> u64 {
    let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
    while matches!(text.get(at), Some(b'\r' | b'\n')) {
        at += 1;
    }
    newlines.partition_point(|&n| n < at) as u64 + 1
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
    let newlines: Vec<usize> = memchr_all(text.as_bytes());
    let line_of = |p: &csv::Position| excel_line(text.as_bytes(), &newlines, p.byte());
    let mut records = Vec::new();
    let mut lines = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, line_of);
                records.push((line, r));
            }
            Err(e) => {
                let line = e.position().map_or(0, line_of);
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
    let file_sha256 = hex::encode(Sha256::digest(bytes));
    drop(reader);
    drop(text);
    // Every line is checked against one reading of the register, outside any
    // write transaction: a long check holds no lock the gate needs.
    let (planned, l) = db::read_together(conn, |conn| -> Result<_, ImportError> {
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
                if let Some(t) = columns.get(col).and_then(|i| r.1.get(*i))
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
        for (line, r) in &records {
            let line = *line;
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
        Ok((planned, l))
    })?;
    drop(records);
    super::write::write_rows(conn, actor, planned, &l, file_sha256, progress)
}
