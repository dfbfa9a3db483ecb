//! `/labels`: the A4 label-sheet form and the printable sheets it produces.

use crate::error::AppError;
use crate::identity::Role;
use crate::labels::qr;
use crate::labels::sheet::{SheetLayout, paginate};
use crate::register::rules::normalize_tag;
use crate::register::service::{self as register, Equipment};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct SheetQuery {
    tags: Option<String>,
    zone_id: Option<String>,
    layout: Option<String>,
    /// 印刷開始位置: the first free slot on a partly used sheet, 1-based.
    start: Option<String>,
    /// Per-printer offsets in mm.
    offset_x: Option<String>,
    offset_y: Option<String>,
}

struct LabelCell {
    style: String,
    qr: String,
    tag: String,
    name: String,
    department: String,
}

struct SheetView {
    cells: Vec<Option<LabelCell>>,
}

#[derive(Template)]
#[template(path = "labels/sheet.html")]
struct SheetPage {
    title: String,
    stock: &'static str,
    per_sheet: usize,
    count: usize,
    sheets: Vec<SheetView>,
    missing: Vec<String>,
    label_w: String,
    label_h: String,
    qr_mm: String,
    font_tag: String,
    font_text: String,
}

struct ZoneOption {
    id: i64,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "labels/form.html")]
struct SheetForm {
    layout: Layout,
    zones: Vec<ZoneOption>,
    tags: String,
    per_sheet: usize,
    start: String,
    errors: HashMap<String, String>,
}

fn mm(v: f64) -> String {
    format!("{v:.2}")
}

const MAX_LABELS: usize = 2000;

