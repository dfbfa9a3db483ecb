//! Connection parameters a PostgreSQL URL gets unless it sets them itself, so
//! that a server that stops answering is noticed instead of waited on forever:
//! a connect timeout, TCP keepalives (a peer gone without a reset) and a
//! statement timeout (a statement stuck behind a lock or a frozen server).

/// libpq's own minimum is 2 s.
const CONNECT_TIMEOUT_S: u32 = 2;
/// Idle seconds before the first keepalive, then every `INTERVAL`, `COUNT` tries.
const KEEPALIVES_IDLE_S: u32 = 5;
const KEEPALIVES_INTERVAL_S: u32 = 2;
const KEEPALIVES_COUNT: u32 = 3;
/// Longer than any statement of ours takes on a healthy server (a 100,000-row
/// import writes a thousand rows a statement), short enough to free a worker.
pub const STATEMENT_TIMEOUT_MS: u32 = 30_000;

/// `url` with the parameters above added where it does not set them. A
/// statement timeout joins any `options` the URL already has.
pub fn with_defaults(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let has =
        |params: &[String], key: &str| params.iter().any(|p| p.split('=').next() == Some(key));
    for (key, value) in [
        ("connect_timeout", CONNECT_TIMEOUT_S),
        ("keepalives", 1),
        ("keepalives_idle", KEEPALIVES_IDLE_S),
        ("keepalives_interval", KEEPALIVES_INTERVAL_S),
        ("keepalives_count", KEEPALIVES_COUNT),
    ] {
        if !has(&params, key) {
            params.push(format!("{key}={value}"));
        }
    }
    // `-c statement_timeout=…`, percent-encoded as libpq decodes URI values.
    let timeout = format!("-c%20statement_timeout%3D{STATEMENT_TIMEOUT_MS}");
    match params.iter_mut().find(|p| p.starts_with("options=")) {
        Some(options) if !options.contains("statement_timeout") => {
            options.push_str("%20");
            options.push_str(&timeout);
        }
        Some(_) => {}
        None => params.push(format!("options={timeout}")),
    }
    format!("{base}?{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_added_only_where_missing() {
        assert_eq!(
            with_defaults("postgres://u@h/db"),
            "postgres://u@h/db?connect_timeout=2&keepalives=1&keepalives_idle=5\
             &keepalives_interval=2&keepalives_count=3\
             &options=-c%20statement_timeout%3D30000"
        );
        let own = with_defaults(
            "postgres://u@h/db?connect_timeout=9&options=-csearch_path%3Dx&keepalives_idle=60",
        );
        assert!(own.contains("connect_timeout=9&"), "{own}");
        assert!(!own.contains("connect_timeout=2"), "{own}");
        assert!(own.contains("keepalives_idle=60&"), "{own}");
        assert!(
            own.contains("options=-csearch_path%3Dx%20-c%20statement_timeout%3D30000"),
            "{own}"
        );
        let set = with_defaults("postgres://h/db?options=-c%20statement_timeout%3D0");
        assert!(set.contains("options=-c%20statement_timeout%3D0&"), "{set}");
        assert!(!set.contains("30000"), "{set}");
    }
}
