//! Keeping the OpenAPI document true. The answers every operation can give
//! whatever its handler does (a refused session, unreadable JSON, a database
//! that is down…) come from shared extractors, not from the handlers'
//! annotations, so they are added here to every operation they apply to; and
//! a wrong method on a known path answers 405 with `Allow`, as the document
//! implies, instead of 404.

use crate::error::{AppError, Failure};
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// Adds the shared answers to every operation that can give them.
pub fn add_common_answers(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_params = path.contains('{');
        for (_, operation) in operations_mut(item) {
            let secured = operation
                .security
                .as_ref()
                .is_none_or(|reqs| !reqs.iter().all(is_empty_requirement));
            let has_body = operation.request_body.is_some();
            let has_query = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut add = |status: &str, what: &str| {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_response(what));
            };
            if secured {
                add(
                    "401",
                    "unauthorized: no session, or it has ended (expired, idle, signed out)",
                );
                add("403", "forbidden, password_change_required, csrf_failed");
            }
            if has_body {
                add("400", "malformed_json, bad_body");
                add("413", "payload_too_large");
                add(
                    "415",
                    "unsupported_media_type: send Content-Type: application/json",
                );
                add("422", "invalid_field: the fields at fault in `fields`");
            } else if has_query {
                add("422", "invalid_field: a query parameter is not of its type");
            }
            if has_path_params {
                add("404", "not_found");
            }
            add("503", "database_unavailable, storage_unavailable");
        }
    }
}

fn is_empty_requirement(req: &utoipa::openapi::security::SecurityRequirement) -> bool {
    serde_json::to_value(req).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

fn operations_mut(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("PUT", item.put.as_mut()),
        ("POST", item.post.as_mut()),
        ("DELETE", item.delete.as_mut()),
        ("PATCH", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// The API's paths (as templates) and the methods each serves.
pub struct KnownRoutes {
    routes: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl KnownRoutes {
    /// From the document (its paths are whole: `/api/v1/…`).
    pub fn of(doc: &OpenApi) -> KnownRoutes {
        let mut doc = doc.clone();
        let routes = doc
            .paths
            .paths
            .iter_mut()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let methods = operations_mut(item).into_iter().map(|(m, _)| m).collect();
                (segments, methods)
            })
            .collect();
        KnownRoutes { routes }
    }

    /// The methods served at `path`, when some route matches it.
    pub fn methods_at(&self, path: &str) -> Option<Vec<&'static str>> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut methods: Vec<&'static str> = self
            .routes
            .iter()
            .filter(|(segments, _)| {
                segments.len() == parts.len()
                    && segments.iter().zip(&parts).all(|(s, p)| {
                        s == p || (s.starts_with('{') && s.ends_with('}') && !p.is_empty())
                    })
            })
            .flat_map(|(_, m)| m.iter().copied())
            .collect();
        methods.sort_unstable();
        methods.dedup();
        (!methods.is_empty()).then_some(methods)
    }

    /// 405 with `Allow` when `path` is served, but not with this method.
    pub fn method_not_allowed(&self, path: &str) -> Option<HttpResponse> {
        let methods = self.methods_at(path)?;
        let mut response = AppError::new(
            Failure::MethodNotAllowed,
            "method_not_allowed",
            format!("このURLで使える方法は {} です。", methods.join(", ")),
        )
        .error_response();
        if let Ok(allow) = header::HeaderValue::from_str(&methods.join(", ")) {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        Some(response)
    }
}
