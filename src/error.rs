//! `AppError`: the one error every service returns. The GraphQL layer turns it into a response
//! error carrying `extensions.code` (see `graphql::error`); the kinds here map one to one onto
//! those codes. Failures keep their cause as `source()`: logs print the whole chain ([`chain`]),
//! clients never see it.
//!
//! Errors about an input say which input ([`Field`], in domain words) and what is wrong with it
//! ([`Words`], which leave the input's wire name to the GraphQL layer): see [`input`].
use sea_orm::DbErr;

pub mod input;

pub use input::{Field, Input, Operation, Words};

/// The codes every GraphQL error carries in `extensions.code`.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const CONFLICT: &str = "CONFLICT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    pub const PERSISTED_QUERY_NOT_SUPPORTED: &str = "PERSISTED_QUERY_NOT_SUPPORTED";
    /// The request took longer than `REQUEST_TIMEOUT_SECS` (HTTP 504).
    pub const TIMEOUT: &str = "TIMEOUT";
    /// The database cannot be reached right now (HTTP 503 with `Retry-After`): try again, and do
    /// not treat it as a signed-out session.
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    /// Not found, naming the input that named it (`extensions.field`).
    #[error("{message}")]
    NotFoundIn { message: Words, field: Field },
    #[error("{message}")]
    BadInput {
        message: Words,
        field: Option<Field>,
    },
    #[error("{message}")]
    Conflict {
        message: Words,
        field: Option<Field>,
    },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    /// The database could not be reached (no connection within `DATABASE_ACQUIRE_TIMEOUT_SECS`,
    /// refused, or dropped): the request may succeed if tried again.
    #[error("{UNAVAILABLE_MESSAGE}")]
    Unavailable(#[source] DbErr),
    /// Any other database failure (a query error): internal.
    #[error("database error")]
    Db(#[source] DbErr),
    /// Anything else that should not happen; `source` is the failure that caused it, if any.
    #[error("internal error: {message}")]
    Internal {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
}

/// Any error, as a cause kept by [`AppError::Internal`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error's message followed by its sources' messages, `: `-separated: how the log and the
/// command line print a failure.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

impl AppError {
    pub fn bad_input(field: impl Into<Field>, message: impl Into<Words>) -> Self {
        Self::BadInput {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn not_found_in(field: impl Into<Field>, message: impl Into<Words>) -> Self {
        Self::NotFoundIn {
            message: message.into(),
            field: field.into(),
        }
    }

    pub fn conflict(field: impl Into<Field>, message: impl Into<Words>) -> Self {
        Self::Conflict {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// Something that should not happen, with no underlying error to keep.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::Internal {
            message: message.to_string(),
            source: None,
        }
    }

    /// Something that should not happen because `source` failed (kept for the log).
    pub fn internal_from(
        message: impl std::fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Internal {
            message: message.to_string(),
            source: Some(Box::new(source)),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) | Self::NotFoundIn { .. } => code::NOT_FOUND,
            Self::BadInput { .. } => code::BAD_USER_INPUT,
            Self::Conflict { .. } => code::CONFLICT,
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Forbidden(_) => code::FORBIDDEN,
            Self::RateLimited { .. } => code::RATE_LIMITED,
            Self::Unavailable(_) => code::SERVICE_UNAVAILABLE,
            Self::Db(_) | Self::Internal { .. } => code::INTERNAL_SERVER_ERROR,
        }
    }
}

/// What a client is told when the database is away.
pub const UNAVAILABLE_MESSAGE: &str = "The database is unavailable; try again in a few seconds";

/// Seconds a client is asked to wait (`Retry-After`) when the database is away.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// A database error is `Unavailable` when it is about reaching the database, `Db` otherwise.
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if is_unavailable(&err) {
            Self::Unavailable(err)
        } else {
            Self::Db(err)
        }
    }
}

/// True when a database error means the database could not be reached (the pool timed out or was
/// closed, a connection was refused, reset or dropped, the server is shutting down) rather than
/// that a statement failed: trying again later may succeed.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::RuntimeErr;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::Conn(RuntimeErr::Internal(_)) => return true,
        _ => return false,
    };
    match sqlx {
        Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Io(_)
        | Sqlx::Tls(_) => true,
        // PostgreSQL: class 08 (connection exception), 57P01..57P03 (shutting down, starting up),
        // 53300 (too many connections).
        Sqlx::Database(db) => db.code().is_some_and(|c| {
            c.starts_with("08")
                || matches!(c.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
                || sqlite_busy(&c)
        }),
        _ => false,
    }
}

/// SQLite's BUSY (5) and LOCKED (6), extended codes included (the primary code is the low byte):
/// another connection held the database past the busy timeout, so trying again may succeed.
/// SQLite codes are decimal numbers; PostgreSQL's are five characters, so they cannot be mistaken.
fn sqlite_busy(code: &str) -> bool {
    code.len() < 5 && code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
}

/// True when a database error is a unique-constraint violation (both backends).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

#[cfg(test)]
mod tests {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{ConnAcquireErr, RuntimeErr};

    use super::*;

    #[test]
    fn connection_failures_are_unavailable_and_query_failures_are_not() {
        let refused = || Sqlx::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        for err in [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            DbErr::Conn(RuntimeErr::SqlxError(refused())),
            DbErr::Query(RuntimeErr::SqlxError(refused())),
            DbErr::Exec(RuntimeErr::SqlxError(Sqlx::PoolTimedOut)),
        ] {
            assert!(is_unavailable(&err), "{err}");
            assert_eq!(AppError::from(err).code(), code::SERVICE_UNAVAILABLE);
        }
        for err in [
            DbErr::Query(RuntimeErr::SqlxError(Sqlx::Protocol("bad".into()))),
            DbErr::Exec(RuntimeErr::Internal("syntax error".into())),
            DbErr::RecordNotFound("x".into()),
            DbErr::Custom("x".into()),
        ] {
            assert!(!is_unavailable(&err), "{err}");
            assert_eq!(AppError::from(err).code(), code::INTERNAL_SERVER_ERROR);
        }
    }

    #[test]
    fn failures_keep_their_cause_for_the_log() {
        let io = std::io::Error::other("disk full");
        let err = AppError::internal_from("cannot write the front matter", io);
        assert_eq!(
            chain(&err),
            "internal error: cannot write the front matter: disk full"
        );
        let db = AppError::from(DbErr::Custom("no such table".into()));
        assert_eq!(chain(&db), "database error: Custom Error: no such table");
        assert_eq!(chain(&AppError::internal("x")), "internal error: x");
    }

    #[test]
    fn sqlite_busy_and_locked_are_transient_and_postgres_codes_are_not_mistaken_for_them() {
        for busy in ["5", "6", "261", "517", "262"] {
            assert!(sqlite_busy(busy), "{busy}");
        }
        for other in ["19", "2067", "1", "40001", "23505", "08006"] {
            assert!(!sqlite_busy(other), "{other}");
        }
    }
}
