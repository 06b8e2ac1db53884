//! Who is asking: the viewer of an HTTP request (from `Authorization`) or of a WebSocket (from its
//! `connection_init` token).
use axum::http::{header, HeaderMap};

use super::state::AppState;
use crate::auth::Viewer;

/// The viewer for a request: anonymous without `Authorization`; otherwise the token's user, or
/// anonymous with the reason the token was refused (guarded fields report it).
pub async fn viewer_from_headers(state: &AppState, headers: &HeaderMap) -> Viewer {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Viewer::default();
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
        return Viewer {
            user: None,
            token_error: Some(
                "The Authorization header must be `Bearer <access token>`".to_owned(),
            ),
        };
    };
    viewer_from_token(state, token).await
}

pub async fn viewer_from_token(state: &AppState, token: &str) -> Viewer {
    match crate::accounts::service::authenticate(&state.db, &state.auth, token).await {
        Ok(user) => Viewer {
            user: Some(user),
            token_error: None,
        },
        Err(reason) => Viewer {
            user: None,
            token_error: Some(reason),
        },
    }
}
