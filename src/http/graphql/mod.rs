//! GraphQL over HTTP (graphql.github.io/graphql-over-http). Hand-written on `async_graphql::http`
//! because async-graphql-axum's response always answers 200 `application/graphql-response+json`.
//!
//! Each operation goes through a pipeline of steps, one file per concern: extract (CSRF and
//! content type, body limit, JSON shape, parameter types) → persisted query → response cache →
//! limits (the persisted-query rules and the limits are `admit`'s, which the WebSocket calls too) (size and tokens, parse, depth/aliases/root fields/directives, GET-is-read-only) →
//! viewer → idempotency key (a signed-in mutation that ran before is replayed here) → execute
//! (async-graphql's validation, with the complexity limit) → respond (→ the answer is stored
//! under its idempotency key). A batch runs each of its operations through the same steps.

// A step ends the pipeline early by returning the finished refusal (`Err(Response)`); that is the
// cold path, so the response is not boxed.
#![allow(clippy::result_large_err)]
pub mod admit;
pub mod batch;
pub mod budget_headers;
pub mod execute;
pub mod extract;
pub mod idempotency;
pub mod media;
pub mod persisted;
pub mod replica;
pub mod respond;

use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

use self::execute::Executed;
use self::extract::{Params, Posted};
use self::media::{negotiate, MediaType};
use self::respond::{
    any_unavailable, body_response, cached_response, mark_unavailable, not_acceptable, respond,
    unavailable, Answer,
};
use super::metrics::{OperationLabel, Outcome};
use super::response_cache::{etag_of, CachedResponse, ResponseCache};
use super::state::AppState;

/// What every step needs to know about the HTTP request.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub peer: SocketAddr,
    pub headers: &'a HeaderMap,
    pub method: Method,
    pub media: MediaType,
    /// A POST's `Idempotency-Key`, bound to its body (used by signed-in mutations only).
    pub idempotency: Option<idempotency::Keyed>,
}

impl Ctx<'_> {
    fn anonymous(&self) -> bool {
        !self.headers.contains_key(header::AUTHORIZATION)
    }
}

/// `GET /graphql` (the WebSocket upgrade is told apart before, in `ws`).
pub async fn get(
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    raw: Option<String>,
) -> Response {
    let raw = raw.unwrap_or_default();
    if let Some(page) = extract::graphiql(&headers, &raw) {
        return page;
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let params = match extract::from_query_string(&raw, media) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let ctx = Ctx {
        state: &state,
        peer,
        headers: &headers,
        method: Method::GET,
        media,
        idempotency: None,
    };
    answer(&ctx, params).await.finish(&state)
}

/// `POST /graphql`: one operation, or a batch.
pub async fn post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let key = match idempotency::from_headers(&headers, media) {
        Ok(key) => key,
        Err(resp) => return resp,
    };
    let limit = state.config.hardening.max_body_bytes;
    let (posted, raw) = match extract::from_post(&headers, body, limit, media).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let ctx = Ctx {
        state: &state,
        peer,
        headers: &headers,
        method: Method::POST,
        media,
        idempotency: key.map(|key| idempotency::keyed(key, &raw)),
    };
    match posted {
        Posted::One(params) => answer(&ctx, *params).await.finish(&state),
        Posted::Batch(_) if ctx.idempotency.is_some() => idempotency::refuse_batch(media),
        Posted::Batch(items) => batch::run(&ctx, items).await,
    }
}

