//! The UPS record form: reading it, checking it, and saving the record.

use crate::error::AppError;
use crate::error::Failure;
use crate::power::rules::SelfTestResult;
use crate::power::service::{self, UpsInput};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{self, Errors, form_date};
use crate::web::layout::done;
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

/// The UPS record form, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
struct UpsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    capacity_va: String,
    #[serde(default)]
    capacity_w: String,
    #[serde(default)]
    rated_runtime_min: String,
    #[serde(default)]
    battery_installed_on: String,
    #[serde(default)]
    battery_replace_due: String,
    #[serde(default)]
    last_self_test_on: String,
    #[serde(default)]
    last_self_test_result: String,
    #[serde(default)]
    outlets_battery: String,
    #[serde(default)]
    outlets_surge_only: String,
    #[serde(default)]
    auto_shutdown: String,
    #[serde(default)]
    maintenance_vendor: String,
    #[serde(default)]
    nut_host: String,
    #[serde(default)]
    nut_port: String,
    #[serde(default)]
    nut_ups_name: String,
}

impl UpsForm {
    fn from_view(v: &service::UpsView) -> UpsForm {
        let s = |o: Option<i32>| o.map(|n| n.to_string()).unwrap_or_default();
        let d = |o: Option<NaiveDate>| o.map(|n| n.to_string()).unwrap_or_default();
        UpsForm {
            csrf: String::new(),
            capacity_va: v.capacity_va.to_string(),
            capacity_w: s(v.capacity_w),
            rated_runtime_min: v.rated_runtime_min.to_string(),
            battery_installed_on: d(v.battery_installed_on),
            battery_replace_due: d(v.battery_replace_due),
            last_self_test_on: d(v.last_self_test_on),
            last_self_test_result: v.last_self_test_result.clone().unwrap_or_default(),
            outlets_battery: s(v.outlets_battery),
            outlets_surge_only: s(v.outlets_surge_only),
            auto_shutdown: v.auto_shutdown.clone().unwrap_or_default(),
            maintenance_vendor: v.maintenance_vendor.clone().unwrap_or_default(),
            nut_host: v.nut_host.clone().unwrap_or_default(),
            nut_port: s(v.nut_port),
            nut_ups_name: v.nut_ups_name.clone().unwrap_or_default(),
        }
    }

    /// The API input, or the fields that are not numbers or dates.
    fn parse(&self) -> Result<UpsInput, Errors> {
        let mut errors = Errors::new();
        let mut number = |field: &str, text: &str, required: bool| -> Option<i64> {
            match crate::kit::text::parse_number::<i64>(text) {
                Ok(Some(n)) => Some(n),
                Ok(None) => {
                    if required {
                        errors.insert(field.to_owned(), "入力してください。".to_owned());
                    }
                    None
                }
                Err(()) => {
                    errors.insert(field.to_owned(), "数字で入力してください。".to_owned());
                    None
                }
            }
        };
        let capacity_va = number("capacity_va", &self.capacity_va, true);
        let capacity_w = number("capacity_w", &self.capacity_w, false);
        let rated = number("rated_runtime_min", &self.rated_runtime_min, true);
        let outlets_battery = number("outlets_battery", &self.outlets_battery, false);
        let outlets_surge_only = number("outlets_surge_only", &self.outlets_surge_only, false);
        let nut_port = number("nut_port", &self.nut_port, false);
        let installed = form_date(
            &mut errors,
            "battery_installed_on",
            &self.battery_installed_on,
        );
        let due = form_date(
            &mut errors,
            "battery_replace_due",
            &self.battery_replace_due,
        );
        let tested = form_date(&mut errors, "last_self_test_on", &self.last_self_test_on);
        if !errors.is_empty() {
            return Err(errors);
        }
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        Ok(UpsInput {
            capacity_va: capacity_va.unwrap_or_default(),
            capacity_w,
            rated_runtime_min: rated.unwrap_or_default(),
            battery_installed_on: installed,
            battery_replace_due: due,
            last_self_test_on: tested,
            last_self_test_result: opt(&self.last_self_test_result),
            outlets_battery,
            outlets_surge_only,
            auto_shutdown: opt(&self.auto_shutdown),
            maintenance_vendor: opt(&self.maintenance_vendor),
            nut_host: opt(&self.nut_host),
            nut_port,
            nut_ups_name: opt(&self.nut_ups_name),
        })
    }
}

#[derive(Template)]
#[template(path = "power/ups_form.html")]
struct UpsFormPage {
    layout: Layout,
    asset_tag: String,
    form: UpsForm,
    errors: Errors,
    error: Option<String>,
    results: Vec<(&'static str, &'static str)>,
}

fn form_page(user: &PageUser, tag: &str, form: UpsForm) -> UpsFormPage {
    UpsFormPage {
        layout: user.layout(&format!("UPS {tag} の情報")),
        asset_tag: tag.to_owned(),
        form,
        errors: Errors::new(),
        error: None,
        results: SelfTestResult::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
    }
}

/// The UPS, after checking the user may edit it (403/404/409 otherwise).
async fn editable(
    state: &web::Data<WebState>,
    user: &PageUser,
    tag: String,
) -> Result<(String, Option<service::UpsView>), AppError> {
    let principal = user.auth.principal.clone();
    with_db(state, move |conn| {
        service::editable_ups(conn, &principal, &tag)
    })
    .await
}

#[get("/power/ups/{tag}/edit")]
pub(super) async fn ups_edit_form(
    state: web::Data<WebState>,
    user: PageUser,
    tag: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (tag, view) = editable(&state, &user, tag.into_inner()).await?;
    let form = view.as_ref().map(UpsForm::from_view).unwrap_or_default();
    render(StatusCode::OK, &form_page(&user, &tag, form))
}

#[post("/power/ups/{tag}/edit")]
pub(super) async fn ups_edit_submit(
    state: web::Data<WebState>,
    user: PageUser,
    tag: web::Path<String>,
    form: web::Form<UpsForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (tag, _) = editable(&state, &user, tag.into_inner()).await?;
    let form = form.into_inner();
    let result = match form.parse() {
        Err(errors) => Err(AppError::invalid_fields(errors).expect("errors are not empty")),
        Ok(input) => {
            let principal = user.auth.principal.clone();
            let t = tag.clone();
            let ports = state.settings.nut_ports.clone();
            with_db(&state, move |conn| {
                service::set_ups(conn, &principal, &t, input, &ports)
            })
            .await
        }
    };
    match result {
        Ok(_) => Ok(done(
            &format!("/power/ups/{tag}"),
            "UPSの情報を保存しました。",
        )),
        Err(err) => {
            // Only a mistyped field comes back onto this form; a refusal is the error page.
            let (errors, error) = forms::form_errors_for(err, &[Failure::Invalid])?;
            let mut page = form_page(&user, &tag, form);
            page.errors = errors;
            page.error = error;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
