//! Settings from the environment (`DAICHO_*`), with defaults that run out of the box.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`: a SQLite path (default `daicho.db`) or `postgres://…`.
    pub database_url: String,
    /// `DAICHO_BIND`: where the server listens.
    pub bind: String,
    /// `DAICHO_PUBLIC_URL`: the address people reach daicho at; labels encode it.
    pub public_url: String,
    /// `DAICHO_DATA_DIR`: where generated keys live.
    pub data_dir: PathBuf,
    /// `DAICHO_ADMIN_PASSWORD`: the first admin's password (else a random one is printed once).
    pub admin_password: Option<String>,
    /// `DAICHO_SESSION_SECRET`: HS256 secret for session tokens; several instances behind one
    /// PostgreSQL must share it. Generated into the data directory when unset.
    pub session_secret: Option<String>,
    /// `DAICHO_SESSION_MINUTES`: lifetime of a session token.
    pub session_minutes: i64,
    /// `DAICHO_SESSION_IDLE_MINUTES`: a session unused for longer than this is over.
    pub session_idle_minutes: i64,
    /// `DAICHO_PASSWORD_MAX_AGE_DAYS`: a password older than this must be changed (第17条).
    pub password_max_age_days: i64,
    /// `DAICHO_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: usize,
    /// `DAICHO_DB_POOL_SIZE`: pooled database connections.
    pub pool_size: u32,
    /// Whether people reach daicho over HTTPS (`DAICHO_PUBLIC_URL` starts with https, as it
    /// must when daicho serves TLS itself): the session cookie then carries `Secure`, and every
    /// answer `Strict-Transport-Security`.
    pub https: bool,
    /// `DAICHO_TLS_CERT` and `DAICHO_TLS_KEY`: serve HTTPS from these PEM files (both or neither).
    pub tls: Option<TlsFiles>,
    /// `DAICHO_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `DAICHO_NUT_POLL_SECONDS`: how often UPSes are read over NUT (0 turns polling off).
    pub nut_poll_seconds: u64,
    /// `DAICHO_NUT_PORTS`: the ports a UPS's NUT address may name (default 3493 alone),
    /// so that the poller cannot be pointed at any other service to probe it.
    pub nut_ports: Vec<u16>,
    /// `DAICHO_IMPORT_MAX_ROWS`: the most rows one CSV import takes.
    pub import_max_rows: u64,
    /// `DAICHO_SHUTDOWN_SECONDS`: how long a stop waits for requests in flight.
    pub shutdown_seconds: u64,
    /// `DAICHO_INSPECTION_DAYS`: the 点検 report finds it wanting (第32条) when no
    /// inspection was signed within this many days.
    pub inspection_days: i64,
    /// `DAICHO_AUDIT_CHECKPOINT_MINUTES`: how often the chain head is signed
    /// (default 60; 0 turns scheduled checkpoints off, sign-offs still take one).
    pub audit_checkpoint_minutes: u64,
    /// `DAICHO_AUDIT_CHECK_SECONDS`: how often new audit events are verified in
    /// the background (default 60; 0 turns the check, and scheduled checkpoints, off).
    pub audit_check_seconds: u64,
}

/// The PEM files daicho serves HTTPS with: the certificate chain (the server's first), and
/// its private key (PKCS#8, PKCS#1 or SEC1).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// A session unused for this long is over, unless `DAICHO_SESSION_IDLE_MINUTES` says otherwise.
pub const DEFAULT_SESSION_IDLE_MINUTES: i64 = 30;

/// 第32条 asks for regular inspections: monthly unless `DAICHO_INSPECTION_DAYS` says otherwise.
pub const DEFAULT_INSPECTION_DAYS: i64 = 30;

/// One import of this many rows stays within a few hundred MB of memory.
pub const DEFAULT_IMPORT_MAX_ROWS: i64 = 200_000;

