//! The settle form of a 無許可持出: a manager of the zone records how it ended.

use super::detail_with;
use crate::register::rules::Settlement;
use crate::register::service::movements::{self as service, SETTLEMENT_NOTE_MAX, SettleInput};
use crate::web::forms::{Errors, form_errors};
use crate::web::layout::done;
use crate::web::{PageError, PageUser, WebState, render, with_db};
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

/// What the form shows: the choices, what was typed, and what was wrong with it.
#[derive(Debug, Default)]
pub(super) struct SettleForm {
    pub(super) outcome: String,
    pub(super) note: String,
    pub(super) errors: Errors,
}

impl SettleForm {
    pub(super) fn outcomes(&self) -> Vec<(&'static str, &'static str, bool)> {
        Settlement::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(), s.as_str() == self.outcome))
            .collect()
    }

    pub(super) fn note_max(&self) -> usize {
        SETTLEMENT_NOTE_MAX
    }
}

#[derive(Deserialize)]
struct SettleFields {
    csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

#[post("/movements/{id}/settle")]
pub(super) async fn settle_submit(
    state: web::Data<WebState>,
    user: PageUser,
    id: web::Path<i64>,
    form: web::Form<SettleFields>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (id, form) = (id.into_inner(), form.into_inner());
    let result = match Settlement::parse(&form.outcome) {
        None => Err(crate::error::AppError::invalid(
            "outcome",
            "処理の結果を選んでください。",
        )),
        Some(outcome) => {
            let principal = user.auth.principal.clone();
            let input = SettleInput {
                outcome,
                note: form.note.clone(),
            };
            with_db(&state, move |conn| {
                service::settle(conn, &principal, id, &input)
            })
            .await
        }
    };
    match result {
        Ok(m) => Ok(done(
            &format!("/movements/{id}"),
            &format!(
                "無許可持出を「{}」として処理しました。",
                m.settlement.map_or("", |s| s.label())
            ),
        )),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let kept = SettleForm {
                outcome: form.outcome,
                note: form.note,
                errors,
            };
            let page = detail_with(&state, &user, id, error, kept).await?;
            render(status, &page)
        }
    }
}
