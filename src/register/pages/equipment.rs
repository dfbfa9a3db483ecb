//! 機器台帳 pages: the list with search and filters, a device's page with its
//! history and disposal, and the create/edit forms (through the same service as the API).

use super::{Choice, Errors, blank_none, form_errors};
use crate::app::AppState;
use crate::audit::AuditEvent;
use crate::error::{AppError, PageError};
use crate::identity::Role;
use crate::identity::model::Department;
use crate::identity::service as identity_service;
use crate::register::api::equipment::EquipmentQuery;
use crate::register::model::{self, Zone};
use crate::register::rules::{Classification, DisposalMethod, Kind, Status, SurgeProtection};
use crate::register::service::{
    self, DisposalInput, DisposalView, EquipmentInput, EquipmentPatch, EquipmentView, LocationInput,
};
use crate::web::layout::see_other;
use crate::web::time::{wareki_date, wareki_datetime};
use crate::web::{Layout, PageQuery, PageUser, Paged, percent_encode, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(equipment_list)
        .service(equipment_new_form)
        .service(equipment_new_submit)
        .service(equipment_page)
        .service(equipment_edit_form)
        .service(equipment_edit_submit)
        .service(equipment_dispose_submit);
}

const EDITORS: &[Role] = &[Role::Operator, Role::SecurityManager];

fn department_name(departments: &[Department], id: i64) -> String {
    departments
        .iter()
        .find(|d| d.id == id)
        .map_or_else(|| id.to_string(), |d| format!("{} {}", d.code, d.name))
}

fn zone_name(zones: &[Zone], id: Option<i64>) -> String {
    id.and_then(|id| zones.iter().find(|z| z.id == id))
        .map(|z| format!("{} {}", z.code, z.name))
        .unwrap_or_default()
}

fn location_text(l: &LocationInput) -> String {
    let mut parts = Vec::new();
    if let Some(b) = &l.building {
        parts.push(b.clone());
    }
    if let Some(f) = &l.floor {
        parts.push(format!("{f}階"));
    }
    if let Some(r) = &l.room {
        parts.push(r.clone());
    }
    if let Some(r) = &l.rack {
        parts.push(format!("ラック{r}"));
    }
    if let Some(u) = &l.unit {
        parts.push(format!("{u}U"));
    }
    parts.join(" ")
}

// ---- list ----

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    zone_id: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    key_equipment: String,
    #[serde(default)]
    status: String,
    page: Option<i64>,
}

impl ListQuery {
    /// The API's query: values that do not parse are dropped (they came from our own selects).
    fn api(&self) -> EquipmentQuery {
        EquipmentQuery {
            q: blank_none(&Some(self.q.clone())),
            zone_id: self.zone_id.parse().ok(),
            department_id: self.department_id.parse().ok(),
            key_equipment: match self.key_equipment.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            status: Status::parse(&self.status),
            kind: Kind::parse(&self.kind),
            page: self.page,
            per_page: None,
        }
    }

