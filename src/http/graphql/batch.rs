//! A JSON array of operations: refused unless `MAX_BATCH_SIZE` allows batches. Each operation goes
//! through the same pipeline as a single one, costs one request of the rate limit, and is counted
//! in the metrics on its own.
use axum::http::StatusCode;
use axum::response::Response;

use super::respond::{mark_unavailable, request_error, respond};
use super::{answer, extract, Ctx};
use crate::error::code;
use crate::http::middleware::BatchAnswer;
use crate::http::rate_limit::{client_ip, too_many_requests};

pub async fn run(ctx: &Ctx<'_>, items: Vec<serde_json::Value>) -> Response {
    let state = ctx.state;
    let media = ctx.media;
    let max = state.config.hardening.max_batch_size;
    if max == 0 {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            code::BAD_USER_INPUT,
            "Batched requests are not supported: send one operation per request",
        );
    }
    if items.is_empty() || items.len() > max {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            code::BAD_USER_INPUT,
            format!("A batch must hold between 1 and {max} operations"),
        );
    }
    // The rate-limit middleware took one request for the HTTP request; the rest are due here
    // (signed-in operations spend their user's budget, each on its own).
    let extra = u32::try_from(items.len() - 1).unwrap_or(u32::MAX);
    if extra > 0 && !crate::http::rate_limit::left_to_budget(state, ctx.headers) {
        let trust = state.config.hardening.trust_forwarded_for;
        let ip = client_ip(ctx.headers, Some(ctx.peer), trust).unwrap_or(ctx.peer.ip());
        if let Err(wait) = state.rate_limiter.check(ip, extra) {
            return too_many_requests(media, wait);
        }
    }
    let mut answers = Vec::with_capacity(items.len());
    let mut down = false;
    for item in items {
        let started = std::time::Instant::now();
        let one = match extract::batch_item(item, media) {
            Ok(params) => answer(ctx, params).await,
            Err(resp) => resp.into(),
        };
        state.metrics.record(&one.label, started.elapsed());
        down |= one.response.status() == StatusCode::SERVICE_UNAVAILABLE;
        let bytes = axum::body::to_bytes(one.response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        answers.push(serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null));
    }
    // Per-operation outcomes are in each answer (and already counted): the batch itself is 200,
    // or 503 with `Retry-After` when the database was away for any of them.
    let mut resp = respond(StatusCode::OK, media, serde_json::Value::Array(answers));
    if down {
        mark_unavailable(&mut resp);
    }
    resp.extensions_mut().insert(BatchAnswer);
    resp
}
