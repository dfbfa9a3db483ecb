//! UPS monitoring is no port scanner (issue 11 item 12): a NUT address names
//! only 3493 or a port of `DAICHO_NUT_PORTS`, and what a peer that is not
//! upsd sends is never shown — the status says only 「応答がNUTではありません」.

use super::{Device, cast, cast_with, insert_device, ups_body};
use crate::common::{assert_error, body};
use serde_json::json;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn nut_body(port: Option<u16>) -> serde_json::Value {
    let mut b = ups_body(20, "2030-01-01");
    b["nut_host"] = json!("127.0.0.1");
    b["nut_ups_name"] = json!("ups1");
    if let Some(port) = port {
        b["nut_port"] = json!(port);
    }
    b
}

#[test]
fn only_the_nut_port_may_be_named() {
    let c = cast(0);
    insert_device(&c, &Device::ups("UPS-P"));
    let path = "/api/v1/equipment/UPS-P/ups";
    for port in [22, 25, 80, 5432, 8080] {
        let err = assert_error(
            c.app.put(path, &c.operator, &nut_body(Some(port))),
            422,
            "invalid_field",
        );
        let message = err["error"]["fields"]["nut_port"].as_str().unwrap();
        assert!(message.contains("3493"), "{port}: {message}");
    }
    assert_eq!(
        c.app.put(path, &c.operator, &nut_body(Some(3493))).status(),
        201
    );
    assert_eq!(c.app.put(path, &c.operator, &nut_body(None)).status(), 200);
    // DAICHO_NUT_PORTS widens the list.
    let wider = cast_with(0, &[13493]);
    insert_device(&wider, &Device::ups("UPS-P"));
    assert_eq!(
        wider
            .app
            .put(path, &wider.operator, &nut_body(Some(13493)))
            .status(),
        201
    );
    assert_eq!(
        wider
            .app
            .put(path, &wider.operator, &nut_body(Some(22)))
            .status(),
        422
    );
}

#[test]
fn what_another_service_answers_is_never_echoed() {
    // A service that is not upsd, on a port an administrator allowed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 secret-banner-of-another-host\r\n");
            let mut sink = [0u8; 256];
            let _ = s.read(&mut sink);
        }
    });
    let c = cast_with(1, &[port]);
    insert_device(&c, &Device::ups("UPS-X"));
    assert_eq!(
        c.app
            .put(
                "/api/v1/equipment/UPS-X/ups",
                &c.operator,
                &nut_body(Some(port))
            )
            .status(),
        201
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        let status = body(c.app.get("/api/v1/power/ups/UPS-X/status", &c.operator));
        if status["reachable"] == false {
            break status;
        }
        assert!(Instant::now() < deadline, "no reading: {status}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status["error"], "応答がNUTではありません", "{status}");
    assert!(!status.to_string().contains("SSH"));
    let events = c.app.audit_actions();
    assert!(events.contains(&"power.unreachable".to_owned()));
}
