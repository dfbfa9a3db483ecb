//! ライセンス管理: compliance per software with over-use flagged, the license ledger,
//! the CSV for the audit, and the forms to register software and licenses.

use crate::identity::Role;
use crate::identity::service::Department;
use crate::kit::time::wareki_date;
use crate::licenses::rules::{EXPIRY_WARNING_DAYS, LicenseKind};
use crate::licenses::service::{self, ComplianceReport, LicenseInput, SoftwareInput};
use crate::licenses::service::{License, Software};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{Errors, form_date, form_errors, opt};
use crate::web::input::form_number;
use crate::web::layout::done;
use crate::web::{Layout, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(licenses_page)
        .service(licenses_csv)
        .service(software_submit)
        .service(license_submit);
}

struct ComplianceLine {
    /// The row's anchor, which the 点検 page's findings link to.
    software_id: i64,
    name: String,
    vendor: String,
    edition: String,
    licenses: i64,
    seats: String,
    installed: i64,
    over_by: i64,
    expiry: String,
    expiry_warn: bool,
    unapproved: i64,
    attention: bool,
}

struct LicenseLine {
    software: String,
    kind: &'static str,
    seats: String,
    validity: String,
    certificate_number: String,
    purchase: String,
    department: String,
}

struct Choice {
    id: i64,
    label: String,
}

#[derive(Default)]
struct SoftwareValues {
    name: String,
    vendor: String,
    edition: String,
}

#[derive(Default, Deserialize)]
struct LicenseValues {
    software_id: String,
    kind: String,
    seats: String,
    valid_from: String,
    valid_until: String,
    certificate_number: String,
    purchased_on: String,
    purchased_from: String,
    purchase_price_yen: String,
    department_id: String,
    notes: String,
}

#[derive(Template)]
#[template(path = "licenses/index.html")]
struct LicensesPage {
    layout: Layout,
    as_of: String,
    lines: Vec<ComplianceLine>,
    over_count: usize,
    licenses: Vec<LicenseLine>,
    can_register: bool,
    software_choices: Vec<Choice>,
    department_choices: Vec<Choice>,
    kinds: Vec<(&'static str, &'static str)>,
    software_form: SoftwareValues,
    license_form: LicenseValues,
    software_errors: Errors,
    license_errors: Errors,
    error: Option<String>,
}

struct Loaded {
    report: ComplianceReport,
    software: Vec<Software>,
    licenses: Vec<License>,
    departments: Vec<Department>,
}

async fn load(state: &WebState, user: &PageUser) -> Result<Loaded, PageError> {
    let principal = user.auth.principal.clone();
    Ok(with_db(state, move |conn| {
        let report = service::compliance(conn, &principal, service::today())?;
        let software = service::list_software(conn, &principal)?;
        let (licenses, _) = service::list_licenses(conn, &principal, None, 0, 1000)?;
        let departments = crate::identity::service::list_departments(conn)?;
        Ok(Loaded {
            report,
            software,
            licenses,
            departments,
        })
    })
    .await?)
}

fn build(user: &PageUser, data: Loaded) -> LicensesPage {
    let lines: Vec<ComplianceLine> = data
        .report
        .items
        .iter()
        .map(|r| ComplianceLine {
            software_id: r.software_id,
            name: r.name.clone(),
            vendor: r.vendor.clone(),
            edition: r.edition.clone().unwrap_or_default(),
            licenses: r.licenses,
            seats: r
                .seats
                .map_or_else(|| "無制限".to_owned(), |s| s.to_string()),
            installed: r.installed,
            over_by: r.over_by,
            expiry: match r.expiring_in_days {
                Some(0) => "本日まで".to_owned(),
                Some(d) => format!("あと{d}日"),
                None => "—".to_owned(),
            },
            expiry_warn: r.expiring_in_days.is_some_and(|d| d <= EXPIRY_WARNING_DAYS),
            unapproved: r.unapproved_installs,
            attention: r.attention,
        })
        .collect();
    let name_of = |id: i64| {
        data.software
            .iter()
            .find(|s| s.id == id)
            .map(software_label)
            .unwrap_or_default()
    };
    let licenses = data
        .licenses
        .iter()
        .map(|l| LicenseLine {
            software: name_of(l.software_id),
            kind: LicenseKind::parse(&l.kind).map_or("", |k| k.label()),
            seats: l
                .seats
                .map_or_else(|| "無制限".to_owned(), |s| s.to_string()),
            validity: match (l.valid_from, l.valid_until) {
                (None, None) => "期限なし".to_owned(),
                (from, until) => format!(
                    "{}〜{}",
                    from.map(wareki_date).unwrap_or_default(),
                    until.map(wareki_date).unwrap_or_default()
                ),
            },
            certificate_number: l.certificate_number.clone().unwrap_or_default(),
            purchase: [
                l.purchased_on.map(wareki_date).unwrap_or_default(),
                l.purchased_from.clone().unwrap_or_default(),
                l.purchase_price_yen
                    .map(|p| format!("{}円", crate::kit::text::grouped(p)))
                    .unwrap_or_default(),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" / "),
            department: data
                .departments
                .iter()
                .find(|d| d.id == l.department_id)
                .map(|d| d.name.clone())
                .unwrap_or_default(),
        })
        .collect();
    LicensesPage {
        layout: user.layout("ライセンス管理"),
        as_of: wareki_date(data.report.as_of),
        over_count: lines.iter().filter(|l| l.over_by > 0).count(),
        lines,
        licenses,
        can_register: user.has_any(&[Role::Admin, Role::SecurityManager]),
        software_choices: data
            .software
            .iter()
            .map(|s| Choice {
                id: s.id,
                label: software_label(s),
            })
            .collect(),
        department_choices: data
            .departments
            .iter()
            .map(|d| Choice {
                id: d.id,
                label: d.name.clone(),
            })
            .collect(),
        kinds: LicenseKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        software_form: SoftwareValues::default(),
        license_form: LicenseValues {
            kind: "device".into(),
            department_id: user
                .department_id
                .map(|d| d.to_string())
                .unwrap_or_default(),
            ..LicenseValues::default()
        },
        software_errors: Errors::new(),
        license_errors: Errors::new(),
        error: None,
    }
}

