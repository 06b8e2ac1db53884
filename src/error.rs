//! Errors: `AppError` is what services return; `ApiError` is what resolvers return. Converting one
//! into the other attaches `extensions.code` (and `extensions.field`), and logs internal failures
//! instead of showing them to the client.
use async_graphql::ErrorExtensions;
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

/// The error type resolvers return. Cloneable (async-graphql needs that) and already carrying its
/// `extensions.code`.
#[derive(Debug, Clone)]
pub struct ApiError(pub async_graphql::Error);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let code = err.code();
        let message = match &err {
            AppError::Db(_) | AppError::Internal(_) => {
                // The details stay in the log (which carries the request id); the client gets none.
                tracing::error!(error = %err, "internal error while resolving a request");
                "Internal server error".to_owned()
            }
            other => other.to_string(),
        };
        let field = match &err {
            AppError::BadInput { field, .. } | AppError::Conflict { field, .. } => field.clone(),
            _ => None,
        };
        let retry = match &err {
            AppError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        ApiError(async_graphql::Error::new(message).extend_with(|_, e| {
            e.set("code", code);
            if let Some(field) = &field {
                e.set("field", field.as_str());
            }
            if let Some(retry) = retry {
                e.set("retryAfterSeconds", retry);
            }
        }))
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        AppError::Db(err).into()
    }
}

/// Errors raised by async-graphql itself inside a resolver (e.g. a missing context value) are
/// internal unless they already carry a code.
impl From<async_graphql::Error> for ApiError {
    fn from(err: async_graphql::Error) -> Self {
        let has_code = err
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .is_some();
        if has_code {
            ApiError(err)
        } else {
            AppError::internal(err.message).into()
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.0
    }
}
