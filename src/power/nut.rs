//! A small Network UPS Tools client (the upsd TCP protocol, port 3493): `GET VAR` of the
//! four variables daicho keeps, with a connect timeout and one deadline for the whole talk.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// One reading of a UPS.
#[derive(Debug, Clone, PartialEq)]
pub struct NutReading {
    pub status: String,
    pub battery_charge: Option<f64>,
    pub runtime_s: Option<i64>,
    pub load: Option<f64>,
}

/// The variables asked for, in order.
const VARS: [&str; 4] = [
    "ups.status",
    "battery.charge",
    "battery.runtime",
    "ups.load",
];
/// A protocol line longer than this is garbage.
const MAX_LINE: u64 = 1024;
/// All that is said of a peer that does not answer as upsd does: what it sent is
/// never repeated (the status would otherwise show what any service replies).
pub const NOT_NUT: &str = "応答がNUTではありません";
/// The error codes upsd answers with (network-protocol.txt); only these are repeated.
const NUT_ERRORS: [&str; 23] = [
    "ACCESS-DENIED",
    "UNKNOWN-UPS",
    "VAR-NOT-SUPPORTED",
    "CMD-NOT-SUPPORTED",
    "INVALID-ARGUMENT",
    "INSTCMD-FAILED",
    "SET-FAILED",
    "READONLY",
    "TOO-LONG",
    "FEATURE-NOT-SUPPORTED",
    "FEATURE-NOT-CONFIGURED",
    "ALREADY-SSL-MODE",
    "DRIVER-NOT-CONNECTED",
    "DATA-STALE",
    "ALREADY-LOGGED-IN",
    "INVALID-PASSWORD",
    "ALREADY-SET-PASSWORD",
    "INVALID-USERNAME",
    "ALREADY-SET-USERNAME",
    "USERNAME-REQUIRED",
    "PASSWORD-REQUIRED",
    "UNKNOWN-COMMAND",
    "INVALID-VALUE",
];

/// Reads `ups` from upsd at `host:port`. Any failure (no route, refused, timeout, unknown
/// UPS, stale driver, garbage) is an error string fit for the readings table.
pub fn read_ups(host: &str, port: u16, ups: &str, timeout: Duration) -> Result<NutReading, String> {
    let deadline = Instant::now() + timeout;
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last_error = format!("{host} has no address");
    let mut stream = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = format!("cannot connect to {addr}: {e}"),
        }
    }
    let stream = stream.ok_or(last_error)?;
    let _ = stream.set_nodelay(true);
    let mut request = String::new();
    for var in VARS {
        request.push_str(&format!("GET VAR {ups} {var}\n"));
    }
    set_timeouts(&stream, deadline)?;
    (&stream)
        .write_all(request.as_bytes())
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut reader = BufReader::new(&stream);
    let mut values: Vec<Option<String>> = Vec::with_capacity(VARS.len());
    for var in VARS {
        set_timeouts(&stream, deadline)?;
        let mut line = String::new();
        let read = (&mut reader)
            .take(MAX_LINE)
            .read_line(&mut line)
            .map_err(|e| match e.kind() {
                // Not UTF-8: not upsd.
                std::io::ErrorKind::InvalidData => NOT_NUT.to_owned(),
                _ => format!("no answer for {var}: {e}"),
            })?;
        if read == 0 {
            return Err(format!("upsd closed the connection before {var}"));
        }
        values.push(parse_var_line(
            line.trim_end_matches(['\r', '\n']),
            ups,
            var,
        )?);
    }
    let _ = (&stream).write_all(b"LOGOUT\n");
    let status = values[0]
        .take()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| "ups.status is not reported".to_owned())?;
    let number = |v: &Option<String>| v.as_deref().and_then(|t| t.trim().parse::<f64>().ok());
    Ok(NutReading {
        status: status.trim().to_owned(),
        battery_charge: number(&values[1]).filter(|c| c.is_finite()),
        runtime_s: number(&values[2])
            .filter(|r| r.is_finite() && *r >= 0.0)
            .map(|r| r as i64),
        load: number(&values[3]).filter(|l| l.is_finite()),
    })
}

