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
    /// `DAICHO_PASSWORD_MAX_AGE_DAYS`: a password older than this must be changed (第17条).
    pub password_max_age_days: i64,
    /// `DAICHO_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: usize,
    /// `DAICHO_DB_POOL_SIZE`: pooled database connections.
    pub pool_size: u32,
    /// Whether the session cookie carries `Secure` (`DAICHO_PUBLIC_URL` starts with https).
    pub secure_cookies: bool,
    /// `DAICHO_NUT_POLL_SECONDS`: how often UPSes are read over NUT (0 turns polling off).
    pub nut_poll_seconds: u64,
    /// `DAICHO_IMPORT_MAX_ROWS`: the most rows one CSV import takes.
    pub import_max_rows: u64,
    /// `DAICHO_SHUTDOWN_SECONDS`: how long a stop waits for requests in flight.
    pub shutdown_seconds: u64,
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// One import of this many rows stays within a few hundred MB of memory.
pub const DEFAULT_IMPORT_MAX_ROWS: i64 = 200_000;

impl Settings {
    pub fn from_env() -> Result<Settings, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let bind = var("DAICHO_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let public_url = var("DAICHO_PUBLIC_URL").unwrap_or_else(|| format!("http://{bind}"));
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
            secure_cookies: public_url.starts_with("https://"),
            public_url: public_url.trim_end_matches('/').to_owned(),
            bind,
            data_dir: PathBuf::from(var("DAICHO_DATA_DIR").unwrap_or_else(|| ".".to_owned())),
            admin_password: std::env::var("DAICHO_ADMIN_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty()),
            session_secret: var("DAICHO_SESSION_SECRET"),
            session_minutes: number("DAICHO_SESSION_MINUTES", 480, 5, 24 * 60)?,
            password_max_age_days: number("DAICHO_PASSWORD_MAX_AGE_DAYS", 90, 1, 3650)?,
            pool_size: number("DAICHO_DB_POOL_SIZE", (workers as i64 * 2).max(4), 1, 256)? as u32,
            workers,
            nut_poll_seconds: number("DAICHO_NUT_POLL_SECONDS", 30, 0, 86_400)? as u64,
            import_max_rows: number(
                "DAICHO_IMPORT_MAX_ROWS",
                DEFAULT_IMPORT_MAX_ROWS,
                1,
                10_000_000,
            )? as u64,
            shutdown_seconds: number("DAICHO_SHUTDOWN_SECONDS", 20, 1, 3600)? as u64,
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
            password_max_age_days: 90,
            workers: 2,
            pool_size: 8,
            secure_cookies: false,
            nut_poll_seconds: 30,
            import_max_rows: DEFAULT_IMPORT_MAX_ROWS as u64,
            shutdown_seconds: 20,
        }
    }
}
