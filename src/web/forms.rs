//! Form plumbing shared by every area's pages: how a service error comes back
//! onto the form that caused it, and the small parsers of typed-in values.

use crate::error::{AppError, Failure};
use crate::web::PageError;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Messages beside the fields, by field name.
pub type Errors = BTreeMap<String, String>;

/// The failures a form shows in place (the person can correct the input, or
/// must read why the step was refused); anything else is an error page.
pub const ON_FORM: &[Failure] = &[Failure::Invalid, Failure::Conflict, Failure::Forbidden];

/// Splits a service error into what a form shows: field messages beside the
/// fields, or one message on top; other errors become the error page.
pub fn form_errors(err: AppError) -> Result<(Errors, Option<String>), PageError> {
    form_errors_for(err, ON_FORM)
}

/// [`form_errors`] for a form that shows only the failures in `shown`.
pub fn form_errors_for(
    err: AppError,
    shown: &[Failure],
) -> Result<(Errors, Option<String>), PageError> {
    if !shown.contains(&err.kind) {
        return Err(err.into());
    }
    Ok(match err.fields {
        Some(fields) if !fields.is_empty() => (fields, None),
        _ => (Errors::new(), Some(err.message)),
    })
}

/// A date typed into a form: blank is absent, otherwise `YYYY-MM-DD`.
pub fn form_date(errors: &mut Errors, field: &str, value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    required_date(errors, field, v)
}

/// A date that must be given, as `YYYY-MM-DD`.
pub fn required_date(errors: &mut Errors, field: &str, value: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.insert(
                field.into(),
                crate::kit::time::date_format_message(crate::db::now()),
            );
            None
        }
    }
}

/// Asset tags typed into one field: separated by commas (also 、), spaces (also
/// full-width) or lines, as people paste them from a list.
pub fn tag_list(text: &str) -> Vec<String> {
    text.split([',', '、', ' ', '\n', '\r', '\u{3000}'])
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// An optional form value: blank is none.
pub fn opt(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}
