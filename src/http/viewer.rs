//! Who is asking: the viewer of an HTTP request (from `Authorization`) or of a WebSocket (from its
//! `connection_init` token).
use axum::http::{header, HeaderMap};

use super::state::AppState;
use crate::accounts::authenticate::Check;
use crate::auth::Viewer;
use crate::error::AppError;

/// The viewer for a request: anonymous without `Authorization`; otherwise the token's user, or
/// anonymous with the reason the token was refused (guarded fields report it). When the token
/// could not be checked (the database is away), the error: the request must fail as a whole
/// rather than run as anonymous.
pub async fn viewer_from_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Viewer, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::default());
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Ok(Viewer {
            user: None,
            token_error: Some(
                "The Authorization header must be `Bearer <access token>`".to_owned(),
            ),
        });
    };
    viewer_from_token(state, token, Check::KeptOrRead).await
}

/// The viewer a token stands for; `Err` only when it could not be checked.
pub async fn viewer_from_token(
    state: &AppState,
    token: &str,
    check: Check,
) -> Result<Viewer, AppError> {
    match crate::accounts::authenticate::authenticate(&state.db, &state.auth, token, check).await {
        Ok(user) => Ok(Viewer {
            user: Some(user),
            token_error: None,
        }),
        Err(AppError::Unauthenticated(reason)) => Ok(Viewer {
            user: None,
            token_error: Some(reason),
        }),
        Err(err) => Err(err),
    }
}
