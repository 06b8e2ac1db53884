//! `/healthz` (the process is up) and `/readyz` (the primary database answers; each read replica's
//! state is listed, but a replica that is away does not make the process unready: reads skip it).
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
        Ok(Ok(())) => (StatusCode::OK, format!("ready{}", replica_lines(&state))).into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECS)],
            "database unreachable",
        )
            .into_response(),
    }
}

/// One line per read replica: `replica <url>: up|down, lag <ms> ms, replayed <lsn>` (empty without
/// replicas).
fn replica_lines(state: &AppState) -> String {
    let Some(reads) = &state.reads else {
        return String::new();
    };
    let mut out = String::new();
    for replica in reads.replicas() {
        let h = replica.health();
        let usable = h.up && h.caught_up;
        let lag = h
            .lag
            .map_or_else(|| "unknown".to_owned(), |l| format!("{} ms", l.as_millis()));
        let replay = h.replay.map_or_else(|| "-".to_owned(), |l| l.to_string());
        out.push_str(&format!(
            "\nreplica {}: {}, lag {lag}, replayed {replay}",
            replica.label,
            if usable { "up" } else { "down" },
        ));
        if let Some(e) = h.error {
            out.push_str(&format!(" ({e})"));
        }
    }
    out
}