/// A4 label sheets for 12, 24 or 44面 stock: `?tags=A,B` or `?zone_id=N`, `&layout=24&start=1`.
#[get("/labels")]
pub(super) async fn label_sheet(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<SheetQuery>,
) -> Result<HttpResponse, PageError> {
    user.require_any(&[Role::Admin, Role::SecurityManager, Role::Operator])?;
    let q = query.into_inner();
    let mut errors = HashMap::new();
    let nonblank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let per_sheet = match nonblank(&q.layout).as_deref() {
        None => 24,
        Some(text) => match text.parse::<u32>().ok().and_then(SheetLayout::of) {
            Some(l) => l.per_sheet,
            None => {
                errors.insert(
                    "layout".to_owned(),
                    "12・24・44面のいずれかを選んでください。".to_owned(),
                );
                24
            }
        },
    };
    let layout = SheetLayout::of(per_sheet as u32).unwrap_or(crate::labels::sheet::LAYOUTS[1]);
    let start = match nonblank(&q.start) {
        None => 1,
        Some(text) => match crate::kit::text::parse_number::<usize>(&text) {
            Ok(Some(n)) if (1..=per_sheet).contains(&n) => n,
            _ => {
                errors.insert(
                    "start".to_owned(),
                    format!("1〜{per_sheet}の番号を入力してください。"),
                );
                1
            }
        },
    };
    let offset =
        |v: &Option<String>, field: &str, errors: &mut HashMap<String, String>| match nonblank(v) {
            None => 0.0,
            Some(text) => match crate::kit::text::parse_number::<f64>(&text) {
                Ok(Some(n)) if (-10.0..=10.0).contains(&n) => n,
                _ => {
                    errors.insert(
                        field.to_owned(),
                        "−10〜10（mm）で入力してください。".to_owned(),
                    );
                    0.0
                }
            },
        };
    let (dx, dy) = (
        offset(&q.offset_x, "offset_x", &mut errors),
        offset(&q.offset_y, "offset_y", &mut errors),
    );
    let zone_id = match nonblank(&q.zone_id) {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(z) => Some(z),
            Err(_) => {
                errors.insert(
                    "zone_id".to_owned(),
                    "管理区域を選んでください。".to_owned(),
                );
                None
            }
        },
    };
    let mut tags = vec![];
    if let Some(text) = nonblank(&q.tags) {
        for part in text
            .split([',', '\n', '\r', ' ', '、', '，'])
            .filter(|p| !p.trim().is_empty())
        {
            match normalize_tag(part) {
                Ok(t) if !tags.contains(&t) => tags.push(t),
                Ok(_) => {}
                Err(e) => {
                    errors.insert("tags".to_owned(), format!("「{part}」: {}", e.message()));
                }
            }
        }
        if tags.len() > MAX_LABELS {
            errors.insert(
                "tags".to_owned(),
                format!("一度に印刷できるのは{MAX_LABELS}枚までです。"),
            );
        }
    }
    let wanted = !tags.is_empty() || zone_id.is_some();
    if !wanted || !errors.is_empty() {
        let selected = zone_id;
        let zones = with_db(&state, register::zone_rows).await?;
        let page = SheetForm {
            layout: user.layout("ラベル印刷"),
            zones: zones
                .into_iter()
                .filter(|z| z.active)
                .map(|z| ZoneOption {
                    selected: Some(z.id) == selected,
                    label: format!("{} {}", z.code, z.name),
                    id: z.id,
                })
                .collect(),
            tags: q.tags.unwrap_or_default(),
            per_sheet,
            start: start.to_string(),
            errors,
        };
        let status = if page.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return render(status, &page);
    }
    let wanted_tags = tags.clone();
    let batch = with_db(&state, move |conn| {
        register::label_batch(conn, zone_id, &wanted_tags, MAX_LABELS as i64)
    })
    .await?;
    let (devices, departments, title) = (batch.devices, batch.departments, batch.title);
    // Keep the order asked for; list what is not registered.
    let mut by_tag: HashMap<String, Equipment> = devices
        .into_iter()
        .map(|e| (e.asset_tag.clone(), e))
        .collect();
    let (ordered, missing): (Vec<Equipment>, Vec<String>) = if zone_id.is_some() {
        let mut all: Vec<Equipment> = by_tag.into_values().collect();
        all.sort_by(|a, b| a.asset_tag.cmp(&b.asset_tag));
        (all, vec![])
    } else {
        let mut missing = vec![];
        let ordered = tags
            .iter()
            .filter_map(|t| {
                let found = by_tag.remove(t);
                if found.is_none() {
                    missing.push(t.clone());
                }
                found
            })
            .collect();
        (ordered, missing)
    };
    let public_url = state.settings.public_url.clone();
    let mut cells = Vec::with_capacity(ordered.len());
    for e in &ordered {
        let url = qr::label_url(&public_url, &e.asset_tag);
        cells.push((
            qr::svg_code(&url).map_err(AppError::internal)?,
            e.asset_tag.clone(),
            e.name.clone(),
            departments
                .get(&e.department_id)
                .cloned()
                .unwrap_or_default(),
        ));
    }
    let count = cells.len();
    let sheets = paginate(&cells, &layout, start - 1)
        .into_iter()
        .map(|slots| SheetView {
            cells: slots
                .into_iter()
                .enumerate()
                .map(|(i, slot)| {
                    slot.map(|(qr, tag, name, department)| {
                        let (x, y) = layout.slot_origin(i);
                        LabelCell {
                            style: format!(
                                "left:{}mm;top:{}mm;width:{}mm;height:{}mm",
                                mm(x + dx),
                                mm(y + dy),
                                mm(layout.label_w),
                                mm(layout.label_h)
                            ),
                            qr,
                            tag,
                            name,
                            department,
                        }
                    })
                })
                .collect(),
        })
        .collect();
    let (font_tag, font_text) = match layout.per_sheet {
        12 => ("4.2", "3.2"),
        24 => ("3.6", "2.8"),
        _ => ("2.8", "2.2"),
    };
    let page = SheetPage {
        title,
        stock: layout.stock,
        per_sheet: layout.per_sheet,
        count,
        sheets,
        missing,
        label_w: mm(layout.label_w),
        label_h: mm(layout.label_h),
        qr_mm: mm(layout.qr_mm),
        font_tag: font_tag.to_owned(),
        font_text: font_text.to_owned(),
    };
    render(StatusCode::OK, &page)
}
