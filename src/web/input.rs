//! One check of control characters for every input (issue 11 item 10): the
//! query string, the path and form bodies here, as middleware in front of
//! every route; JSON bodies in [`super::json`]. A NUL reached PostgreSQL and
//! answered 500; now it, and every other control character, answers 422
//! `control_character` naming the field, before any handler runs.

use super::json::payload_error;
use crate::error::AppError;
use crate::kit::text;
use crate::web::PageError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use std::borrow::Cow;

/// 422 `control_character`, naming the field.
pub fn control_character(field: &str, c: char) -> AppError {
    AppError::invalid(
        field,
        format!("制御文字（{}）は使えません。", text::code_point(c)),
    )
    .with_code("control_character")
}

/// The first field of a `application/x-www-form-urlencoded` text (a query
/// string or a form body) that carries a forbidden control character.
pub fn control_in_urlencoded(encoded: &str) -> Option<(String, char)> {
    // Text that is not UTF-8 once decoded is for the extractor to refuse.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(encoded).ok()?;
    pairs.into_iter().find_map(|(name, value)| {
        text::first_forbidden_control(&name)
            .or_else(|| text::first_forbidden_control(&value))
            .map(|c| (name, c))
    })
}

fn control_in_path(path: &str) -> Option<char> {
    let decoded: Cow<'_, str> = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    text::first_forbidden_control(&decoded)
}

/// Largest form body a page accepts. Far above any field's own limit (a
/// 10,000-character text is about 90 KB once percent-encoded), so that an
/// oversized field comes back as the form with its error beside it, kept as
/// typed, and not as a bare 413 page (issue 13 item 9).
pub const FORM_LIMIT: usize = 1024 * 1024;

async fn read_form(req: &mut ServiceRequest) -> Result<web::Bytes, AppError> {
    use futures_util::StreamExt;
    let mut payload = actix_web::HttpMessage::take_payload(req);
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| payload_error(&e.into()))?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(AppError::new(
                crate::error::Failure::TooLarge,
                "payload_too_large",
                "送信データが大きすぎます。",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn is_form(req: &ServiceRequest) -> bool {
    req.method() != Method::GET
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The middleware: refuses a request whose path, query or form body carries
/// a control character — JSON under `/api`, a Japanese page elsewhere.
pub async fn refuse_control_characters(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    let mut fault = control_in_path(req.path())
        .map(|c| ("path".to_owned(), c))
        .or_else(|| control_in_urlencoded(req.query_string()));
    if fault.is_none() && is_form(&req) {
        // Read the form here (within the form limit) and put it back for the handler.
        let body = match read_form(&mut req).await {
            Ok(body) => body,
            Err(e) => {
                let response = PageError::App(e).error_response();
                return Ok(req.into_response(response).map_into_right_body());
            }
        };
        fault = std::str::from_utf8(&body)
            .ok()
            .and_then(control_in_urlencoded);
        req.set_payload(Payload::from(body));
    }
    if let Some((field, c)) = fault {
        let err = control_character(&field, c);
        let response = if req.path().starts_with("/api/") {
            err.error_response()
        } else {
            PageError::App(err).error_response()
        };
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// A number typed into a form, as an IME user types it (「２」, 「38,500」):
/// blank is absent; anything else that is not a number is a field error.
pub fn form_number<T: std::str::FromStr>(
    errors: &mut std::collections::BTreeMap<String, String>,
    field: &str,
    value: &str,
) -> Option<T> {
    match text::parse_number(value) {
        Ok(n) => n,
        Err(()) => {
            errors.insert(field.into(), "数字で入力してください。".into());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_with_a_control_character() {
        assert_eq!(
            control_in_urlencoded("q=ab%00c&page=1"),
            Some(("q".to_owned(), '\0'))
        );
        assert_eq!(
            control_in_urlencoded("entity_id=1&from=%7F"),
            Some(("from".to_owned(), '\u{7F}'))
        );
        assert_eq!(control_in_urlencoded("tags=A-1%0D%0AA-2&layout=12"), None);
        assert_eq!(control_in_urlencoded("q=%E6%97%A5%E6%9C%AC"), None);
        assert_eq!(control_in_path("/api/v1/equipment/SRV%00"), Some('\0'));
        assert_eq!(control_in_path("/e/SRV-001"), None);
    }
}
