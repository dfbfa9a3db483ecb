//! One record: what was reported, and the response form and closing for who answers it.

use super::*;

#[derive(Template)]
#[template(path = "incidents/detail.html")]
struct DetailPage {
    layout: Layout,
    r: Row,
    may_respond: bool,
    may_close: bool,
    form: ResponseInput,
    errors: Errors,
    error: Option<String>,
    text_max: usize,
}

async fn detail(
    state: &WebState,
    user: &PageUser,
    id: i64,
) -> Result<(IncidentDetail, Row), PageError> {
    let principal = user.auth.principal.clone();
    Ok(with_db(state, move |conn| {
        let d = service::incident_detail(conn, &principal, id)?;
        let names = Names::load(conn, &[&d.incident])?;
        let r = row(&d.incident, &names)?;
        Ok((d, r))
    })
    .await?)
}

fn detail_page_of(
    user: &PageUser,
    d: IncidentDetail,
    r: Row,
    form: Option<ResponseInput>,
    errors: Errors,
    error: Option<String>,
) -> DetailPage {
    let form = form.unwrap_or_else(|| ResponseInput {
        response: d.incident.response.clone().unwrap_or_default(),
        cause: d.incident.cause.clone().unwrap_or_default(),
        prevention: d.incident.prevention.clone().unwrap_or_default(),
    });
    DetailPage {
        layout: user.layout(&format!("事故・障害 第{}号", d.incident.id)),
        r,
        may_respond: d.may_respond,
        may_close: d.may_close,
        form,
        errors,
        error,
        text_max: TEXT_MAX,
    }
}

#[get("/incidents/{id}")]
async fn detail_page(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let (d, r) = detail(&state, &user, id.into_inner()).await?;
    render(
        StatusCode::OK,
        &detail_page_of(&user, d, r, None, Errors::new(), None),
    )
}

#[derive(Deserialize)]
struct ResponseForm {
    csrf: String,
    #[serde(default)]
    response: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    prevention: String,
}

#[post("/incidents/{id}/response")]
async fn response_submit(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<ResponseForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let f = form.into_inner();
    let input = ResponseInput {
        response: f.response,
        cause: f.cause,
        prevention: f.prevention,
    };
    let principal = user.auth.principal.clone();
    let typed = input.clone();
    match with_db(&state, move |conn| {
        service::record_response(conn, &principal, id, &input)
    })
    .await
    {
        Ok(_) => Ok(done(
            &format!("/incidents/{id}"),
            "対応・原因・再発防止策を記録しました。",
        )),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let (d, r) = detail(&state, &user, id).await?;
            render(
                status,
                &detail_page_of(&user, d, r, Some(typed), errors, error),
            )
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

#[post("/incidents/{id}/close")]
async fn close_submit(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let principal = user.auth.principal.clone();
    match with_db(&state, move |conn| {
        service::close_incident(conn, &principal, id)
    })
    .await
    {
        Ok(_) => Ok(done(&format!("/incidents/{id}"), "完了にしました。")),
        Err(err) => {
            let status = err.status();
            let (_, error) = form_errors(err)?;
            let (d, r) = detail(&state, &user, id).await?;
            render(
                status,
                &detail_page_of(&user, d, r, None, Errors::new(), error),
            )
        }
    }
}
