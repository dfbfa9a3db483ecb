//! JSON input: `ApiJson<T>` reads the body itself so that every fault becomes
//! the right 4xx — 400 for malformed JSON, 413 for too much of it, 415 for
//! another media type, 422 naming the field for a wrong or unknown value.

use super::input::control_character;
use crate::error::{AppError, Failure};
use crate::kit::text;
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 64 * 1024;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json::<T>(req, payload, None);
        Box::pin(async move { body.await.map(ApiJson) })
    }
}

/// A JSON body that may be left out: no body, or nothing but whitespace, is
/// `T::default()`; one that is sent is held to the same rules as `ApiJson`.
/// For the workflow actions, whose body is an optional note ([`DecisionNote`]).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json::<T>(req, payload, Some(T::default));
        Box::pin(async move { body.await.map(OptionalJson) })
    }
}

/// The optional body of approve / reject / revoke: `{"note": "…"}`, or none.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionNote {
    /// A note on the decision, or the reason for a revocation.
    pub note: Option<String>,
}

/// Reads and parses a JSON body; `when_empty` answers a body that is empty
/// or only whitespace (without it, that body is malformed JSON).
fn read_json<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    when_empty: Option<fn() -> T>,
) -> LocalBoxFuture<'static, Result<T, AppError>> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"));
    let declared_too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > JSON_LIMIT);
    let body = web::Bytes::from_request(req, payload);
    Box::pin(async move {
        if declared_too_large {
            return Err(too_large());
        }
        let bytes = body.await.map_err(|e| payload_error(&e))?;
        if let Some(default) = when_empty
            && bytes.iter().all(u8::is_ascii_whitespace)
        {
            return Ok(default());
        }
        if !is_json {
            return Err(AppError::new(
                Failure::UnsupportedMediaType,
                "unsupported_media_type",
                "Content-Type: application/json で送信してください。",
            ));
        }
        if bytes.len() > JSON_LIMIT {
            return Err(too_large());
        }
        parse(&bytes)
    })
}

fn too_large() -> AppError {
    AppError::new(
        Failure::TooLarge,
        "payload_too_large",
        "送信データが大きすぎます。",
    )
}

pub(crate) fn payload_error(e: &actix_web::Error) -> AppError {
    if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::bad_request("bad_body", "リクエスト本文を読み取れませんでした。")
    }
}

/// Parses JSON, naming the field at fault when the JSON is well-formed but wrong.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if let Some((field, c)) = control_in_json(bytes) {
        return Err(control_character(&field, c));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        describe(&path, err.into_inner())
    })?;
    deserializer.end().map_err(|e| describe(".", e))?;
    Ok(value)
}

fn describe(path: &str, inner: serde_json::Error) -> AppError {
    match inner.classify() {
        serde_json::error::Category::Data => {
            let detail = inner.to_string();
            let at_root = path == "." || path.is_empty();
            let field = match named_field(&detail) {
                Some(name) if at_root => name.to_owned(),
                // serde_path_to_error already ends the path with an unknown field's name.
                Some(name) if path == name || path.ends_with(&format!(".{name}")) => {
                    path.to_owned()
                }
                Some(name) => format!("{path}.{name}"),
                None if at_root => "body".to_owned(),
                None => path.to_owned(),
            };
            let mut fields = BTreeMap::new();
            fields.insert(field.clone(), strip_position(&detail));
            AppError::invalid_fields(fields)
                .unwrap_or_else(|| AppError::invalid(&field, "値が不正です。"))
        }
        _ => AppError::bad_request("malformed_json", "JSONの形式が正しくありません。"),
    }
}

/// The first string (or key) of a JSON text that carries a forbidden control
/// character, with its path (`visitor.name`, `asset_tags[2]`). Raw C0
/// characters cannot stand in a JSON string (serde refuses them as malformed);
/// the rest can only come as a `\u` escape, or raw as DEL or C1, so a body
/// with none of those is passed without a second parse.
fn control_in_json(bytes: &[u8]) -> Option<(String, char)> {
    let suspicious = bytes
        .windows(2)
        .any(|w| w == b"\\u" || w[0] == 0x7F || (w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1])))
        || bytes.last() == Some(&0x7F);
    if !suspicious {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    control_in_value(&value, String::new())
}

