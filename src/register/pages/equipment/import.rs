//! The register's CSV upload on the page (issue 13 item 16): the same
//! all-or-nothing import as the API and `daicho import`, with every bad line
//! in a table, numbered as Excel shows it (the header is line 1).

use super::*;
use crate::register::service::csv_io::{self, IMPORT_LIMIT, ImportError, RowCounter};
use crate::web::multipart;
use actix_web::HttpRequest;
use futures_util::StreamExt;

pub(super) struct BadLine {
    pub(super) line: u64,
    pub(super) message: String,
}

#[derive(Template)]
#[template(path = "register/equipment_import.html")]
pub(super) struct ImportPage {
    pub(super) layout: Layout,
    pub(super) filename: String,
    pub(super) bad_lines: Vec<BadLine>,
    pub(super) error: Option<String>,
}

fn page(
    user: &PageUser,
    filename: String,
    bad_lines: Vec<BadLine>,
    error: Option<String>,
) -> ImportPage {
    ImportPage {
        layout: user.layout("機器台帳のCSV取込"),
        filename,
        bad_lines,
        error,
    }
}

#[get("/equipment/import")]
pub(super) async fn equipment_import_form(user: PageUser) -> Result<HttpResponse, PageError> {
    user.require_any(EDITORS)?;
    render(StatusCode::OK, &page(&user, String::new(), vec![], None))
}

/// The body, up to the import's limit; past it, the page says so.
async fn read_upload(mut payload: web::Payload) -> Result<Vec<u8>, AppError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            AppError::bad_request("bad_request", "送信データを受け取れませんでした。")
        })?;
        if body.len() + chunk.len() > IMPORT_LIMIT + 64 * 1024 {
            return Err(AppError::new(
                crate::error::Failure::TooLarge,
                "payload_too_large",
                format!(
                    "ファイルが大きすぎます（上限 {} MB）。分けて取り込んでください。",
                    IMPORT_LIMIT / 1024 / 1024
                ),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[post("/equipment/import")]
pub(super) async fn equipment_import_submit(
    state: web::Data<WebState>,
    user: PageUser,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    user.require_any(EDITORS)?;
    let boundary = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary)
        .ok_or_else(|| AppError::bad_request("bad_form", "ファイルを選んで送信してください。"))?;
    let body = read_upload(payload).await?;
    let parts = multipart::parse(&body, &boundary)?;
    let field = |name: &str| parts.iter().find(|p| p.name == name);
    let csrf = field("csrf").map(|p| String::from_utf8_lossy(&p.data).into_owned());
    user.check_csrf(csrf.as_deref().unwrap_or(""))?;
    let file = field("file").filter(|p| !p.data.is_empty());
    let filename = file.and_then(|p| p.filename.clone()).unwrap_or_default();
    let Some(file) = file else {
        let message = "取り込むCSVファイルを選んでください。".to_owned();
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&user, filename, vec![], Some(message)),
        );
    };
    let mut rows = RowCounter::new(state.settings.import_max_rows);
    if let Err(e) = rows.feed(&file.data).and_then(|()| rows.finish()) {
        return render(e.status(), &page(&user, filename, vec![], Some(e.message)));
    }
    let (bytes, principal) = (file.data.clone(), user.auth.principal.clone());
    let result = with_db(&state, move |conn| {
        Ok(csv_io::import_equipment(
            conn,
            &principal,
            &bytes,
            &mut |_, _| {},
        ))
    })
    .await?;
    match result {
        Ok(outcome) => Ok(done(
            "/equipment",
            &format!(
                "CSVを取り込みました（登録 {}台・更新 {}台・変更なし {}台）。",
                outcome.created, outcome.updated, outcome.unchanged
            ),
        )),
        Err(ImportError::Lines(lines)) => {
            let message = format!(
                "{}行に誤りがあるため、何も取り込んでいません。直して、もう一度取り込んでください。",
                lines.len()
            );
            let bad_lines = lines
                .into_iter()
                .map(|l| BadLine {
                    line: l.line,
                    message: l.message,
                })
                .collect();
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&user, filename, bad_lines, Some(message)),
            )
        }
        Err(ImportError::App(e))
            if e.status().is_client_error() && e.status() != StatusCode::FORBIDDEN =>
        {
            render(e.status(), &page(&user, filename, vec![], Some(e.message)))
        }
        Err(ImportError::App(e)) => Err(e.into()),
    }
}