fn set_timeouts(stream: &TcpStream, deadline: Instant) -> Result<(), String> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err("timed out".to_owned());
    }
    stream
        .set_read_timeout(Some(left))
        .and_then(|_| stream.set_write_timeout(Some(left)))
        .map_err(|e| format!("cannot set timeouts: {e}"))
}

/// One answer to `GET VAR ups var`: `Some(value)`, `None` for a variable this UPS does
/// not report, or an error for anything that means the UPS cannot be read. Only
/// upsd's own error codes are repeated; any other answer is [`NOT_NUT`].
pub fn parse_var_line(line: &str, ups: &str, var: &str) -> Result<Option<String>, String> {
    if let Some(err) = line.strip_prefix("ERR ") {
        let code = err.split_whitespace().next().unwrap_or("");
        return match code {
            "VAR-NOT-SUPPORTED" if var != "ups.status" => Ok(None),
            known if NUT_ERRORS.contains(&known) => Err(format!("upsd: {known}")),
            _ => Err(NOT_NUT.to_owned()),
        };
    }
    let prefix = format!("VAR {ups} {var} ");
    let rest = line
        .strip_prefix(&prefix)
        .ok_or_else(|| NOT_NUT.to_owned())?;
    unquote(rest).map(Some).ok_or_else(|| NOT_NUT.to_owned())
}

/// `"a \"b\" \\c"` → `a "b" \c`.
fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_answers() {
        assert_eq!(
            parse_var_line(r#"VAR dummy ups.status "OB LB""#, "dummy", "ups.status"),
            Ok(Some("OB LB".into()))
        );
        assert_eq!(
            parse_var_line(r#"VAR u x "a \"q\" \\""#, "u", "x"),
            Ok(Some(r#"a "q" \"#.into()))
        );
        assert_eq!(
            parse_var_line("ERR VAR-NOT-SUPPORTED", "u", "ups.load"),
            Ok(None)
        );
        assert!(parse_var_line("ERR VAR-NOT-SUPPORTED", "u", "ups.status").is_err());
        assert!(parse_var_line("ERR UNKNOWN-UPS", "u", "ups.load").is_err());
        assert!(parse_var_line("ERR DATA-STALE", "u", "ups.status").is_err());
        assert!(parse_var_line(r#"VAR other ups.status "OL""#, "u", "ups.status").is_err());
        assert!(parse_var_line(r#"VAR u ups.status OL"#, "u", "ups.status").is_err());
        assert_eq!(
            parse_var_line("ERR DATA-STALE", "u", "ups.status"),
            Err("upsd: DATA-STALE".to_owned())
        );
    }

    #[test]
    fn what_another_service_says_is_never_repeated() {
        for line in [
            "SSH-2.0-OpenSSH_9.2p1 Debian-2",
            "HTTP/1.1 400 Bad Request",
            "ERR secret-banner of another service",
            r#"VAR u ups.status "unterminated"#,
        ] {
            assert_eq!(
                parse_var_line(line, "u", "ups.status"),
                Err(NOT_NUT.to_owned()),
                "{line}"
            );
        }
    }

    #[test]
    fn a_peer_that_is_not_upsd_is_named_so_and_not_echoed() {
        use std::io::Write as _;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 secret-banner\r\n");
        });
        let err = read_ups("127.0.0.1", port, "u", Duration::from_secs(2)).unwrap_err();
        assert_eq!(err, NOT_NUT);
        server.join().unwrap();
    }

    #[test]
    fn a_closed_port_fails_fast() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let started = Instant::now();
        assert!(read_ups("127.0.0.1", port, "u", Duration::from_secs(2)).is_err());
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_silent_server_times_out() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let started = Instant::now();
        let err = read_ups("127.0.0.1", port, "u", Duration::from_millis(300)).unwrap_err();
        assert!(
            err.contains("ups.status") || err.contains("timed out"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(listener);
    }
}
