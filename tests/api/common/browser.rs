//! Headless Chromium for page tests, spoken to over WebDriver's JSON protocol with the blocking
//! reqwest client (no extra crates). `Browser::start` returns `None` (after a loud SKIPPED line,
//! or a panic under `DAICHO_REQUIRE_ALL_TESTS=1`) when chromium or chromedriver is missing.
//! `Browser::start` emulates a phone; `Browser::desktop` is a plain desktop window. Downloads
//! land in the browser's own temporary directory, `Browser::downloads`.

use super::tools;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// WebDriver's key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long `wait_for_*` waits before failing the test.
const PATIENCE: Duration = Duration::from_secs(15);

pub struct Browser {
    driver: Child,
    client: Client,
    session: String,
    _profile: tempfile::TempDir,
    downloads: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium emulating a phone whose
    /// viewport is `width`×`height`.
    pub fn start(width: u32, height: u32, test: &str) -> Option<Browser> {
        Browser::launch(width, height, true, test)
    }

    /// Like `start`, but a plain desktop window of `width`×`height` (no phone emulation).
    pub fn desktop(width: u32, height: u32, test: &str) -> Option<Browser> {
        Browser::launch(width, height, false, test)
    }

    fn launch(width: u32, height: u32, phone: bool, test: &str) -> Option<Browser> {
        let chromium = tools::require(
            "chromium",
            &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
            test,
        )?;
        let chromedriver = tools::require("chromedriver", &["/usr/bin/chromedriver"], test)?;
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let client = super::client_builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let ready = client
                .get(format!("{base}/status"))
                .send()
                .ok()
                .and_then(|r| r.json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "chromedriver did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let downloads = tempfile::tempdir().unwrap();
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--lang=ja".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut options = json!({
            "binary": chromium.display().to_string(),
            "args": args,
            "prefs": {
                "download.default_directory": downloads.path().display().to_string(),
                "download.prompt_for_download": false,
                "safebrowsing.enabled": false,
            },
        });
        if phone {
            // A desktop window is at least 500 px wide: emulate the phone's viewport.
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 3.0, "touch": true },
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
            });
        }
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": options,
            }}
        });
        let mut browser = Browser {
            driver,
            client,
            session: String::new(),
            _profile: profile,
            downloads,
        };
        let response = browser
            .client
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .expect("a WebDriver session");
        let value: Value = response.json().unwrap();
        browser.session = value["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {value}"))
            .to_owned();
        browser.session = format!("{base}/session/{}", browser.session);
        if !phone {
            // The window's frame takes some of its height: make the page itself width×height.
            browser.cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
            );
        }
        Some(browser)
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let value: Value = request.send().expect("WebDriver answers").json().unwrap();
        if value["value"].get("error").is_some() {
            panic!("WebDriver {method} {path}: {}", value["value"]);
        }
        value["value"].clone()
    }

    fn try_find(&self, css: &str) -> Option<String> {
        let value: Value = self
            .client
            .post(format!("{}/element", self.session))
            .json(&json!({"using": "css selector", "value": css}))
            .send()
            .ok()?
            .json()
            .ok()?;
        value["value"][ELEMENT].as_str().map(str::to_owned)
    }

    /// The element for a CSS selector, waiting for it to appear.
    pub fn find(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(id) = self.try_find(css) {
                return id;
            }
            if started.elapsed() > PATIENCE {
                let source = self.source();
                let last: Value = self
                    .client
                    .post(format!("{}/element", self.session))
                    .json(&json!({"using": "css selector", "value": css}))
                    .send()
                    .unwrap()
                    .json()
                    .unwrap();
                panic!(
                    "no element {css} on {}: {last}\n{}",
                    self.url(),
                    &source[..source.len().min(3000)]
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Types text into an element (`\u{E007}` is Enter).
    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        );
    }

    pub fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn attribute(&self, css: &str, name: &str) -> String {
        let id = self.find(css);
        self.call(
            reqwest::Method::GET,
            &format!("/element/{id}/attribute/{name}"),
            None,
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Whether a person sees the element (WebDriver's rendering check, not the DOM's).
    pub fn is_displayed(&self, css: &str) -> bool {
        let id = self.find(css);
        self.call(
            reqwest::Method::GET,
            &format!("/element/{id}/displayed"),
            None,
        )
        .as_bool()
        .unwrap_or(false)
    }

    /// Saves what the window shows as `target/shots/{name}.png`, for a person to look at.
    pub fn screenshot(&self, name: &str) {
        use base64::Engine;
        let png = self.call(reqwest::Method::GET, "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/shots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }

    /// Runs a script in the page and returns its value.
    pub fn script(&self, script: &str) -> Value {
        self.call_script(script, json!([]))
    }

    /// Runs a script in the page with `arguments` and returns its value.
    pub fn call_script(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Runs a script that answers later: it calls its last argument with the value (a promise's
    /// result, say), which this returns; the page has up to `seconds` to answer.
    pub fn call_async(&self, script: &str, args: Value, seconds: u64) -> Value {
        self.call(
            reqwest::Method::POST,
            "/timeouts",
            Some(json!({ "script": seconds * 1000 })),
        );
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Forgets every cookie of the current site: the next page is signed out.
    pub fn clear_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", None);
    }

    /// Sends a Chrome DevTools command (media emulation, device metrics).
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
    }

    /// The directory downloads are saved to.
    pub fn downloads(&self) -> &Path {
        self.downloads.path()
    }

    /// Polls `script` until it returns something other than null / false, and returns that.
    pub fn wait_for(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.script(script);
            if !(value.is_null() || value == json!(false)) {
                return value;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "timed out waiting for {what} on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_for_url(&self, ok: impl Fn(&str) -> bool) {
        let started = Instant::now();
        loop {
            let url = self.url();
            if ok(&url) {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "still at {url}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the page is `path` (with its query, if any), exactly: a suffix test
    /// would pass on the sign-in page, whose `?next=` ends with the same path.
    pub fn wait_for_path(&self, path: &str) {
        self.wait_for_url(|u| {
            let after_scheme = u.split_once("://").map_or(u, |(_, rest)| rest);
            after_scheme.find('/').map(|i| &after_scheme[i..]) == Some(path)
        });
    }

    /// Waits until the element's text is exactly `expected`.
    pub fn wait_for_text(&self, css: &str, expected: &str) {
        let started = Instant::now();
        loop {
            let text = self.try_find(css).map(|_| self.text(css));
            if text.as_deref() == Some(expected) {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "{css} shows {text:?}, not {expected:?}, on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.client.delete(&self.session).send();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
