//! A manager's license audit in headless Chromium, spoken to over WebDriver:
//! sign in, open ライセンス管理, see the over-used license flagged, export the CSV.

use super::{add_device, install, license, software};
use crate::common::{TestApp, USER_PASSWORD, tools};
use crate::register::fixture;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::blocking::Client,
}

impl Driver {
    fn start(
        chromedriver: &std::path::Path,
        profile: &std::path::Path,
        downloads: &std::path::Path,
    ) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(Instant::now() < deadline, "chromedriver answers");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut driver = Driver {
            child,
            base,
            session: String::new(),
            http,
        };
        let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).is_file())
            .unwrap_or("/usr/bin/chromium");
        let created = driver.call(
            "POST",
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": binary,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--disable-background-networking", "--disable-component-update", "--disable-sync",
                             "--disable-quic", "--no-first-run", format!("--user-data-dir={}", profile.display())],
                    "prefs": {"download.default_directory": downloads.display().to_string(),
                              "download.prompt_for_download": false,
                              "safebrowsing.enabled": false},
                },
            }}}),
        );
        driver.session = created["sessionId"].as_str().expect("a session").to_owned();
        driver
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "POST" => self.http.post(url).json(&body),
            "DELETE" => self.http.delete(url),
            _ => self.http.get(url),
        };
        let response = request.send().expect("chromedriver answers");
        let status = response.status();
        let value: Value = response.json().expect("WebDriver JSON");
        assert!(status.is_success(), "{method} {path}: {value}");
        value["value"].clone()
    }

    fn s(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    fn go(&self, url: &str) {
        self.call("POST", &self.s("/url"), json!({"url": url}));
    }

    fn find(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            &self.s("/element"),
            json!({"using": "css selector", "value": css}),
        );
        found[ELEMENT].as_str().expect("an element").to_owned()
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(
            "POST",
            &self.s(&format!("/element/{id}/value")),
            json!({"text": text}),
        );
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        self.call("POST", &self.s(&format!("/element/{id}/click")), json!({}));
    }

    fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call("GET", &self.s(&format!("/element/{id}/text")), json!({}))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn url(&self) -> String {
        self.call("GET", &self.s("/url"), json!({}))
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn wait_for_url(&self, ending: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.url().ends_with(ending) {
            assert!(
                Instant::now() < deadline,
                "reached {ending}, at {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .http
                .delete(format!("{}/session/{}", self.base, self.session))
                .send();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_manager_audits_licenses_in_a_browser_and_exports_the_csv() {
    let Some(chromedriver) = tools::require(
        "chromedriver",
        &["/usr/bin/chromedriver"],
        "a_manager_audits_licenses_in_a_browser_and_exports_the_csv",
    ) else {
        return;
    };
    let app = TestApp::spawn();
    let f = fixture(&app);
    add_device(&app, &f, "PC-001");
    add_device(&app, &f, "PC-002");
    add_device(&app, &f, "PC-003");
    let office = software(&app, &f.admin, "Office");
    let viewer = software(&app, &f.admin, "Viewer");
    license(&app, &f, office, 2, None);
    license(&app, &f, viewer, 5, None);
    for tag in ["PC-001", "PC-002", "PC-003"] {
        install(&app, &f.operator, tag, office, "2024", None);
    }
    install(&app, &f.operator, "PC-001", viewer, "1.0", None);

    let profile = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let driver = Driver::start(&chromedriver, profile.path(), downloads.path());
    driver.go(&app.url("/licenses"));
    driver.wait_for_url("/login?next=/licenses");
    driver.type_into("input[name=username]", "kacho");
    driver.type_into("input[name=password]", USER_PASSWORD);
    driver.click("button[type=submit]");
    driver.wait_for_url("/licenses");

    assert_eq!(driver.text("h1"), "ライセンス管理");
    assert!(
        driver.text("#overuse-alert").contains("1 件"),
        "the page warns of one over-used product"
    );
    let flagged = driver.text("#compliance tr.attention");
    assert!(
        flagged.contains("Office") && flagged.contains("超過 1") && flagged.contains("要確認"),
        "{flagged}"
    );
    assert_eq!(
        driver.text("strong.overuse"),
        "超過 1",
        "only Office is over-used"
    );

    driver.click("#export-csv");
    let deadline = Instant::now() + Duration::from_secs(30);
    let file = loop {
        let done = std::fs::read_dir(downloads.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "csv"));
        if let Some(path) = done {
            break path;
        }
        assert!(Instant::now() < deadline, "the CSV was downloaded");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        file.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("license-compliance-"),
        "{file:?}"
    );
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let office_line = text
        .lines()
        .find(|l| l.contains(",Office,"))
        .expect("Office in the CSV");
    assert!(office_line.ends_with(",2,3,1,,0,3,要確認"), "{office_line}");
    let viewer_line = text
        .lines()
        .find(|l| l.contains(",Viewer,"))
        .expect("Viewer in the CSV");
    assert!(viewer_line.ends_with(",5,1,0,,0,1,要確認"), "{viewer_line}");
}
