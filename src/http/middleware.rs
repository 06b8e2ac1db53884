//! HTTP middleware around `/graphql` and the whole router: metrics, conditional GET (ETag / 304),
//! request timeout, panics, CORS. (The per-client rate limit is in `rate_limit`.)
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::graphql::media::{media_or_json, MediaType};
use super::graphql::respond::error_response;
use super::metrics::OperationLabel;
use super::state::AppState;
use crate::error::code;

/// Counts every `/graphql` request by operation and outcome, and times it.
pub async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let is_preflight = req.method() == Method::OPTIONS;
    let resp = next.run(req).await;
    if resp.extensions().get::<BatchAnswer>().is_some() {
        // Each operation of a batch was counted on its own.
        return resp;
    }
    let label = match resp.extensions().get::<OperationLabel>() {
        Some(l) => l.clone(),
        // Not a GraphQL operation (GraphiQL page, CORS preflight) unless it was refused.
        None if is_preflight || resp.status().is_success() => return resp,
        None => OperationLabel::refused(),
    };
    state.metrics.record(&label, started.elapsed());
    resp
}

/// Marks the answer to a batch, whose operations the handler counted one by one.
#[derive(Debug, Clone, Copy)]
pub struct BatchAnswer;

/// Whether an `If-None-Match` value matches `etag` (weak comparison, as RFC 9110 says for it).
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let want = opaque(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == want)
}

/// Gives publicly cacheable responses a strong `ETag` (a hash of the bytes sent, so each content
/// encoding has its own) and answers a matching `If-None-Match` with 304. Responses to requests
/// with `Authorization` are `private, no-store`.
pub async fn conditional_get(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let request_headers = req.headers().clone();
    let mut resp = next.run(req).await;
    if request_headers.contains_key(header::AUTHORIZATION) {
        // Whatever the handler said: a signed-in answer is for this client only.
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        return resp;
    }
    let cacheable = (method == Method::GET || method == Method::HEAD)
        && resp.status() == StatusCode::OK
        && resp
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("public"));
    if !cacheable {
        return resp;
    }
    // The response cache sends the ETag it computed once for the body; an encoded body (gzip)
    // is another representation and gets its own below.
    let precomputed = resp
        .headers()
        .get(header::ETAG)
        .filter(|_| !resp.headers().contains_key(header::CONTENT_ENCODING))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(etag) = precomputed {
        if if_none_match(&request_headers, &etag) {
            let (mut parts, _) = resp.into_parts();
            parts.status = StatusCode::NOT_MODIFIED;
            for h in [header::CONTENT_TYPE, header::CONTENT_LENGTH] {
                parts.headers.remove(h);
            }
            return Response::from_parts(parts, Body::empty());
        }
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %crate::error::chain(&e), "cannot buffer a response to compute its ETag");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                MediaType::Json,
                code::INTERNAL_SERVER_ERROR,
                "Internal server error",
                None,
            );
        }
    };
    let mut hasher = Sha256::new();
    for h in [header::CONTENT_TYPE, header::CONTENT_ENCODING] {
        hasher.update(parts.headers.get(&h).map(|v| v.as_bytes()).unwrap_or(b""));
        hasher.update([0u8]);
    }
    hasher.update(&bytes);
    let etag = format!("\"{}\"", hex::encode(&hasher.finalize()[..16]));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, v);
    }
    if if_none_match(&request_headers, &etag) {
        parts.status = StatusCode::NOT_MODIFIED;
        for h in [
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
        ] {
            parts.headers.remove(h);
        }
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Ends requests that take longer than the configured time (body upload included) with 504.
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.config.hardening.request_timeout;
    let media = media_or_json(req.headers());
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!(timeout_secs = limit.as_secs(), "request timed out");
            state.metrics.timed_out();
            error_response(
                StatusCode::GATEWAY_TIMEOUT,
                media,
                code::TIMEOUT,
                &format!("The request did not complete within {} s", limit.as_secs()),
                None,
            )
        }
    }
}

/// Turns a panic anywhere below into a logged error (inside the request's span, so with its id)
/// and a bare INTERNAL_SERVER_ERROR quoting the request id, instead of a dropped connection.
pub async fn catch_panic(req: Request, next: Next) -> Response {
    use futures_util::FutureExt;
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let media = media_or_json(req.headers());
    match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(resp) => resp,
        Err(panic) => {
            let detail = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            tracing::error!(panic = detail, "request handler panicked");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                code::INTERNAL_SERVER_ERROR,
                &format!("Internal server error (request id {request_id})"),
                Some(("requestId", request_id.clone().into())),
            )
        }
    }
}

/// CORS for the configured origins; `None` (no CORS headers at all) when none are configured.
pub fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok())
                .collect::<Vec<_>>(),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::ACCEPT,
                header::IF_NONE_MATCH,
                HeaderName::from_static("apollo-require-preflight"),
                HeaderName::from_static("x-apollo-operation-name"),
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static(super::graphql::replica::READ_AFTER_LSN),
            ])
            .expose_headers([
                HeaderName::from_static("x-request-id"),
                header::ETAG,
                header::RETRY_AFTER,
                HeaderName::from_static("idempotent-replayed"),
                HeaderName::from_static(super::graphql::replica::READ_AFTER_LSN),
            ])
            .max_age(Duration::from_secs(600)),
    )
}
