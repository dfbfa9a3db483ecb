//! One device: every field, its history from the audit chain, and disposal.

use super::*;
use std::collections::HashMap;

pub(super) struct HistoryRow {
    pub(super) at: String,
    pub(super) actor: String,
    pub(super) action: String,
    pub(super) summary: String,
    /// A 無許可持出: shown in red, and named so in words.
    pub(super) alert: bool,
}

/// 「第12号 … （状態: 稼働中 → 持出中）」 for a 無許可持出 step on the device's history.
fn unauthorised_summary(detail: &serde_json::Value, text: &str) -> String {
    let status = |k: &str| {
        detail["status"][k]
            .as_str()
            .and_then(Status::parse)
            .map_or("", |s| s.label())
    };
    let mut out = format!("第{}号 {text}", detail["movement"]["id"]);
    if detail["status"].is_object() {
        out.push_str(&format!(
            "（状態: {} → {}）",
            status("before"),
            status("after")
        ));
    }
    out
}

pub(super) fn field_label(key: &str) -> &str {
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

pub(super) fn short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "（なし）".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) fn history_row(e: AuditEvent, names: &HashMap<i64, String>) -> HistoryRow {
    let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let via = if detail["via"] == "csv_import" {
        "（CSV取込）"
    } else {
        ""
    };
    let alert = e.action == "movement.unauthorised";
    let (action, summary) = match e.action.as_str() {
        "movement.unauthorised" => (
            "無許可持出（入退室口で確認）".into(),
            unauthorised_summary(&detail, "承認のない持出"),
        ),
        "movement.settle" => (
            "無許可持出の処理".into(),
            unauthorised_summary(
                &detail,
                &format!(
                    "{}: {}",
                    detail["settlement"]
                        .as_str()
                        .and_then(Settlement::parse)
                        .map_or("", |s| s.label()),
                    detail["note"].as_str().unwrap_or("")
                ),
            ),
        ),
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
        other => (
            crate::audit::present::action_label(other).to_owned(),
            crate::audit::present::changes_text(&e.detail),
        ),
    };
    // People by name, not login id; the system by what it is.
    let actor = match e.actor_id.and_then(|id| names.get(&id)) {
        Some(name) => name.clone(),
        None if e.actor_name.starts_with("system:") => "システム".to_owned(),
        None => e.actor_name,
    };
    HistoryRow {
        at: wareki_datetime(e.occurred_at),
        actor,
        action,
        summary,
        alert,
    }
}

pub(super) struct DisposalRow {
    pub(super) method: &'static str,
    pub(super) certificate_number: String,
    pub(super) witnessed_by: String,
    pub(super) notes: String,
    pub(super) at: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DisposeForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) method: String,
    #[serde(default)]
    pub(super) certificate_number: String,
    #[serde(default)]
    pub(super) witnessed_by: String,
    #[serde(default)]
    pub(super) notes: String,
    /// The asset tag typed again: the person names the device they dispose of.
    #[serde(default)]
    pub(super) confirm_tag: String,
}

#[derive(Template)]
#[template(path = "register/equipment_detail.html")]
pub(super) struct DetailPage {
    pub(super) layout: Layout,
    pub(super) e: EquipmentView,
    pub(super) kind: &'static str,
    pub(super) classification: &'static str,
    pub(super) status: &'static str,
    pub(super) surge: &'static str,
    pub(super) location: String,
    pub(super) department: String,
    pub(super) zone: String,
    pub(super) installed: String,
    pub(super) created: String,
    pub(super) updated: String,
    pub(super) secret: bool,
    pub(super) history: Vec<HistoryRow>,
    /// Unsettled 無許可持出 of this device, by movement number.
    pub(super) unauthorised: Vec<i64>,
    pub(super) disposal: Option<DisposalRow>,
    pub(super) can_change: bool,
    pub(super) methods: Vec<Choice>,
    pub(super) dispose: DisposeForm,
    pub(super) errors: Errors,
    pub(super) error: Option<String>,
}

pub(super) async fn detail_page(
    state: &web::Data<WebState>,
    user: &PageUser,
    tag: String,
    dispose: DisposeForm,
) -> Result<DetailPage, PageError> {
    let principal = user.auth.principal.clone();
    let (e, (history, names), disposal, departments, zones, can_change, unauthorised) =
        with_db(state, move |conn| {
            let e = service::get_equipment(conn, &tag)?;
            let unauthorised = service::movements::unsettled_of_device(conn, &e.asset_tag)?;
            let history = service::equipment_history(conn, &e.asset_tag)?;
            let names = crate::audit::service::actor_names(conn, &history)?;
            let disposal: Option<DisposalView> = service::disposal_of(conn, &e.asset_tag)?;
            let can_change = service::may_change(conn, &principal, e.department_id, e.zone_id)?;
            Ok((
                e,
                (history, names),
                disposal,
                identity_service::list_departments(conn)?,
                service::zone_rows(conn)?,
                can_change,
                unauthorised,
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
        history: history
            .into_iter()
            .map(|h| history_row(h, &names))
            .collect(),
        unauthorised,
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
pub(super) async fn equipment_page(
    state: web::Data<WebState>,
    user: PageUser,
    tag: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = detail_page(&state, &user, tag.into_inner(), DisposeForm::default()).await?;
    render(StatusCode::OK, &page)
}

#[post("/equipment/{tag}/dispose")]
pub(super) async fn equipment_dispose_submit(
    state: web::Data<WebState>,
    user: PageUser,
    tag: web::Path<String>,
    form: web::Form<DisposeForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (tag, form) = (tag.into_inner(), form.into_inner());
    let input = DisposalInput {
        method: DisposalMethod::parse(&form.method),
        certificate_number: opt(&form.certificate_number),
        witnessed_by: opt(&form.witnessed_by),
        notes: opt(&form.notes),
    };
    let mut faults = Errors::new();
    if input.method.is_none() {
        faults.insert("method".into(), "廃棄の方法を選んでください。".into());
    }
    if !same_tag(&form.confirm_tag, &tag) {
        faults.insert(
            "confirm_tag".into(),
            format!("確認のため、資産番号「{tag}」を入力してください。"),
        );
    }
    let result = match AppError::invalid_fields(faults) {
        Some(err) => Err(err),
        None => {
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
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let mut page = detail_page(&state, &user, tag, form).await?;
            page.errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

/// Whether `typed` names the device `tag` (as tags are read: full-width and case aside).
fn same_tag(typed: &str, tag: &str) -> bool {
    match (
        crate::register::rules::normalize_tag(typed),
        crate::register::rules::normalize_tag(tag),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
