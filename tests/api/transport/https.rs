//! HTTPS without a proxy (`DAICHO_TLS_CERT` / `DAICHO_TLS_KEY`), and HSTS whenever people
//! reach daicho over HTTPS.

use crate::common::certs::TestCerts;
use crate::common::session::Browser;
use crate::common::{ADMIN_PASSWORD, TestApp, TestDatabase, client_builder};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HSTS: &str = "max-age=31536000";

fn hsts(response: &reqwest::blocking::Response) -> Option<&str> {
    response
        .headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap())
}

#[test]
fn serves_https_itself_with_hsts_on_every_answer() {
    let dir = tempfile::tempdir().unwrap();
    let certs = TestCerts::issue(dir.path(), "web");
    let app = TestApp::spawn_https(&certs);
    assert!(app.base.starts_with("https://"), "{}", app.base);

    // A page, an operations endpoint, an API error: all over TLS, all with HSTS.
    for (path, status) in [
        ("/login", 200),
        ("/healthz", 200),
        ("/api/v1/no-such-thing", 404),
    ] {
        let response = app.client.get(app.url(path)).send().unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(hsts(&response), Some(HSTS), "HSTS on {path}");
    }

    // The API and the pages work over it; the session cookie is Secure.
    let admin = app.admin();
    let me = app.get("/api/v1/me", &admin);
    assert_eq!(me.status(), 200);
    assert_eq!(hsts(&me), Some(HSTS));
    let signed_in = Browser::new(&app).sign_in("admin", ADMIN_PASSWORD);
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");

    // Plain HTTP to the same port gets no answer at all.
    let plain = app.base.replacen("https://", "http://", 1);
    let answer = client_builder()
        .build()
        .unwrap()
        .get(format!("{plain}/healthz"))
        .send();
    assert!(answer.is_err(), "plain HTTP answered: {answer:?}");

    // A client that trusts another authority refuses the certificate: it is the one given.
    let stranger = TestCerts::issue(dir.path(), "stranger").client();
    let refused = stranger.get(app.url("/healthz")).send();
    assert!(refused.is_err(), "a foreign CA accepted: {refused:?}");
}

#[test]
fn hsts_only_when_reached_over_https() {
    // Plain HTTP deployment: no HSTS (browsers would ignore it anyway; it would only mislead).
    let plain = TestApp::spawn();
    let response = plain.client.get(plain.url("/healthz")).send().unwrap();
    assert_eq!(hsts(&response), None);

    // Behind a reverse proxy that terminates TLS (DAICHO_PUBLIC_URL https://…): daicho sends
    // HSTS itself, so a proxy that forgets it still keeps browsers on HTTPS.
    let proxied = TestApp::spawn_with(|s| s.https = true);
    let response = proxied.client.get(proxied.url("/healthz")).send().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(hsts(&response), Some(HSTS));
}

/// `daicho serve` with the given environment, which must stop it: its standard error.
fn serve_fails(env: &[(&str, &str)]) -> String {
    let db = TestDatabase::create();
    let mut command = Command::new(env!("CARGO_BIN_EXE_daicho"));
    command
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("DAICHO_DATA_DIR", db.dir.path())
        .env("DAICHO_BIND", "127.0.0.1:0")
        .env("DAICHO_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env_remove("DAICHO_TLS_CERT")
        .env_remove("DAICHO_TLS_KEY")
        .env_remove("DAICHO_PUBLIC_URL")
        .stdout(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("serve started with {env:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "serve must refuse to start");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn tls_settings_that_cannot_work_stop_the_start_with_a_clear_reason() {
    let dir = tempfile::tempdir().unwrap();
    let certs = TestCerts::issue(dir.path(), "web");
    let other = TestCerts::issue(dir.path(), "other");
    let cert = certs.cert.to_str().unwrap();
    let key = certs.key.to_str().unwrap();

    let alone = serve_fails(&[("DAICHO_TLS_CERT", cert)]);
    assert!(
        alone.contains("DAICHO_TLS_CERT and DAICHO_TLS_KEY go together"),
        "{alone}"
    );

    let plain_url = serve_fails(&[
        ("DAICHO_TLS_CERT", cert),
        ("DAICHO_TLS_KEY", key),
        ("DAICHO_PUBLIC_URL", "http://daicho.example"),
    ]);
    assert!(
        plain_url.contains("must start with https://"),
        "{plain_url}"
    );

    let mismatched = serve_fails(&[
        ("DAICHO_TLS_CERT", cert),
        ("DAICHO_TLS_KEY", other.key.to_str().unwrap()),
    ]);
    assert!(mismatched.contains("do not go together"), "{mismatched}");

    let swapped = serve_fails(&[("DAICHO_TLS_CERT", key), ("DAICHO_TLS_KEY", cert)]);
    assert!(swapped.contains("DAICHO_TLS_CERT"), "{swapped}");

    let missing = serve_fails(&[
        ("DAICHO_TLS_CERT", "/nonexistent/server.crt"),
        ("DAICHO_TLS_KEY", key),
    ]);
    assert!(missing.contains("/nonexistent/server.crt"), "{missing}");
}
