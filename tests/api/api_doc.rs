//! The OpenAPI document tells the truth: every operation is called in the ways
//! a client can get wrong (no session, wrong content type, broken or empty
//! JSON, an unknown id, a wrong method), and every answer it gives must be
//! one the document lists for it, with the error body the document promises.

use crate::common::TestApp;
use reqwest::Method;
use serde_json::Value;

fn fill(path: &str) -> String {
    path.split('/')
        .map(|s| match s {
            "{tag}" => "NOPE-404",
            s if s.starts_with('{') => "999999",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_operation_answers_only_what_its_document_lists() {
    let app = TestApp::spawn();
    let admin = app.admin();
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let url = app.url(&fill(path));
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let documented = op["responses"].as_object().unwrap();
            let has_body = op.get("requestBody").is_some();
            let call = |token: Option<&str>, body: Option<(&str, &str)>| {
                let mut r = app.client.request(method.clone(), &url);
                if let Some(t) = token {
                    r = r.bearer_auth(t);
                }
                if let Some((kind, text)) = body {
                    r = r.header("content-type", kind).body(text.to_owned());
                }
                r.send().unwrap()
            };
            let mut tries = vec![("no session", call(None, None))];
            if has_body {
                tries.push(("wrong type", call(Some(&admin), Some(("text/plain", "x")))));
                tries.push((
                    "broken JSON",
                    call(Some(&admin), Some(("application/json", "{"))),
                ));
                tries.push((
                    "empty object",
                    call(Some(&admin), Some(("application/json", "{}"))),
                ));
            } else {
                tries.push(("as admin", call(Some(&admin), None)));
            }
            for (what, answer) in tries {
                checked += 1;
                let status = answer.status().as_u16();
                let json = answer
                    .headers()
                    .get("content-type")
                    .is_some_and(|t| t.to_str().unwrap().starts_with("application/json"));
                if !documented.contains_key(&status.to_string()) {
                    wrong.push(format!(
                        "{method} {path} ({what}): {status} is not documented"
                    ));
                    continue;
                }
                if status >= 400 {
                    let body: Value = if json {
                        answer.json().unwrap()
                    } else {
                        Value::Null
                    };
                    if !body["error"]["code"].is_string() || !body["error"]["message"].is_string() {
                        wrong.push(format!(
                            "{method} {path} ({what}): {status} without an error body"
                        ));
                    }
                }
            }
        }
        // No operation is DELETE: every known path answers it with 405 and Allow.
        let answer = app.client.delete(&url).bearer_auth(&admin).send().unwrap();
        if answer.status() != 405 || answer.headers().get("allow").is_none() {
            wrong.push(format!(
                "DELETE {path}: {} instead of 405 with Allow",
                answer.status()
            ));
        }
    }
    assert!(checked > 150, "only {checked} answers checked");
    assert!(
        wrong.is_empty(),
        "{} answers disagree with the document:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // An unknown path is still 404.
    let unknown = app.get("/api/v1/no-such-thing", &admin);
    assert_eq!(unknown.status(), 404);
}

/// A download, not JSON: the document says what it is.
#[test]
fn the_audit_export_is_in_the_document() {
    let app = TestApp::spawn();
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let op = &doc["paths"]["/api/v1/audit/export.jsonl"]["get"];
    assert!(
        op["responses"]["200"]["content"]["application/x-ndjson"].is_object(),
        "{op}"
    );
    assert_eq!(op["parameters"][0]["name"], "from_seq");
}
