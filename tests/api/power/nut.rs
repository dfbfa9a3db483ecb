//! Against a real upsd: Debian's nut-server with the dummy-ups driver, started from a temp
//! config directory on a free loopback port. The dummy's .dev file is rewritten to go on
//! battery, low battery, back on mains and "replace battery"; then upsd is stopped.

use super::{Device, cast_with, insert_device, page, ups_body};
use crate::common::{body, tools};
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const UPS_NAME: &str = "dummy";

/// A dummy-ups driver and an upsd, killed on drop.
struct Nut {
    dir: tempfile::TempDir,
    port: u16,
    driver: Option<Child>,
    upsd: Option<Child>,
    mtime: SystemTime,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut text);
    }
    text
}

impl Nut {
    fn start(upsd: &Path) -> Nut {
        let driver_bin = upsd.with_file_name("dummy-ups");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let d = dir.path().to_path_buf();
        let d = d.as_path();
        std::fs::write(
            d.join("ups.conf"),
            format!(
                "[{UPS_NAME}]\n  driver = dummy-ups\n  port = {}\n  mode = dummy-once\n  pollinterval = 1\n  desc = \"daicho test\"\n",
                d.join("ups.dev").display()
            ),
        )
        .unwrap();
        std::fs::write(d.join("upsd.conf"), format!("LISTEN 127.0.0.1 {port}\n")).unwrap();
        std::fs::write(d.join("upsd.users"), "").unwrap();
        let mut nut = Nut {
            dir,
            port,
            driver: None,
            upsd: None,
            mtime: SystemTime::now(),
        };
        nut.set("OL", 100, 1800);
        let spawn = |bin: &Path, args: &[&str]| -> Child {
            Command::new(bin)
                .args(args)
                .env("NUT_CONFPATH", d)
                .env("NUT_STATEPATH", d)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()))
        };
        let mut driver = spawn(&driver_bin, &["-a", UPS_NAME, "-u", "root", "-F"]);
        // The driver is up when its socket appears.
        let socket = d.join(format!("dummy-ups-{UPS_NAME}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            if let Ok(Some(status)) = driver.try_wait() {
                panic!("dummy-ups exited ({status}): {}", stderr_of(&mut driver));
            }
            assert!(
                Instant::now() < deadline,
                "dummy-ups made no socket in 10 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        nut.driver = Some(driver);
        nut.start_upsd(upsd);
        nut
    }

    fn start_upsd(&mut self, upsd: &Path) {
        let d = self.dir.path();
        let mut child = Command::new(upsd)
            .args(["-u", "root", "-F"])
            .env("NUT_CONFPATH", d)
            .env("NUT_STATEPATH", d)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("upsd starts");
        // Up when it answers with the dummy's status.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("upsd exited ({status}): {}", stderr_of(&mut child));
            }
            let read = daicho::power::nut::read_ups(
                "127.0.0.1",
                self.port,
                UPS_NAME,
                Duration::from_secs(1),
            );
            if read.is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "upsd did not answer in 10 s: {read:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self.upsd = Some(child);
    }

    /// Rewrites the .dev file; its modification time moves forward so dummy-once reads it again.
    fn set(&mut self, status: &str, charge: u32, runtime_s: u32) {
        let path = self.dir.path().join("ups.dev");
        std::fs::write(
            &path,
            format!(
                "ups.status: {status}\nbattery.charge: {charge}\nbattery.runtime: {runtime_s}\nups.load: 37\nups.mfr: daicho\n"
            ),
        )
        .unwrap();
        self.mtime += Duration::from_secs(2);
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(self.mtime).unwrap();
    }

    fn stop_upsd(&mut self) {
        if let Some(mut c) = self.upsd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Nut {
    fn drop(&mut self) {
        self.stop_upsd();
        if let Some(mut c) = self.driver.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn wait_for(what: &str, mut check: impl FnMut() -> Option<Value>) -> Value {
    let deadline = Instant::now() + Duration::from_secs(25);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn status_and_events_follow_a_real_upsd() {
    let Some(upsd) = tools::require(
        "upsd",
        &["/lib/nut/upsd"],
        "power::nut::status_and_events_follow_a_real_upsd",
    ) else {
        return;
    };
    let mut nut = Nut::start(&upsd);
    // One UPS that accepts and never answers, one that refuses: neither may stall the real one.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = free_port();
    // upsd and the two others listen on free ports, allowed as DAICHO_NUT_PORTS would.
    let c = cast_with(1, &[nut.port, silent.local_addr().unwrap().port(), dead]);
    let app = &c.app;
    insert_device(&c, &Device::ups("UPS-NUT"));
    insert_device(&c, &Device::key("SRV-NUT", Some("UPS-NUT"), Some("ups"), 5));
    insert_device(&c, &Device::ups("UPS-SILENT"));
    insert_device(&c, &Device::ups("UPS-DEAD"));
    let nut_body = |port: u16| {
        let mut b = ups_body(20, "2030-01-01");
        b["nut_host"] = json!("127.0.0.1");
        b["nut_port"] = json!(port);
        b["nut_ups_name"] = json!(UPS_NAME);
        b
    };
    let put = |tag: &str, port: u16| {
        let r = app.put(
            &format!("/api/v1/equipment/{tag}/ups"),
            &c.operator,
            &nut_body(port),
        );
        assert_eq!(r.status(), 201);
    };
    put("UPS-SILENT", silent.local_addr().unwrap().port());
    put("UPS-DEAD", dead);
    put("UPS-NUT", nut.port);

    let status = |tag: &str| body(app.get(&format!("/api/v1/power/ups/{tag}/status"), &c.auditor));
    let coverage_row = || {
        let answer = body(app.get("/api/v1/power/coverage", &c.auditor));
        answer["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["asset_tag"] == "SRV-NUT")
            .unwrap()
            .clone()
    };
    let wait_status = |want: &str| {
        wait_for(&format!("status {want}"), || {
            let s = status("UPS-NUT");
            (s["status"] == want).then_some(s)
        })
    };

    let s = wait_status("OL");
    assert_eq!(s["battery_charge"], 100.0);
    assert_eq!(s["runtime_s"], 1800);
    assert_eq!(s["load"], 37.0);
    let row = coverage_row();
    assert_eq!(strings(&row["problems"]), Vec::<String>::new());
    assert_eq!(row["runtime_min"], 30, "the live runtime");
    assert_eq!(row["runtime_source"], "live");

    nut.set("OB", 80, 900);
    let s = wait_status("OB");
    assert_eq!(s["battery_charge"], 80.0);
    assert_eq!(strings(&coverage_row()["problems"]), vec!["on_battery"]);

    nut.set("OB LB", 9, 120);
    wait_status("OB LB");
    let row = coverage_row();
    assert_eq!(
        strings(&row["problems"]),
        vec!["insufficient_runtime", "on_battery", "low_battery"]
    );
    assert_eq!(row["runtime_min"], 2);

    nut.set("OL", 60, 1500);
    wait_status("OL");
    assert_eq!(strings(&coverage_row()["problems"]), Vec::<String>::new());

    nut.set("OL RB", 95, 1700);
    wait_status("OL RB");
    assert_eq!(strings(&coverage_row()["problems"]), vec!["battery_due"]);

    // The dead and the silent UPS were tried all along and are unreachable.
    for tag in ["UPS-SILENT", "UPS-DEAD"] {
        let s = status(tag);
        assert_eq!(s["reachable"], false, "{tag}: {s}");
    }

    nut.stop_upsd();
    let s = wait_for("unreachable", || {
        let s = status("UPS-NUT");
        (s["reachable"] == false).then_some(s)
    });
    assert_eq!(s["status"], Value::Null);
    let row = coverage_row();
    assert_eq!(strings(&row["problems"]), vec!["ups_unreachable"]);
    assert_eq!(row["status"], "unreachable");
    assert_eq!(row["runtime_source"], "rated");

    // Every change once, in order (newest first).
    let events = body(app.get("/api/v1/power/ups/UPS-NUT/events", &c.auditor));
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "unreachable",
            "replace_battery",
            "on_mains",
            "low_battery",
            "on_battery"
        ]
    );
    assert_eq!(events[3]["status"], "OB LB");
    assert_eq!(events[3]["battery_charge"], 9.0);
    // Each with its audit event, and the chain holds.
    let actions = app.audit_actions();
    for a in [
        "power.on_battery",
        "power.low_battery",
        "power.on_mains",
        "power.replace_battery",
        "power.unreachable",
    ] {
        assert!(actions.contains(&a.to_owned()), "{a} in {actions:?}");
    }
    assert_eq!(app.verify(&c.admin)["ok"], true);

    // The history is drawn.
    let html = page(app, &c.auditor, "/power/ups/UPS-NUT");
    assert!(html.contains("<polyline"));
    assert!(html.contains("停電（バッテリー運転に切替）"));
    assert!(html.contains("応答なし"));
    // Each alert offers a fault report (第27条) with the facts filled in.
    let on_battery = events[4]["id"].as_i64().unwrap();
    let offer = format!("source=ups_event%3A{on_battery}\">事故・障害として報告</a>");
    assert!(html.contains(&offer), "{offer}");
    let start = html.find("/incidents/new?").expect("a report link");
    assert!(
        html[start..].starts_with("/incidents/new?kind=fault&#38;title=UPS%20UPS-NUT%20"),
        "{}",
        &html[start..start + 120]
    );
    let on_mains = events[2]["id"].as_i64().unwrap();
    assert!(
        !html.contains(&format!("source=ups_event%3A{on_mains}\"")),
        "not for the return to mains"
    );
    let html = page(app, &c.auditor, "/power");
    assert!(html.contains(r#"data-problem="ups_unreachable">UPS応答なし 1<"#));

    // upsd comes back: reachable again (after the backoff).
    let upsd_path: PathBuf = upsd.clone();
    nut.start_upsd(&upsd_path);
    wait_for("reachable again", || {
        let s = status("UPS-NUT");
        (s["reachable"] == true).then_some(s)
    });
    let events = body(app.get("/api/v1/power/ups/UPS-NUT/events", &c.auditor));
    assert_eq!(events[0]["kind"], "reachable");
    drop(silent);
}
