//! The error type resolvers return: an `AppError` turned into a GraphQL error that carries
//! `extensions.code` (and `extensions.field`); internal failures are logged, never shown.
use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

use super::field_names::{input_name, operation_name};
use crate::error::{chain, AppError, Field, Words};

/// A field as the API spells it (`changes[3].topicId`).
pub fn field_path(field: &Field) -> String {
    field.spelled(&input_name)
}

/// An error's words as the API spells them.
pub fn words(words: &Words) -> String {
    words.spelled(&input_name, &operation_name)
}

/// The error type resolvers return. Cloneable (async-graphql needs that) and already carrying its
/// `extensions.code`.
#[derive(Debug, Clone)]
pub struct ApiError(pub async_graphql::Error);

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// Names the argument at fault in `extensions.field` (for errors whose kind carries no
    /// field, such as `NOT_FOUND` on a mutation's id argument).
    pub fn with_field(self, field: &str) -> Self {
        ApiError(self.0.extend_with(|_, e| e.set("field", field)))
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let code = err.code();
        let message = match &err {
            AppError::Unavailable(_) => {
                tracing::warn!(error = %chain(&err), "the database is unavailable");
                err.to_string()
            }
            AppError::Db(_) | AppError::Internal { .. } => {
                // The details stay in the log (which carries the request id); the client gets none.
                tracing::error!(error = %chain(&err), "internal error while resolving a request");
                "Internal server error".to_owned()
            }
            AppError::BadInput { message, .. }
            | AppError::Conflict { message, .. }
            | AppError::NotFoundIn { message, .. } => words(message),
            other => other.to_string(),
        };
        let field = match &err {
            AppError::BadInput { field, .. } | AppError::Conflict { field, .. } => {
                field.as_ref().map(field_path)
            }
            AppError::NotFoundIn { field, .. } => Some(field_path(field)),
            _ => None,
        };
        let retry = match &err {
            AppError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            AppError::Unavailable(_) => Some(crate::error::UNAVAILABLE_RETRY_AFTER_SECS),
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
        AppError::from(err).into()
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
