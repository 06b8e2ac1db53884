//! `/healthz` (the process is up) and `/readyz` (the database answers).
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::state::AppState;
use crate::error::UNAVAILABLE_RETRY_AFTER_SECS;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers; while it does not, 503 with the same `Retry-After` as GraphQL requests.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECS)],
            "database unreachable",
        )
            .into_response(),
    }
}
