//! `AppError`: every failure a service can report, as a kind, a stable `code`
//! and a message a person understands. It knows nothing of HTTP: `web::errors`
//! turns the kind into a status, a JSON body or a Japanese page.

use crate::db::fault::{self, Outage};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// What went wrong, as the caller must understand it (each maps to one HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The request itself cannot be read.
    BadRequest,
    /// Nobody is signed in, or the credentials are wrong.
    Unauthorized,
    /// Signed in, but not allowed to do this.
    Forbidden,
    NotFound,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// Not possible in the record's current state.
    Conflict,
    TooLarge,
    UnsupportedMediaType,
    /// Fields that fail the rules.
    Invalid,
    /// The account is locked.
    Locked,
    TooManyAttempts,
    /// Our fault; the cause is in the log.
    Internal,
    /// The database or the disk cannot serve now; trying later may succeed.
    Unavailable,
}

/// What the database said, where a caller must tell causes apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// A row with the same unique key exists (e.g. another writer was faster).
    /// `key` names it as the database does: PostgreSQL's constraint name
    /// (`{table}_{column}_key` unless named), SQLite's `table.column` list.
    UniqueViolation { key: String },
}

#[derive(Debug, Clone)]
pub struct AppError {
    pub kind: Failure,
    pub code: Cow<'static, str>,
    pub message: String,
    pub fields: Option<BTreeMap<String, String>>,
    /// Seconds after which trying again may succeed (`Retry-After`, on 429).
    pub retry_after: Option<u64>,
    /// The database's reason, where it matters to the caller (boxed: errors
    /// travel in every `Result`, and most have none).
    pub cause: Option<Box<Cause>>,
}

/// The JSON error body of CONTRACT.md.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

impl AppError {
    pub fn new(kind: Failure, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            kind,
            code: Cow::Borrowed(code),
            message: message.into(),
            fields: None,
            retry_after: None,
            cause: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Failure::BadRequest, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> AppError {
        AppError::new(Failure::Unauthorized, "unauthorized", message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Failure::Forbidden, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(Failure::NotFound, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Failure::Conflict, code, message)
    }

    /// 422 for one field at fault. The message is the field's own, in
    /// Japanese: a page may show it as it is, so it never names the field's
    /// internal name (「code:」); `fields` names it for programs.
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        let message = message.into();
        let mut fields = BTreeMap::new();
        fields.insert(field.to_owned(), message.clone());
        AppError {
            kind: Failure::Invalid,
            code: Cow::Borrowed("invalid_field"),
            message,
            fields: Some(fields),
            retry_after: None,
            cause: None,
        }
    }

    /// 422 for several fields at fault; `None` when the map is empty.
    pub fn invalid_fields(fields: BTreeMap<String, String>) -> Option<AppError> {
        if fields.is_empty() {
            return None;
        }
        let message = match fields.values().collect::<Vec<_>>().as_slice() {
            [only] => (*only).clone(),
            all => format!("入力内容に{}か所の誤りがあります。", all.len()),
        };
        Some(AppError {
            kind: Failure::Invalid,
            code: Cow::Borrowed("invalid_field"),
            message,
            fields: Some(fields),
            retry_after: None,
            cause: None,
        })
    }

    /// 429: too many failed attempts from one place; try again after `seconds`.
    pub fn too_many_attempts(seconds: u64) -> AppError {
        let minutes = seconds.div_ceil(60).max(1);
        AppError {
            retry_after: Some(seconds),
            ..AppError::new(
                Failure::TooManyAttempts,
                "too_many_attempts",
                format!(
                    "失敗が続いたため、しばらく受け付けません。{minutes}分ほど待ってからお試しください。"
                ),
            )
        }
    }

    /// Whether the database refused a second row with the same `table.column`
    /// (a single-column unique key).
    pub fn violates_unique(&self, table: &str, column: &str) -> bool {
        matches!(self.cause.as_deref(), Some(Cause::UniqueViolation { key })
            if *key == format!("{table}_{column}_key") || *key == format!("{table}.{column}"))
    }

    pub fn with_code(mut self, code: &'static str) -> AppError {
        self.code = Cow::Borrowed(code);
        self
    }

    /// A failure that is our fault. The cause goes to the log, never to the client.
    pub fn internal(cause: impl fmt::Display) -> AppError {
        log::error!("internal error: {cause}");
        AppError::new(
            Failure::Internal,
            "internal_error",
            "内部エラーが発生しました。管理者に連絡してください。",
        )
    }

    /// 503: the database does not answer (stopped, stalled, a connection cut).
    pub fn unavailable(cause: impl fmt::Display) -> AppError {
        log::warn!("database unavailable: {cause}");
        AppError::new(
            Failure::Unavailable,
            AppError::DATABASE_UNAVAILABLE,
            "データベースに接続できません。しばらくしてから再度お試しください。",
        )
    }

    /// The code of [`AppError::unavailable`].
    pub const DATABASE_UNAVAILABLE: &'static str = "database_unavailable";

    /// Whether this is [`AppError::unavailable`]: the connection it came
    /// through may be dead and must not go back into use.
    pub fn is_lost_database(&self) -> bool {
        self.code == AppError::DATABASE_UNAVAILABLE
    }

    /// The code of [`AppError::storage_unavailable`].
    pub const STORAGE_UNAVAILABLE: &'static str = "storage_unavailable";

    /// 503: the database answers but cannot keep a write (a full disk, a
    /// read-only database). Nothing was changed.
    pub fn storage_unavailable(cause: impl fmt::Display) -> AppError {
        log::error!("storage refuses writes: {cause}");
        AppError::new(
            Failure::Unavailable,
            AppError::STORAGE_UNAVAILABLE,
            "記録領域に書き込めないため、保存できませんでした（ディスクの空き容量不足または読み取り専用）。管理者に連絡してください。",
        )
    }

    fn outage(kind: Outage, cause: impl fmt::Display) -> AppError {
        match kind {
            Outage::Database => AppError::unavailable(cause),
            Outage::Storage => AppError::storage_unavailable(cause),
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                fields: self.fields.clone(),
            },
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}: {}", self.kind, self.code, self.message)
    }
}