    /// The filters as a query string (without the page), for the pager and the export link.
    fn query_string(&self) -> String {
        [
            ("q", &self.q),
            ("zone_id", &self.zone_id),
            ("department_id", &self.department_id),
            ("kind", &self.kind),
            ("key_equipment", &self.key_equipment),
            ("status", &self.status),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

struct ListRow {
    tag: String,
    name: String,
    kind: &'static str,
    key: bool,
    department: String,
    zone: String,
    location: String,
    status: &'static str,
    classification: &'static str,
}

#[derive(Template)]
#[template(path = "register/equipment_list.html")]
struct ListPage {
    layout: Layout,
    q: String,
    zones: Vec<Choice>,
    departments: Vec<Choice>,
    kinds: Vec<Choice>,
    keys: Vec<Choice>,
    statuses: Vec<Choice>,
    rows: Vec<ListRow>,
    page: i64,
    pages: i64,
    total: i64,
    filters: String,
    can_create: bool,
    error: Option<String>,
}

#[get("/equipment")]
async fn equipment_list(
    state: web::Data<AppState>,
    user: PageUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let api = query.api();
    let (page, per_page) = PageQuery {
        page: api.page,
        per_page: None,
    }
    .resolve()?;
    let (filter, error) = match api.filter() {
        Ok(f) => (Some(f), None),
        Err(e) => (
            None,
            Some(
                e.fields
                    .and_then(|f| f.into_values().next())
                    .unwrap_or(e.message),
            ),
        ),
    };
    let (items, total, departments, zones) = with_db(&state, move |conn| {
        let (items, total) = match &filter {
            Some(f) => {
                service::list_equipment(conn, f, PageQuery::offset(page, per_page), per_page)?
            }
            None => (Vec::new(), 0),
        };
        Ok((
            items,
            total,
            identity_service::list_departments(conn)?,
            model::list_zones(conn)?,
        ))
    })
    .await?;
    let rows = items
        .into_iter()
        .map(|e| ListRow {
            department: department_name(&departments, e.department_id),
            zone: zone_name(&zones, e.zone_id),
            location: location_text(&e.location),
            kind: e.kind.label(),
            key: e.key_equipment,
            status: e.status.label(),
            classification: e.classification.label(),
            tag: e.asset_tag,
            name: e.name,
        })
        .collect();
    let pages = Paged::new(Vec::<()>::new(), total, page, per_page).pages();
    let choices = |all: Vec<(String, String)>, current: &str| {
        let mut list = vec![Choice::new("", "（すべて）", current)];
        list.extend(all.into_iter().map(|(v, l)| Choice::new(v, l, current)));
        list
    };
    let page_view = ListPage {
        layout: user.layout("機器台帳"),
        zones: choices(
            zones
                .iter()
                .map(|z| (z.id.to_string(), format!("{} {}", z.code, z.name)))
                .collect(),
            &query.zone_id,
        ),
        departments: choices(
            departments
                .iter()
                .map(|d| (d.id.to_string(), format!("{} {}", d.code, d.name)))
                .collect(),
            &query.department_id,
        ),
        kinds: choices(
            Kind::ALL
                .iter()
                .map(|k| (k.as_str().into(), k.label().into()))
                .collect(),
            &query.kind,
        ),
        keys: choices(
            vec![
                ("true".into(), "主要な機器のみ".into()),
                ("false".into(), "主要な機器以外".into()),
            ],
            &query.key_equipment,
        ),
        statuses: choices(
            Status::ALL
                .iter()
                .map(|s| (s.as_str().into(), s.label().into()))
                .collect(),
            &query.status,
        ),
        q: query.q.clone(),
        rows,
        page,
        pages,
        total,
        filters: query.query_string(),
        can_create: user.has_any(EDITORS),
        error,
    };
    render(StatusCode::OK, &page_view)
}

// ---- create / edit ----

#[derive(Debug, Clone, Default, Deserialize)]
struct EquipmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    asset_tag: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    key_equipment: Option<String>,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    zone_id: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    floor: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    rack: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    manufacturer: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    serial_number: String,
    #[serde(default)]
    classification: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    installed_on: String,
    #[serde(default)]
    ups_asset_tag: String,
    #[serde(default)]
    surge_protection: String,
    #[serde(default)]
    required_shutdown_min: String,
    #[serde(default)]
    notes: String,
}

fn some(text: &str) -> Option<String> {
    blank_none(&Some(text.to_owned()))
}

/// The values of a form that parse into the service's types, and faults for those that do not.
struct Parsed {
    kind: Kind,
    classification: Classification,
    status: Status,
    department_id: i64,
    zone_id: Option<i64>,
    installed_on: Option<NaiveDate>,
    surge_protection: Option<SurgeProtection>,
    required_shutdown_min: Option<i32>,
    location: LocationInput,
}

impl EquipmentForm {
    fn of(e: &EquipmentView) -> EquipmentForm {
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

    fn parse(&self) -> (Parsed, Errors) {
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
            d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| fault("installed_on", "日付を YYYY-MM-DD で入力してください。"))
                .ok(),
        };
        let surge_protection = match self.surge_protection.as_str() {
            "" => None,
            s => SurgeProtection::parse(s).or_else(|| {
                fault("surge_protection", "サージ保護を選び直してください。");
                None
            }),
        };
        let required_shutdown_min = match self.required_shutdown_min.trim() {
            "" => None,
            m => m
                .parse()
                .map_err(|_| fault("required_shutdown_min", "分を整数で入力してください。"))
                .ok(),
        };
        let location = LocationInput {
            building: some(&self.building),
            floor: some(&self.floor),
            room: some(&self.room),
            rack: some(&self.rack),
            unit: some(&self.unit),
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

#[derive(Template)]
#[template(path = "register/equipment_form.html")]
struct FormPage {
    layout: Layout,
    is_new: bool,
    action: String,
    form: EquipmentForm,
    kinds: Vec<Choice>,
    classifications: Vec<Choice>,
    statuses: Vec<Choice>,
    surges: Vec<Choice>,
    departments: Vec<Choice>,
    zones: Vec<Choice>,
    errors: Errors,
    error: Option<String>,
}

impl FormPage {
    fn build(
        user: &PageUser,
        current_tag: Option<&str>,
        current_status: Option<Status>,
        form: EquipmentForm,
        departments: &[Department],
        zones: &[Zone],
    ) -> FormPage {
        let choices = |all: Vec<(String, String)>, current: &str, blank: Option<&str>| {
            let mut list = Vec::new();
            if let Some(b) = blank {
                list.push(Choice::new("", b, current));
            }
            list.extend(all.into_iter().map(|(v, l)| Choice::new(v, l, current)));
            list
        };
        FormPage {
            layout: user.layout(if current_tag.is_some() {
                "機器の編集"
            } else {
                "機器の登録"
            }),
            is_new: current_tag.is_none(),
            action: current_tag.map_or_else(
                || "/equipment/new".to_owned(),
                |t| format!("/equipment/{t}/edit"),
            ),
            kinds: choices(
                Kind::ALL
                    .iter()
                    .map(|k| (k.as_str().into(), k.label().into()))
                    .collect(),
                &form.kind,
                Some("（選んでください）"),
            ),
            classifications: choices(
                Classification::ALL
                    .iter()
                    .map(|c| (c.as_str().into(), c.label().into()))
                    .collect(),
                &form.classification,
                Some("（選んでください）"),
            ),
            statuses: choices(
                Status::ALL
                    .iter()
                    .filter(|s| {
                        !matches!(s, Status::Disposed | Status::CarriedOut)
                            || Some(**s) == current_status
                    })
                    .map(|s| (s.as_str().into(), s.label().into()))
                    .collect(),
                &form.status,
                None,
            ),
            surges: choices(
                SurgeProtection::ALL
                    .iter()
                    .map(|s| (s.as_str().into(), s.label().into()))
                    .collect(),
                &form.surge_protection,
                Some("（未設定）"),
            ),
            departments: choices(
                departments
                    .iter()
                    .map(|d| (d.id.to_string(), format!("{} {}", d.code, d.name)))
                    .collect(),
                &form.department_id,
                Some("（選んでください）"),
            ),
            zones: choices(
                zones
                    .iter()
                    .filter(|z| z.active || form.zone_id == z.id.to_string())
                    .map(|z| (z.id.to_string(), format!("{} {}", z.code, z.name)))
                    .collect(),
                &form.zone_id,
                Some("（管理区域外）"),
            ),
            form,
            errors: Errors::new(),
            error: None,
        }
    }
}

async fn choices_data(
    state: &web::Data<AppState>,
) -> Result<(Vec<Department>, Vec<Zone>), AppError> {
    with_db(state, |conn| {
        Ok((
            identity_service::list_departments(conn)?,
            model::list_zones(conn)?,
        ))
    })
    .await
}

#[get("/equipment/new")]
async fn equipment_new_form(
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    user.require_any(EDITORS)?;
    let (departments, zones) = choices_data(&state).await?;
    let form = EquipmentForm {
        department_id: user
            .department_id
            .map(|d| d.to_string())
            .unwrap_or_default(),
        status: Status::InService.as_str().into(),
        ..Default::default()
    };
    render(
        StatusCode::OK,
        &FormPage::build(&user, None, None, form, &departments, &zones),
    )
}

#[post("/equipment/new")]
async fn equipment_new_submit(
    state: web::Data<AppState>,
    user: PageUser,
    form: web::Form<EquipmentForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let (p, parse_errors) = form.parse();
    let result = match AppError::invalid_fields(parse_errors) {
        Some(err) => Err(err),
        None => {
            let input = EquipmentInput {
                asset_tag: form.asset_tag.clone(),
                name: form.name.clone(),
                kind: p.kind,
                key_equipment: form.key_equipment.is_some(),
                department_id: p.department_id,
                zone_id: p.zone_id,
                location: Some(p.location),
                manufacturer: some(&form.manufacturer),
                model: some(&form.model),
                serial_number: some(&form.serial_number),
                classification: p.classification,
                status: Some(p.status),
                installed_on: p.installed_on,
                ups_asset_tag: some(&form.ups_asset_tag),
                surge_protection: p.surge_protection,
                required_shutdown_min: p.required_shutdown_min,
                notes: some(&form.notes),
            };
            let principal = user.auth.principal.clone();
            with_db(&state, move |conn| {
                service::create_equipment(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(created) => Ok(see_other(&format!("/equipment/{}", created.asset_tag))),
        Err(err) => {
            let status = err.status;
            let (errors, error) = form_errors(err)?;
            let (departments, zones) = choices_data(&state).await?;
            let mut page = FormPage::build(&user, None, None, form, &departments, &zones);
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

#[get("/equipment/{tag}/edit")]
async fn equipment_edit_form(
    state: web::Data<AppState>,
    user: PageUser,
    tag: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    user.require_any(EDITORS)?;
    let tag = tag.into_inner();
    let current = with_db(&state, move |conn| service::get_equipment(conn, &tag)).await?;
    let (departments, zones) = choices_data(&state).await?;
    let form = EquipmentForm::of(&current);
    render(
        StatusCode::OK,
        &FormPage::build(
            &user,
            Some(&current.asset_tag),
            Some(current.status),
            form,
            &departments,
            &zones,
        ),
    )
}

#[post("/equipment/{tag}/edit")]
async fn equipment_edit_submit(
    state: web::Data<AppState>,
    user: PageUser,
    tag: web::Path<String>,
    form: web::Form<EquipmentForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let tag = tag.into_inner();
    let lookup = tag.clone();
    let current = with_db(&state, move |conn| service::get_equipment(conn, &lookup)).await?;
    let mut form = form.into_inner();
    form.asset_tag = current.asset_tag.clone();
    let (p, parse_errors) = form.parse();
    let result = match AppError::invalid_fields(parse_errors) {
        Some(err) => Err(err),
        None => {
            let patch = EquipmentPatch {
                name: Some(form.name.clone()),
                kind: Some(p.kind),
                key_equipment: Some(form.key_equipment.is_some()),
                department_id: Some(p.department_id),
                zone_id: Some(p.zone_id),
                location: Some(p.location),
                manufacturer: Some(some(&form.manufacturer)),
                model: Some(some(&form.model)),
                serial_number: Some(some(&form.serial_number)),
                classification: Some(p.classification),
                status: Some(p.status),
                installed_on: Some(p.installed_on),
                ups_asset_tag: Some(some(&form.ups_asset_tag)),
                surge_protection: Some(p.surge_protection),
                required_shutdown_min: Some(p.required_shutdown_min),
                notes: Some(some(&form.notes)),
            };
            let principal = user.auth.principal.clone();
            with_db(&state, move |conn| {
                service::update_equipment(conn, &principal, &tag, &patch)
            })
            .await
        }
    };
    match result {
        Ok(updated) => Ok(see_other(&format!("/equipment/{}", updated.asset_tag))),
        Err(err) => {
            let status = err.status;
            let (errors, error) = form_errors(err)?;
            let (departments, zones) = choices_data(&state).await?;
            let mut page = FormPage::build(
                &user,
                Some(&current.asset_tag),
                Some(current.status),
                form,
                &departments,
                &zones,
            );
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

// ---- detail, history, disposal ----

struct HistoryRow {
    at: String,
    actor: String,
    action: String,
    summary: String,
}

fn field_label(key: &str) -> &str {
    match key {
        "asset_tag" => "資産番号",
        "name" => "機器名",
        "kind" => "種別",
        "key_equipment" => "主要な機器",
        "department_id" => "所管課",
        "zone_id" => "管理区域",
        "location" => "設置場所",
        "manufacturer" => "メーカー",
        "model" => "型番",
        "serial_number" => "製造番号",
        "classification" => "情報区分",
        "status" => "状態",
        "installed_on" => "設置日",
        "ups_asset_tag" => "UPS",
        "surge_protection" => "サージ保護",
        "required_shutdown_min" => "必要停止時間",
        "notes" => "備考",
        other => other,
    }
}

fn short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "（なし）".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn history_row(e: AuditEvent) -> HistoryRow {
    let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let via = if detail["via"] == "csv_import" {
        "（CSV取込）"
    } else {
        ""
    };
    let (action, summary) = match e.action.as_str() {
        "equipment.create" => (format!("登録{via}"), String::new()),
        "equipment.update" => (
            format!("変更{via}"),
            detail["changes"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, c)| {
                            format!(
                                "{}: {} → {}",
                                field_label(k),
                                short(&c["before"]),
                                short(&c["after"])
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" ／ ")
                })
                .unwrap_or_default(),
        ),
        "equipment.dispose" => (
            "廃棄".into(),
            detail["disposal"]["method"]
                .as_str()
                .and_then(DisposalMethod::parse)
                .map(|m| m.label().to_owned())
                .unwrap_or_default(),
        ),
        other => (other.to_owned(), e.detail.chars().take(200).collect()),
    };
    HistoryRow {
        at: wareki_datetime(e.occurred_at),
        actor: e.actor_name,
        action,
        summary,
    }
}

struct DisposalRow {
    method: &'static str,
    certificate_number: String,
    witnessed_by: String,
    notes: String,
    at: String,
}

#[derive(Debug, Default, Deserialize)]
struct DisposeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    certificate_number: String,
    #[serde(default)]
    witnessed_by: String,
    #[serde(default)]
    notes: String,
}

#[derive(Template)]
#[template(path = "register/equipment_detail.html")]
struct DetailPage {
    layout: Layout,
    e: EquipmentView,
    kind: &'static str,
    classification: &'static str,
    status: &'static str,
    surge: &'static str,
    location: String,
    department: String,
    zone: String,
    installed: String,
    created: String,
    updated: String,
    secret: bool,
    history: Vec<HistoryRow>,
    disposal: Option<DisposalRow>,
    can_change: bool,
    methods: Vec<Choice>,
    dispose: DisposeForm,
    errors: Errors,
    error: Option<String>,
}

async fn detail_page(
    state: &web::Data<AppState>,
    user: &PageUser,
    tag: String,
    dispose: DisposeForm,
) -> Result<DetailPage, PageError> {
    let principal = user.auth.principal.clone();
    let (e, history, disposal, departments, zones, can_change) = with_db(state, move |conn| {
        let e = service::get_equipment(conn, &tag)?;
        let history = service::equipment_history(conn, &e.asset_tag)?;
        let disposal: Option<DisposalView> = service::disposal_of(conn, &e.asset_tag)?;
        let can_change = service::may_change(conn, &principal, e.department_id, e.zone_id)?;
        Ok((
            e,
            history,
            disposal,
            identity_service::list_departments(conn)?,
            model::list_zones(conn)?,
            can_change,
        ))
    })
    .await?;
    Ok(DetailPage {
        layout: user.layout(&format!("機器 {}", e.asset_tag)),
        kind: e.kind.label(),
        classification: e.classification.label(),
        status: e.status.label(),
        surge: e.surge_protection.map_or("", |s| s.label()),
        location: location_text(&e.location),
        department: department_name(&departments, e.department_id),
        zone: zone_name(&zones, e.zone_id),
        installed: e.installed_on.map(wareki_date).unwrap_or_default(),
        created: wareki_datetime(e.created_at),
        updated: wareki_datetime(e.updated_at),
        secret: e.classification == Classification::Secret,
        history: history.into_iter().map(history_row).collect(),
        disposal: disposal.map(|d| DisposalRow {
            method: d.method.label(),
            certificate_number: d.certificate_number.unwrap_or_default(),
            witnessed_by: d.witnessed_by.unwrap_or_default(),
            notes: d.notes.unwrap_or_default(),
            at: wareki_datetime(d.disposed_at),
        }),
        can_change,
        methods: DisposalMethod::ALL
            .iter()
            .map(|m| Choice::new(m.as_str(), m.label(), &dispose.method))
            .collect(),
        dispose,
        errors: Errors::new(),
        error: None,
        e,
    })
}

#[get("/equipment/{tag}")]
async fn equipment_page(
    state: web::Data<AppState>,
    user: PageUser,
    tag: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = detail_page(&state, &user, tag.into_inner(), DisposeForm::default()).await?;
    render(StatusCode::OK, &page)
}

#[post("/equipment/{tag}/dispose")]
async fn equipment_dispose_submit(
    state: web::Data<AppState>,
    user: PageUser,
    tag: web::Path<String>,
    form: web::Form<DisposeForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (tag, form) = (tag.into_inner(), form.into_inner());
    let result = match DisposalMethod::parse(&form.method) {
        None => Err(AppError::invalid("method", "廃棄の方法を選んでください。")),
        Some(method) => {
            let input = DisposalInput {
                method,
                certificate_number: some(&form.certificate_number),
                witnessed_by: some(&form.witnessed_by),
                notes: some(&form.notes),
            };
            let principal = user.auth.principal.clone();
            let tag = tag.clone();
            with_db(&state, move |conn| {
                service::dispose_equipment(conn, &principal, &tag, &input)
            })
            .await
        }
    };
    match result {
        Ok(done) => Ok(see_other(&format!("/equipment/{}", done.asset_tag))),
        Err(err) => {
            let status = err.status;
            let (errors, error) = form_errors(err)?;
            let mut page = detail_page(&state, &user, tag, form).await?;
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}