impl Settings {
    pub fn from_env() -> Result<Settings, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let bind = var("DAICHO_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let tls = match (var("DAICHO_TLS_CERT"), var("DAICHO_TLS_KEY")) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: PathBuf::from(cert),
                key: PathBuf::from(key),
            }),
            (None, None) => None,
            _ => {
                return Err(
                    "DAICHO_TLS_CERT and DAICHO_TLS_KEY go together: set both to serve HTTPS, or neither"
                        .to_owned(),
                );
            }
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let public_url = var("DAICHO_PUBLIC_URL").unwrap_or_else(|| format!("{scheme}://{bind}"));
        if tls.is_some() && !public_url.starts_with("https://") {
            // Labels and links would send people to a plain address nobody answers.
            return Err(format!(
                "DAICHO_PUBLIC_URL ({public_url}) must start with https:// when daicho serves HTTPS"
            ));
        }
        let number = |name: &str, default: i64, min: i64, max: i64| -> Result<i64, String> {
            match var(name) {
                None => Ok(default),
                Some(text) => match text.trim().parse::<i64>() {
                    Ok(n) if (min..=max).contains(&n) => Ok(n),
                    _ => Err(format!("{name} must be a whole number from {min} to {max}")),
                },
            }
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as i64;
        let workers = number("DAICHO_WORKERS", cores, 1, 256)? as usize;
        let settings = Settings {
            database_url: var("DATABASE_URL").unwrap_or_else(|| "daicho.db".to_owned()),
            https: public_url.starts_with("https://"),
            tls,
            public_url: public_url.trim_end_matches('/').to_owned(),
            bind,
            data_dir: PathBuf::from(var("DAICHO_DATA_DIR").unwrap_or_else(|| ".".to_owned())),
            admin_password: std::env::var("DAICHO_ADMIN_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty()),
            session_secret: var("DAICHO_SESSION_SECRET"),
            session_minutes: number("DAICHO_SESSION_MINUTES", 480, 5, 24 * 60)?,
            session_idle_minutes: number(
                "DAICHO_SESSION_IDLE_MINUTES",
                DEFAULT_SESSION_IDLE_MINUTES,
                1,
                24 * 60,
            )?,
            password_max_age_days: number("DAICHO_PASSWORD_MAX_AGE_DAYS", 90, 1, 3650)?,
            pool_size: number("DAICHO_DB_POOL_SIZE", (workers as i64 * 2).max(4), 1, 256)? as u32,
            workers,
            nut_poll_seconds: number("DAICHO_NUT_POLL_SECONDS", 30, 0, 86_400)? as u64,
            trusted_proxies: match var("DAICHO_TRUSTED_PROXIES") {
                None => Vec::new(),
                Some(list) => list
                    .split(',')
                    .map(|a| {
                        a.trim().parse().map_err(|_| {
                            format!("DAICHO_TRUSTED_PROXIES: {a:?} is not an IP address")
                        })
                    })
                    .collect::<Result<_, _>>()?,
            },
            nut_ports: match var("DAICHO_NUT_PORTS") {
                None => vec![NUT_PORT],
                Some(list) => parse_ports(&list)?,
            },
            import_max_rows: number(
                "DAICHO_IMPORT_MAX_ROWS",
                DEFAULT_IMPORT_MAX_ROWS,
                1,
                10_000_000,
            )? as u64,
            shutdown_seconds: number("DAICHO_SHUTDOWN_SECONDS", 20, 1, 3600)? as u64,
            inspection_days: number("DAICHO_INSPECTION_DAYS", DEFAULT_INSPECTION_DAYS, 1, 3650)?,
            audit_checkpoint_minutes: number("DAICHO_AUDIT_CHECKPOINT_MINUTES", 60, 0, 7 * 24 * 60)?
                as u64,
            audit_check_seconds: number("DAICHO_AUDIT_CHECK_SECONDS", 60, 0, 86_400)? as u64,
        };
        Ok(settings)
    }

    /// Settings for a test or a tool: everything explicit, nothing read from the environment.
    pub fn for_database(database_url: &str, data_dir: PathBuf) -> Settings {
        Settings {
            database_url: database_url.to_owned(),
            bind: "127.0.0.1:0".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            data_dir,
            admin_password: None,
            session_secret: None,
            session_minutes: 480,
            session_idle_minutes: DEFAULT_SESSION_IDLE_MINUTES,
            password_max_age_days: 90,
            workers: 2,
            pool_size: 8,
            https: false,
            tls: None,
            nut_poll_seconds: 30,
            trusted_proxies: Vec::new(),
            nut_ports: vec![NUT_PORT],
            import_max_rows: DEFAULT_IMPORT_MAX_ROWS as u64,
            shutdown_seconds: 20,
            inspection_days: DEFAULT_INSPECTION_DAYS,
            audit_checkpoint_minutes: 60,
            // Tests check the chain when they ask for it (or turn this on).
            audit_check_seconds: 0,
        }
    }
}

/// The port upsd listens on.
pub const NUT_PORT: u16 = 3493;

/// `3493, 3494` → the ports; anything else is a start-up error.
fn parse_ports(list: &str) -> Result<Vec<u16>, String> {
    let mut ports = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.parse::<u16>() {
            Ok(port) if port > 0 => ports.push(port),
            _ => {
                return Err(format!(
                    "DAICHO_NUT_PORTS: {part:?} is not a port (1-65535)"
                ));
            }
        }
    }
    if ports.is_empty() {
        return Err("DAICHO_NUT_PORTS names no port".to_owned());
    }
    ports.sort_unstable();
    ports.dedup();
    Ok(ports)
}

#[cfg(test)]
mod tests {
    #[test]
    fn nut_ports_are_a_comma_list() {
        assert_eq!(
            super::parse_ports("3493, 13493,3493"),
            Ok(vec![3493, 13493])
        );
        assert!(super::parse_ports("3493,ssh").is_err());
        assert!(super::parse_ports("0").is_err());
        assert!(super::parse_ports(" , ").is_err());
    }
}
