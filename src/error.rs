//! `AppError`: the one error every service returns. The GraphQL layer turns it into a response
//! error carrying `extensions.code` (see `graphql::error`); the kinds here map one to one onto
//! those codes.
use sea_orm::DbErr;

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
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    BadInput {
        message: String,
        field: Option<String>,
    },
    #[error("{message}")]
    Conflict {
        message: String,
        field: Option<String>,
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
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::Internal(message.to_string())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => code::NOT_FOUND,
            Self::BadInput { .. } => code::BAD_USER_INPUT,
            Self::Conflict { .. } => code::CONFLICT,
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Forbidden(_) => code::FORBIDDEN,
            Self::RateLimited { .. } => code::RATE_LIMITED,
            Self::Db(_) | Self::Internal(_) => code::INTERNAL_SERVER_ERROR,
        }
    }
}

/// True when a database error is a unique-constraint violation (both backends).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