/// One operation through the pipeline.
pub async fn answer(ctx: &Ctx<'_>, params: Params) -> Answer {
    let state = ctx.state;
    let use_cache = ctx.anonymous() && state.responses.enabled();
    let op = match extract::operation(params, ctx.media, use_cache) {
        Ok(op) => op,
        Err(resp) => return resp.into(),
    };
    let doc = match admit::resolve(&state.apq, op.query, op.extensions.as_ref()) {
        Ok(doc) => doc,
        Err(refusal) => return refusal.respond(ctx.media).into(),
    };
    let mut lookup = None;
    if use_cache {
        let key = ResponseCache::key(&doc.query, &op.variables_text, op.operation_name.as_deref());
        match cache_lookup(ctx, key).await {
            Lookup::Hit(hit) => {
                // Only documents that passed every check were cached.
                if let Some(hash) = doc.register {
                    state.apq.put(hash, &doc.query);
                }
                return Answer {
                    response: cached_response(ctx.media, &hit),
                    label: OperationLabel {
                        name: hit.operation_name.clone(),
                        outcome: Outcome::Ok,
                    },
                    cacheable: ctx.method == Method::GET,
                };
            }
            Lookup::Miss(key, version) => lookup = Some((key, version)),
            Lookup::Unavailable => {}
            // Every read would wait as long again: answer now.
            Lookup::DatabaseDown => return Answer::refused(unavailable(ctx.media), None),
        }
    }
    let prepared = match execute::prepare(
        ctx,
        doc.query,
        op.operation_name,
        op.variables,
        lookup.is_some(),
    ) {
        Ok(p) => p,
        Err(answer) => return answer,
    };
    if let Some(hash) = doc.register {
        state.apq.put(hash, &prepared.request.query);
    }
    let viewer = match execute::viewer(ctx, &prepared.name).await {
        Ok(viewer) => viewer,
        Err(refused) => return refused,
    };
    // A signed-in mutation with an `Idempotency-Key` that ran before is answered here, before
    // anything executes; one that runs now stores its answer once it is built.
    let claim = match idempotency::begin(ctx, &prepared, &viewer).await {
        Ok(claim) => claim,
        Err(answered) => return answered,
    };
    let version = lookup.as_ref().map(|(_, v)| *v);
    let executed = execute::run(ctx, prepared, viewer, version).await;
    let failed = idempotency::failed_inside(&executed);
    idempotency::finish(claim, executed_answer(ctx, executed, lookup), failed).await
}

enum Lookup {
    Hit(CachedResponse),
    Miss(String, u64),
    /// The content version could not be read: the cache is bypassed.
    Unavailable,
    /// The database cannot be reached.
    DatabaseDown,
}

async fn cache_lookup(ctx: &Ctx<'_>, key: String) -> Lookup {
    let version = match ctx.state.caches.version.current().await {
        Ok(v) => v,
        Err(e) if crate::error::is_unavailable(&e) => {
            tracing::warn!(error = %crate::error::chain(&e), "cannot read the content version: the database is unavailable");
            return Lookup::DatabaseDown;
        }
        Err(_) => return Lookup::Unavailable,
    };
    match ctx.state.responses.get(&key, version) {
        Some(hit) => Lookup::Hit(hit),
        None => Lookup::Miss(key, version),
    }
}

/// The answer to an executed operation; a cacheable one also goes into the response cache.
fn executed_answer(ctx: &Ctx<'_>, executed: Executed, lookup: Option<(String, u64)>) -> Answer {
    let Executed {
        response,
        name,
        operation_type,
        store,
        is_request_error,
        hints,
        raw,
        budget,
        read_after,
    } = executed;
    let media = ctx.media;
    // The database is away: 503 with `Retry-After`, whatever the media type.
    let mutation = operation_type == Some(async_graphql::parser::types::OperationType::Mutation);
    let down = any_unavailable(&response.errors, mutation);
    if is_request_error {
        let body = serde_json::json!({ "errors": response.errors });
        let mut resp = respond(media.request_error_status(), media, body);
        if down {
            mark_unavailable(&mut resp);
        }
        if let Some(budget) = budget {
            budget_headers::apply(&mut resp, &budget);
        }
        return Answer::refused(resp, name);
    }
    let no_errors = response.errors.is_empty();
    let label = OperationLabel {
        name,
        outcome: if no_errors {
            Outcome::Ok
        } else {
            Outcome::Error
        },
    };
    let cacheable = ctx.method == Method::GET
        && ctx.anonymous()
        && operation_type == Some(async_graphql::parser::types::OperationType::Query)
        && no_errors;
    let bytes = Bytes::from(raw.splice(serde_json::to_vec(&response).unwrap_or_default()));
    let mut response = match lookup {
        Some((key, version)) if store && no_errors && hints.cacheable() => {
            let entry = CachedResponse {
                version,
                etag: etag_of(&bytes),
                body: bytes,
                expires_at: hints.expiry(),
                operation_name: label.name.clone(),
            };
            let resp = cached_response(media, &entry);
            ctx.state.responses.put(key, entry);
            resp
        }
        _ => body_response(StatusCode::OK, media, bytes),
    };
    if down {
        mark_unavailable(&mut response);
    }
    if let Some(budget) = budget {
        budget_headers::apply(&mut response, &budget);
    }
    if let Some(lsn) = read_after.and_then(|l| HeaderValue::from_str(&l.to_string()).ok()) {
        response.headers_mut().insert(replica::READ_AFTER_LSN, lsn);
    }
    Answer {
        response,
        label,
        cacheable,
    }
}
