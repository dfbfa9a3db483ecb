//! The 持出・持込 request form: its choices, its checks, and the request it makes.

use super::*;

#[derive(Default, Deserialize)]
struct MovementForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    asset_tag: String,
    #[serde(default)]
    item_description: String,
    #[serde(default)]
    zone_id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    planned_at: String,
    #[serde(default)]
    return_due: String,
}

#[derive(Template)]
#[template(path = "register/movement_form.html")]
struct FormPage {
    layout: Layout,
    form: MovementForm,
    zones: Vec<(i64, String, bool)>,
    errors: BTreeMap<String, String>,
    error: Option<String>,
}

async fn form_page(
    state: &WebState,
    user: &PageUser,
    form: MovementForm,
) -> Result<FormPage, PageError> {
    let zones = with_db(state, list_zones).await?;
    let chosen = form.zone_id.parse::<i64>().ok();
    Ok(FormPage {
        layout: user.layout("持出・持込申請"),
        zones: zones
            .iter()
            .filter(|z| z.active)
            .map(|z| (z.id, z.name.clone(), Some(z.id) == chosen))
            .collect(),
        form,
        errors: BTreeMap::new(),
        error: None,
    })
}

#[get("/movements/new")]
pub(super) async fn new_form(
    state: web::Data<WebState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    user.require_any(&[Role::Staff, Role::Operator, Role::SecurityManager])?;
    let page = form_page(&state, &user, MovementForm::default()).await?;
    render(StatusCode::OK, &page)
}

#[post("/movements/new")]
pub(super) async fn new_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<MovementForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let mut faults = BTreeMap::new();
    let direction = Direction::parse(&form.direction).unwrap_or_else(|| {
        faults.insert(
            "direction".to_owned(),
            "持出か持込を選んでください。".to_owned(),
        );
        Direction::Out
    });
    let zone_id = form.zone_id.parse::<i64>().unwrap_or_else(|_| {
        faults.insert(
            "zone_id".to_owned(),
            "管理区域を選んでください。".to_owned(),
        );
        0
    });
    let return_due = match form.return_due.trim() {
        "" => None,
        text => crate::kit::time::parse_date(text)
            .map(Some)
            .unwrap_or_else(|| {
                faults.insert(
                    "return_due".to_owned(),
                    crate::kit::time::date_format_message(crate::db::now()),
                );
                None
            }),
    };
    let input = MovementInput {
        direction,
        asset_tag: Some(form.asset_tag.clone()),
        item_description: Some(form.item_description.clone()),
        zone_id,
        reason: form.reason.clone(),
        destination: Some(form.destination.clone()),
        planned_at: form.planned_at.clone(),
        return_due,
    };
    let principal = user.auth.principal.clone();
    let result = match AppError::invalid_fields(faults) {
        Some(err) => Err(err),
        None => {
            with_db(&state, move |conn| {
                service::request_movement(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(created) => Ok(done(
            &format!("/movements/{}", created.id),
            &format!("申請しました（申請番号 {}）。", created.id),
        )),
        Err(err)
            if err.status() == StatusCode::UNPROCESSABLE_ENTITY
                || err.status() == StatusCode::CONFLICT =>
        {
            let status = err.status();
            let mut page = form_page(&state, &user, form).await?;
            match err.fields {
                Some(fields) => page.errors = fields,
                None => page.error = Some(err.message),
            }
            render(status, &page)
        }
        Err(err) => Err(err.into()),
    }
}
