//! The report form: empty, or filled in by another page's link.

use super::*;

/// The report form's values; another page may fill them in through the query string.
#[derive(Deserialize, Default)]
struct ReportValues {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    found_at: String,
    #[serde(default)]
    zone_id: String,
    #[serde(default)]
    asset_tags: String,
    #[serde(default)]
    source: String,
}

#[derive(Template)]
#[template(path = "incidents/new.html")]
struct NewPage {
    layout: Layout,
    form: ReportValues,
    kinds: Vec<(&'static str, &'static str)>,
    zones: Vec<(i64, String)>,
    errors: Errors,
    error: Option<String>,
    title_max: usize,
    text_max: usize,
}

async fn new_form(
    state: &WebState,
    user: &PageUser,
    mut form: ReportValues,
    errors: Errors,
    error: Option<String>,
) -> Result<NewPage, PageError> {
    if form.found_at.is_empty() {
        form.found_at = to_tokyo(crate::db::now())
            .format("%Y-%m-%dT%H:%M")
            .to_string();
    }
    if form.kind.is_empty() {
        form.kind = IncidentKind::Fault.as_str().to_owned();
    }
    let zones = with_db(state, crate::register::service::zone_choices).await?;
    Ok(NewPage {
        layout: user.layout("事故・障害を報告する"),
        form,
        kinds: IncidentKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        zones,
        errors,
        error,
        title_max: TITLE_MAX,
        text_max: TEXT_MAX,
    })
}

#[get("/incidents/new")]
async fn new_page(
    state: web::Data<WebState>,
    user: PageUser,
    prefill: web::Query<ReportValues>,
) -> Result<HttpResponse, PageError> {
    let page = new_form(&state, &user, prefill.into_inner(), Errors::new(), None).await?;
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct ReportForm {
    csrf: String,
    #[serde(flatten)]
    values: ReportValues,
}

#[post("/incidents")]
async fn report_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<ReportForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let v = form.into_inner().values;
    let mut errors = Errors::new();
    let zone_id = match v.zone_id.trim() {
        "" => None,
        z => crate::web::input::form_number::<i64>(&mut errors, "zone_id", z),
    };
    let input = IncidentInput {
        kind: v.kind.clone(),
        title: v.title.clone(),
        description: v.description.clone(),
        found_at: v.found_at.clone(),
        zone_id,
        asset_tags: tag_list(&v.asset_tags),
        source: Some(v.source.clone()),
    };
    let principal = user.auth.principal.clone();
    let result = match AppError::invalid_fields(errors) {
        Some(e) => Err(e),
        None => {
            with_db(&state, move |conn| {
                service::report_incident(conn, &principal, &input)
            })
            .await
        }
    };
    match result {
        Ok(view) => Ok(done(
            &format!("/incidents/{}", view.id),
            &format!("事故・障害 第{}号を報告しました。", view.id),
        )),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let page = new_form(&state, &user, v, errors, error).await?;
            render(status, &page)
        }
    }
}
