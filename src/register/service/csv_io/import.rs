//! Import: every line checked first, nothing written if one is bad, then
//! written in short batches ([`super::write`]).

use super::plan::{Lookups, plan_row};
use super::rows::File;
use super::*;
use std::borrow::Cow;

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

pub(super) fn one_line(line: u64, message: impl Into<String>) -> ImportError {
    ImportError::Lines(vec![LineFault {
        line,
        message: message.into(),
    }])
}

/// UTF-8 (a BOM is dropped) when the bytes are valid UTF-8, otherwise Shift_JIS.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let utf8_error = match std::str::from_utf8(bytes) {
        // Borrowed: a copy of the file would double what an import holds.
        Ok(text) => return Ok(Cow::Borrowed(text)),
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
    Ok(Cow::Owned(text.into_owned()))
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
    let file = File::open(&text)?;
    let file_sha256 = hex::encode(Sha256::digest(bytes));
    // What the file refers to, from one reading of the register, outside any
    // write transaction: a long check holds no lock the gate needs.
    let (mut l, mut lines) = db::read_together(conn, |conn| lookups(conn, by, &file))?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    // Rows that name a UPS: (line, tag, UPS tag).
    let mut ups_refs: Vec<(u64, String, String)> = Vec::new();
    let mut rows = 0u64;
    file.each(|record| -> Result<(), ImportError> {
        let Ok(r) = record else {
            return Ok(()); // reported by `lookups`
        };
        if r.is_blank() {
            return Ok(());
        }
        let line = r.line();
        match plan_row(&r, by, &l, &mut seen, line) {
            Ok(p) => {
                rows += 1;
                let tag = p.fields.asset_tag;
                if let Some(ups) = p.ups_tag {
                    ups_refs.push((line, tag.clone(), ups));
                }
                l.kinds.insert(tag, p.fields.kind);
            }
            Err(message) => lines.push(LineFault { line, message }),
        }
        Ok(())
    })?;
    drop(seen);
    // UPS references are checked once every row of the file is known.
    for (line, tag, ups) in &ups_refs {
        let fault = match l.kinds.get(ups) {
            None => Some(format!("UPS資産番号: UPS {ups} は登録されていません。")),
            Some(kind) if kind != Kind::Ups.as_str() => Some(format!(
                "UPS資産番号: {ups} はUPS（種別 ups）ではありません。"
            )),
            Some(_) if ups == tag => Some("UPS資産番号: 自分自身は指定できません。".to_owned()),
            Some(_) => None,
        };
        if let Some(message) = fault {
            lines.push(LineFault {
                line: *line,
                message,
            });
        }
    }
    if !lines.is_empty() {
        lines.sort_by_key(|f| f.line);
        return Err(ImportError::Lines(lines));
    }
    // New devices that other rows name as their UPS: written first.
    let early: HashSet<String> = ups_refs
        .into_iter()
        .map(|(_, _, ups)| ups)
        .filter(|ups| !l.existing.contains_key(ups))
        .collect();
    l.kinds = HashMap::new();
    super::write::write_rows(
        conn,
        actor,
        super::write::Checked {
            file: &file,
            by,
            l: &l,
            early,
            rows,
        },
        file_sha256,
        progress,
    )
}

/// The look-ups a file's rows are checked against (the stored devices it
/// names, by tag or as a UPS, among them), and the records that are not CSV.
fn lookups(
    conn: &mut DbConn,
    by: &Principal,
    file: &File<'_>,
) -> Result<(Lookups, Vec<LineFault>), ImportError> {
    let mut lines = Vec::new();
    let mut wanted: Vec<String> = Vec::new();
    let mut records = 0u64;
    file.each(|record| -> Result<(), ImportError> {
        match record {
            Ok(r) => {
                records += 1;
                for col in ["資産番号", "UPS資産番号"] {
                    if let Some(t) = r.raw(col)
                        && let Ok(tag) = normalize_tag(from_excel(t))
                    {
                        wanted.push(tag);
                    }
                }
            }
            Err(e) => lines.push(LineFault {
                line: file.line_at(e.position()),
                message: format!("CSVとして読めません: {e}"),
            }),
        }
        Ok(())
    })?;
    if records == 0 && lines.is_empty() {
        return Err(one_line(2, "データ行がありません。"));
    }
    let mut l = Lookups {
        departments: crate::identity::service::list_departments(conn)?
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
    wanted.sort_unstable();
    wanted.dedup();
    for chunk in wanted.chunks(1000) {
        for e in model::equipment_by_tags(conn, chunk)? {
            l.kinds.insert(e.asset_tag.clone(), e.kind.clone());
            l.existing.insert(e.asset_tag.clone(), e);
        }
    }
    Ok((l, lines))
}