fn control_in_value(value: &serde_json::Value, path: String) -> Option<(String, char)> {
    use serde_json::Value;
    let here = |path: &str| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        Value::String(s) => text::first_forbidden_control(s).map(|c| (here(&path), c)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| control_in_value(item, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let inner = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match text::first_forbidden_control(key) {
                Some(c) => Some((here(&path), c)),
                None => control_in_value(item, inner),
            }
        }),
        _ => None,
    }
}

/// serde names unknown and missing fields inside backquotes.
fn named_field(detail: &str) -> Option<&str> {
    for prefix in ["unknown field `", "missing field `", "duplicate field `"] {
        if let Some(rest) = detail.strip_prefix(prefix) {
            return rest.split('`').next();
        }
    }
    None
}

fn strip_position(detail: &str) -> String {
    match detail.rfind(" at line ") {
        Some(i) => detail[..i].to_owned(),
        None => detail.to_owned(),
    }
}

/// Query-string faults: 422 naming the parameter.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    let detail = err.to_string();
    let field = detail
        .split("field `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or("query")
        .to_owned();
    AppError::invalid(
        &field,
        format!("パラメータが不正です: {}", strip_position(&detail)),
    )
    .into()
}

/// Path faults (`/users/abc`): nothing there.
pub fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::not_found("指定されたデータが見つかりません。").into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        username: String,
        password: String,
    }

    #[test]
    fn faults_map_to_statuses_and_fields() {
        let e = parse::<Login>(b"{\"username\": ").unwrap_err();
        assert_eq!(
            (e.status().as_u16(), e.code.as_ref()),
            (400, "malformed_json")
        );
        let e = parse::<Login>(b"{\"username\": 5, \"password\": \"x\"}").unwrap_err();
        assert_eq!(e.status().as_u16(), 422);
        assert!(e.fields.unwrap().contains_key("username"));
        let e = parse::<Login>(b"{\"username\": \"a\", \"password\": \"x\", \"admin\": true}")
            .unwrap_err();
        assert!(e.fields.unwrap().contains_key("admin"));
        let e = parse::<Login>(b"{\"username\": \"a\"}").unwrap_err();
        assert!(e.fields.unwrap().contains_key("password"));
        let e = parse::<Login>(b"{\"username\": \"\xff\", \"password\": \"x\"}").unwrap_err();
        assert_eq!(e.status().as_u16(), 400);
        let e = parse::<Login>(b"{\"username\": \"a\", \"password\": \"x\"} trailing").unwrap_err();
        assert_eq!(e.status().as_u16(), 400);
        assert!(parse::<Login>(b"{\"username\": \"a\", \"password\": \"x\"}").is_ok());
        let e = parse::<Login>(b"{\"username\": \"a\\u0000\", \"password\": \"x\"}").unwrap_err();
        assert_eq!(
            (e.status().as_u16(), e.code.as_ref()),
            (422, "control_character")
        );
        assert!(e.fields.unwrap().contains_key("username"));
    }

    async fn note_of(
        content_type: Option<&str>,
        body: &'static str,
    ) -> Result<DecisionNote, AppError> {
        let mut request = actix_web::test::TestRequest::post().set_payload(body);
        if let Some(ct) = content_type {
            request = request.insert_header((header::CONTENT_TYPE, ct));
        }
        let (req, mut payload) = request.to_http_parts();
        OptionalJson::<DecisionNote>::from_request(&req, &mut payload)
            .await
            .map(|j| j.0)
    }

    #[actix_web::test]
    async fn an_optional_body_may_be_left_out_but_not_sent_wrong() {
        assert_eq!(note_of(None, "").await.unwrap().note, None);
        assert_eq!(note_of(None, " \n").await.unwrap().note, None);
        let json = Some("application/json");
        let note = note_of(json, r#"{"note": "確認済み"}"#).await.unwrap();
        assert_eq!(note.note.as_deref(), Some("確認済み"));
        let e = note_of(Some("text/plain"), r#"{"note": "x"}"#)
            .await
            .unwrap_err();
        assert_eq!(e.status().as_u16(), 415);
        let e = note_of(json, r#"{"notes": "x"}"#).await.unwrap_err();
        assert!(e.fields.unwrap().contains_key("notes"));
        let e = note_of(json, "{").await.unwrap_err();
        assert_eq!(e.code, "malformed_json");
    }
}