impl std::error::Error for AppError {}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::not_found("指定されたデータが見つかりません。"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                log::info!("unique violation: {}", info.message());
                let key = info
                    .constraint_name()
                    .map(str::to_owned)
                    .unwrap_or_else(|| {
                        let message = info.message();
                        message
                            .strip_prefix("UNIQUE constraint failed: ")
                            .unwrap_or(message)
                            .to_owned()
                    });
                AppError {
                    cause: Some(Box::new(Cause::UniqueViolation { key })),
                    ..AppError::conflict("duplicate", "同じ内容のデータが既に登録されています。")
                }
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                log::info!("foreign key violation: {}", info.message());
                AppError::new(
                    Failure::Invalid,
                    "invalid_reference",
                    "参照先のデータが存在しません。",
                )
            }
            other => match fault::classify(&other) {
                Some(kind) => AppError::outage(kind, other),
                None => AppError::internal(other),
            },
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> AppError {
        let text = e.to_string();
        AppError::outage(fault::classify_connect(&text), text)
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};

    #[test]
    fn a_unique_violation_names_its_key() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute("CREATE TABLE seats (id INTEGER PRIMARY KEY, person TEXT UNIQUE, note TEXT UNIQUE); INSERT INTO seats (person, note) VALUES ('a', 'x')")
            .unwrap();
        let err: AppError = conn
            .batch_execute("INSERT INTO seats (person, note) VALUES ('a', 'y')")
            .unwrap_err()
            .into();
        assert_eq!(err.code, "duplicate");
        assert!(err.violates_unique("seats", "person"));
        assert!(!err.violates_unique("seats", "note"));
        assert!(!AppError::conflict("duplicate", "同じ").violates_unique("seats", "person"));
    }
}
