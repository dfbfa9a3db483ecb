//! Opening a database that must already be daicho's. Only `serve` and
//! `migrate` may create one: a tool pointed at a mistyped path, an empty
//! file or a backup cut short must say so, never create an empty database
//! and then report on it ("audit chain OK: 0 events").

use super::{Backend, DbConn, establish, sqlite_path};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use std::io::Read;

/// The table diesel keeps its applied migrations in: every daicho database has it.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// Why a database could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// There is no daicho database at that place (nothing was created).
    NotDaicho(String),
    /// It could not be reached or read.
    Failed(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::NotDaicho(m) | OpenError::Failed(m) => f.write_str(m),
        }
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Opens the database `url` names if it is a daicho database, creating nothing.
pub fn open_existing(url: &str) -> Result<DbConn, OpenError> {
    let not_daicho = |why: &str| {
        OpenError::NotDaicho(format!(
            "{} is not a daicho database ({why}); nothing was created. Check DATABASE_URL \
             (only `daicho serve` and `daicho migrate` create a new database)",
            shown(url)
        ))
    };
    if Backend::of(url) == Backend::Sqlite {
        let path = sqlite_path(url);
        let mut header = [0u8; 16];
        let read = std::fs::File::open(path).and_then(|mut f| {
            let n = f.read(&mut header)?;
            Ok((n, f.metadata()?.len()))
        });
        match read {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(not_daicho("no such file"));
            }
            Err(e) => return Err(OpenError::Failed(format!("cannot read {path}: {e}"))),
            Ok((_, 0)) => return Err(not_daicho("the file is empty")),
            Ok((n, _)) if n < 16 || &header != b"SQLite format 3\0" => {
                return Err(not_daicho("the file is not a SQLite database"));
            }
            Ok(_) => {}
        }
    }
    let mut conn = establish(url).map_err(OpenError::Failed)?;
    let query = match conn.backend() {
        Backend::Sqlite => format!(
            "SELECT count(*) AS n FROM sqlite_master \
             WHERE type = 'table' AND name = '{MIGRATIONS_TABLE}'"
        ),
        Backend::Postgres => format!(
            "SELECT count(*) AS n FROM pg_catalog.pg_tables \
             WHERE tablename = '{MIGRATIONS_TABLE}' AND schemaname = ANY (current_schemas(false))"
        ),
    };
    let found = diesel::sql_query(query)
        .get_result::<Count>(&mut conn)
        .map_err(|e| not_daicho(&format!("it cannot be read: {e}")))?;
    if found.n == 0 {
        return Err(not_daicho("it holds no daicho tables"));
    }
    Ok(conn)
}

/// The URL as it may be printed: a PostgreSQL password is never shown.
fn shown(url: &str) -> String {
    match Backend::of(url) {
        Backend::Sqlite => sqlite_path(url).to_owned(),
        Backend::Postgres => match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let credentials = &url[scheme + 3..at];
                match credentials.split_once(':') {
                    Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                    None => url.to_owned(),
                }
            }
            _ => url.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            shown("postgres://daicho:secret@db/daicho"),
            "postgres://daicho:***@db/daicho"
        );
        assert_eq!(shown("postgres://daicho@db/x"), "postgres://daicho@db/x");
        assert_eq!(shown("sqlite://a.db"), "a.db");
    }
}
