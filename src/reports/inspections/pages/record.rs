//! One inspection: its frozen findings, a form per finding, the sign-off and the A4 print.

use super::*;

struct FindingRow {
    n: i32,
    article: String,
    message: String,
    code: String,
    href: Option<String>,
    disposition: Option<Disposition>,
    disposition_label: &'static str,
    comment: String,
    decided: String,
    error: Option<String>,
}

struct Choice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "reports/inspection.html")]
struct DetailPage {
    layout: Layout,
    v: InspectionView,
    period: String,
    opened: String,
    signed_at: String,
    signed: bool,
    may_decide: bool,
    findings: Vec<FindingRow>,
    choices: Vec<Choice>,
    comment_max: usize,
    error: Option<String>,
}

/// The page of the record a finding is about: the report's one link mapping.
fn record_href(f: &FindingView) -> Option<String> {
    let (kind, id) = (f.entity_type.as_deref()?, f.entity_id.as_deref()?);
    crate::reports::rules::record_paths(kind, id).map(|(page, _)| page)
}

async fn show_detail(
    state: &WebState,
    user: &PageUser,
    id: i64,
    failed: Option<(i32, String, String, Option<Disposition>)>,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let v = with_db(state, move |conn| service::get(conn, &principal, id)).await?;
    let signed = v.state == InspectionState::Signed;
    let status = if failed.is_some() || error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let findings = v
        .findings
        .iter()
        .map(|f| {
            let mut row = FindingRow {
                n: f.n,
                article: f.article.clone(),
                message: f.message.clone(),
                code: f.code.clone(),
                href: record_href(f),
                disposition: f.disposition,
                disposition_label: f.disposition.map_or("未記入", |d| d.label()),
                comment: f.comment.clone(),
                decided: match (&f.decided_by_name, f.decided_at) {
                    (Some(who), Some(at)) => format!("{}（{}）", wareki_datetime(at), who),
                    _ => String::new(),
                },
                error: None,
            };
            if let Some((n, message, comment, disposition)) = &failed
                && *n == f.n
            {
                row.error = Some(message.clone());
                row.comment = comment.clone();
                row.disposition = *disposition;
            }
            row
        })
        .collect();
    let page = DetailPage {
        layout: user.layout(&format!("点検記録 No.{id}")),
        period: period(v.from, v.to),
        opened: wareki_datetime(v.opened_at),
        signed_at: v.signed_at.map(wareki_datetime).unwrap_or_default(),
        signed,
        may_decide: !signed && user.has_any(service::INSPECTORS),
        findings,
        choices: Disposition::ALL
            .iter()
            .map(|d| Choice {
                value: d.as_str(),
                label: d.label(),
            })
            .collect(),
        comment_max: COMMENT_MAX,
        error,
        v,
    };
    render(status, &page)
}

#[get("/inspections/{id}")]
async fn detail_page(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    show_detail(&state, &user, id.into_inner(), None, None).await
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    comment: String,
}

#[post("/inspections/{id}/findings/{n}")]
async fn decide_submit(
    state: web::Data<WebState>,
    user: PageUser,
    path: web::Path<(i64, i32)>,
    form: web::Form<DecideForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (id, n) = path.into_inner();
    let form = form.into_inner();
    let Some(disposition) = Disposition::parse(&form.disposition) else {
        let failed = (
            n,
            "対応区分を選んでください。".to_owned(),
            form.comment,
            None,
        );
        return show_detail(&state, &user, id, Some(failed), None).await;
    };
    let principal = user.auth.principal.clone();
    let comment = form.comment.clone();
    match with_db(&state, move |conn| {
        service::decide(conn, &principal, id, n, disposition, &comment)
    })
    .await
    {
        Ok(_) => Ok(done(
            &format!("/inspections/{id}#finding-{n}"),
            &format!("指摘 {n} を「{}」として記録しました。", disposition.label()),
        )),
        Err(e) => {
            let (fields, message) = form_errors(e)?;
            let message = message
                .or_else(|| fields.into_values().next())
                .unwrap_or_default();
            let failed = (n, message, form.comment, Some(disposition));
            show_detail(&state, &user, id, Some(failed), None).await
        }
    }
}

#[derive(Deserialize)]
struct SignForm {
    #[serde(default)]
    csrf: String,
}

#[post("/inspections/{id}/sign")]
async fn sign_submit(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<SignForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let id = id.into_inner();
    let principal = user.auth.principal.clone();
    let settings = state.settings.clone();
    match with_db(&state, move |conn| {
        service::sign(conn, &principal, &settings, id)
    })
    .await
    {
        Ok(_) => Ok(done(
            &format!("/inspections/{id}"),
            &format!("点検記録 No.{id} に署名しました。以後は変更できません。"),
        )),
        Err(e) => {
            let (_, message) = form_errors(e.clone())?;
            let message = message.unwrap_or(e.message);
            show_detail(&state, &user, id, None, Some(message)).await
        }
    }
}
