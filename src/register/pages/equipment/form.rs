//! The create and edit pages: rendering the form, and its handlers.

use super::*;

#[derive(Template)]
#[template(path = "register/equipment_form.html")]
pub(super) struct FormPage {
    pub(super) layout: Layout,
    pub(super) is_new: bool,
    pub(super) action: String,
    pub(super) form: EquipmentForm,
    pub(super) kinds: Vec<Choice>,
    pub(super) classifications: Vec<Choice>,
    pub(super) statuses: Vec<Choice>,
    pub(super) surges: Vec<Choice>,
    pub(super) departments: Vec<Choice>,
    pub(super) zones: Vec<Choice>,
    pub(super) errors: Errors,
    pub(super) error: Option<String>,
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

pub(super) async fn choices_data(
    state: &web::Data<WebState>,
) -> Result<(Vec<Department>, Vec<Zone>), AppError> {
    with_db(state, |conn| {
        Ok((
            identity_service::list_departments(conn)?,
            service::zone_rows(conn)?,
        ))
    })
    .await
}

#[get("/equipment/new")]
pub(super) async fn equipment_new_form(
    state: web::Data<WebState>,
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
pub(super) async fn equipment_new_submit(
    state: web::Data<WebState>,
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
                manufacturer: opt(&form.manufacturer),
                model: opt(&form.model),
                serial_number: opt(&form.serial_number),
                classification: p.classification,
                status: Some(p.status),
                installed_on: p.installed_on,
                ups_asset_tag: opt(&form.ups_asset_tag),
                surge_protection: p.surge_protection,
                required_shutdown_min: p.required_shutdown_min,
                notes: opt(&form.notes),
            };
            let principal = user.auth.principal.clone();
            with_db(&state, move |conn| {
                service::create_equipment(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(created) => Ok(done(
            &format!("/equipment/{}", created.asset_tag),
            &format!("機器 {} を登録しました。", created.asset_tag),
        )),
        Err(err) => {
            let status = err.status();
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
pub(super) async fn equipment_edit_form(
    state: web::Data<WebState>,
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
pub(super) async fn equipment_edit_submit(
    state: web::Data<WebState>,
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
                manufacturer: Some(opt(&form.manufacturer)),
                model: Some(opt(&form.model)),
                serial_number: Some(opt(&form.serial_number)),
                classification: Some(p.classification),
                status: Some(p.status),
                installed_on: Some(p.installed_on),
                ups_asset_tag: Some(opt(&form.ups_asset_tag)),
                surge_protection: Some(p.surge_protection),
                required_shutdown_min: Some(p.required_shutdown_min),
                notes: Some(opt(&form.notes)),
            };
            let principal = user.auth.principal.clone();
            with_db(&state, move |conn| {
                service::update_equipment(conn, &principal, &tag, &patch)
            })
            .await
        }
    };
    match result {
        Ok(updated) => Ok(done(
            &format!("/equipment/{}", updated.asset_tag),
            &format!("機器 {} の記録を更新しました。", updated.asset_tag),
        )),
        Err(err) => {
            let status = err.status();
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
