//! Operations endpoints and the OpenAPI document.

use crate::common::{TestApp, body};

#[test]
fn health_readiness_metrics_and_openapi() {
    let app = TestApp::spawn();
    let plain = |path: &str| app.client.get(app.url(path)).send().unwrap();
    assert_eq!(plain("/healthz").status(), 200);
    assert_eq!(plain("/readyz").status(), 200);
    app.admin();
    let metrics = plain("/metrics").text().unwrap();
    assert!(metrics.contains("daicho_http_requests_total"), "{metrics}");
    assert!(metrics.contains("/api/v1/auth/login"));

    let doc = body(plain("/api/openapi.json"));
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/password",
        "/api/v1/me",
        "/api/v1/departments",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/users/{id}/reset-password",
        "/api/v1/audit",
        "/api/v1/audit/verify",
        "/api/v1/zones",
        "/api/v1/zones/{id}",
        "/api/v1/equipment",
        "/api/v1/equipment/{tag}",
        "/api/v1/equipment/{tag}/history",
        "/api/v1/movements",
        "/api/v1/movements/export.csv",
        "/api/v1/movements/{id}/approve",
        "/api/v1/movements/{id}/reject",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[test]
fn security_headers_are_sent() {
    let app = TestApp::spawn();
    let response = app.client.get(app.url("/login")).send().unwrap();
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |dir: &str| {
        let mut names: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        names.sort();
        names
    };
    let (sqlite, postgres) = (names("sqlite"), names("postgres"));
    assert!(!sqlite.is_empty());
    // diesel knows a migration by the version before `_`: two of one version and one is never run.
    let mut versions: Vec<&str> = sqlite
        .iter()
        .map(|n| n.split('_').next().unwrap())
        .collect();
    versions.dedup();
    assert_eq!(
        versions.len(),
        sqlite.len(),
        "each migration has a version of its own: {sqlite:?}"
    );
    assert_eq!(
        sqlite, postgres,
        "every migration lands as a same-named pair"
    );
    for name in &sqlite {
        for backend in ["sqlite", "postgres"] {
            let dir = format!("{}/migrations/{backend}/{name}", env!("CARGO_MANIFEST_DIR"));
            assert!(
                std::path::Path::new(&format!("{dir}/up.sql")).is_file(),
                "{dir}/up.sql"
            );
            assert!(
                std::path::Path::new(&format!("{dir}/down.sql")).is_file(),
                "{dir}/down.sql"
            );
        }
    }
}