pub(crate) fn software_label(s: &Software) -> String {
    match &s.edition {
        Some(e) => format!("{} {} {}", s.vendor, s.name, e),
        None => format!("{} {}", s.vendor, s.name),
    }
}

#[get("/licenses")]
async fn licenses_page(
    state: web::Data<WebState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let data = load(&state, &user).await?;
    render(StatusCode::OK, &build(&user, data))
}

/// The compliance report for the audit: Excel-ready CSV (UTF-8 with BOM).
#[get("/licenses/export.csv")]
async fn licenses_csv(
    state: web::Data<WebState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let principal = user.auth.principal.clone();
    let report = with_db(&state, move |conn| {
        service::compliance(conn, &principal, service::today())
    })
    .await?;
    Ok(crate::licenses::api::csv_response(&report))
}

#[derive(Deserialize)]
struct SoftwareForm {
    csrf: String,
    name: String,
    vendor: String,
    edition: String,
}

#[post("/licenses/software")]
async fn software_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<SoftwareForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let input = SoftwareInput {
        name: form.name.clone(),
        vendor: form.vendor.clone(),
        edition: opt(&form.edition),
    };
    let principal = user.auth.principal.clone();
    match with_db(&state, move |conn| {
        service::create_software(conn, &principal, &input)
    })
    .await
    {
        Ok(_) => Ok(done("/licenses", "ソフトウェアを登録しました。")),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let mut page = build(&user, load(&state, &user).await?);
            page.software_form = SoftwareValues {
                name: form.name,
                vendor: form.vendor,
                edition: form.edition,
            };
            page.software_errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}

#[derive(Deserialize)]
struct LicenseForm {
    csrf: String,
    #[serde(flatten)]
    values: LicenseValues,
}

#[post("/licenses/new")]
async fn license_submit(
    state: web::Data<WebState>,
    user: PageUser,
    form: web::Form<LicenseForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let v = form.into_inner().values;
    let mut errors = Errors::new();
    let software_id = form_number::<i64>(&mut errors, "software_id", &v.software_id);
    let department_id = form_number::<i64>(&mut errors, "department_id", &v.department_id);
    let input = LicenseInput {
        software_id: software_id.unwrap_or(0),
        kind: v.kind.clone(),
        seats: form_number(&mut errors, "seats", &v.seats),
        valid_from: form_date(&mut errors, "valid_from", &v.valid_from),
        valid_until: form_date(&mut errors, "valid_until", &v.valid_until),
        certificate_number: opt(&v.certificate_number),
        purchased_on: form_date(&mut errors, "purchased_on", &v.purchased_on),
        purchased_from: opt(&v.purchased_from),
        purchase_price_yen: form_number(&mut errors, "purchase_price_yen", &v.purchase_price_yen),
        department_id: department_id.unwrap_or(0),
        notes: opt(&v.notes),
    };
    let result = if errors.is_empty() {
        let principal = user.auth.principal.clone();
        with_db(&state, move |conn| {
            service::create_license(conn, &principal, &input)
        })
        .await
        .map(|_| ())
    } else {
        Err(crate::error::AppError::invalid_fields(errors)
            .unwrap_or_else(|| crate::error::AppError::internal("no faults")))
    };
    match result {
        Ok(()) => Ok(done("/licenses", "ライセンスを登録しました。")),
        Err(err) => {
            let status = err.status();
            let (errors, error) = form_errors(err)?;
            let mut page = build(&user, load(&state, &user).await?);
            page.license_form = v;
            page.license_errors = errors;
            page.error = error;
            render(status, &page)
        }
    }
}
