//! GraphQL over HTTP (graphql.github.io/graphql-over-http): our own handler on top of
//! `async_graphql::http`, because the stock one always answers `application/graphql-response+json`
//! with status 200. Here the media type follows `Accept` and the status follows the kind of error.
//!
//! Before anything executes, a request goes through, in order: CSRF and content-type checks, the
//! body limit, JSON shape, automatic persisted queries, the document's size and token count, the
//! parser, the document limits (depth, aliases, root fields, directives), the GET-is-read-only
//! rule, and then async-graphql's own validation (with the complexity limit).
use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, ServerError, Variables};
use axum::body::{Body, Bytes};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::apq;
use super::context::{ClientIp, RequestId};
use super::limits;
use super::loaders::Loaders;
use crate::app::AppState;
use crate::auth::Viewer;
use crate::cache::{self, CacheHints, CacheScope, CachedResponse, ResponseCache};
use crate::error::code;
use crate::graphql::catalog::topic_list::RawJson;
use crate::metrics::{OperationLabel, Outcome};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
pub const JSON: &str = "application/json; charset=utf-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    GraphQLResponseJson,
    Json,
}

impl MediaType {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphQLResponseJson => GRAPHQL_RESPONSE_JSON,
            Self::Json => JSON,
        }
    }
}

/// Picks the response media type from `Accept`, honouring the client's order and `q=0`.
/// `None` means nothing acceptable (406).
pub fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    if accept.trim().is_empty() {
        return Some(MediaType::Json);
    }
    let mut best: Option<(f32, MediaType)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        for p in parts {
            if let Some(v) = p.trim().strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        let kind = match media.as_str() {
            "application/graphql-response+json" => MediaType::GraphQLResponseJson,
            "application/json" | "application/*" | "*/*" => MediaType::Json,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, kind));
        }
    }
    best.map(|(_, k)| k)
}

/// The GraphQL-over-HTTP request parameters, from a JSON body or a query string.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    query: Option<serde_json::Value>,
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    operation_name: Option<serde_json::Value>,
    #[serde(default)]
    extensions: Option<serde_json::Value>,
}

/// Status of a GraphQL request error (parse, validation, limits): the spec wants 400 with
/// `application/graphql-response+json`, and 200 for every well-formed request with
/// `application/json`.
fn request_error_status(media: MediaType) -> StatusCode {
    match media {
        MediaType::GraphQLResponseJson => StatusCode::BAD_REQUEST,
        MediaType::Json => StatusCode::OK,
    }
}

/// Headers that a browser cannot send cross-site without a CORS preflight; one of them (or a
/// JSON content type) makes a POST safe from CSRF.
const PREFLIGHT_HEADERS: [&str; 2] = ["apollo-require-preflight", "x-apollo-operation-name"];

/// A response carrying only `errors` (a "request error": no `data` key at all).
fn request_error(
    status: StatusCode,
    media: MediaType,
    error_code: &str,
    message: impl Into<String>,
) -> Response {
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", error_code);
    err.extensions = Some(ext);
    respond(status, media, serde_json::json!({ "errors": [err] }))
}

fn respond(status: StatusCode, media: MediaType, body: serde_json::Value) -> Response {
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(media.content_type()),
            ),
            // Only successful anonymous GET queries are cacheable (see `execute`).
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}

fn not_acceptable() -> Response {
    (
        StatusCode::NOT_ACCEPTABLE,
        [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
        r#"{"errors":[{"message":"Accept must allow application/graphql-response+json or application/json","extensions":{"code":"BAD_USER_INPUT"}}]}"#,
    )
        .into_response()
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

pub async fn graphql_get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html && !raw.contains("query=") && !raw.contains("extensions=") {
        return Html(
            async_graphql::http::GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql")
                .title("roadmap-api")
                .finish(),
        )
        .into_response();
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(&raw) {
        Ok(p) => p,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                code::BAD_USER_INPUT,
                "The query string is malformed",
            )
        }
    };
    let mut params = Params {
        query: None,
        variables: None,
        operation_name: None,
        extensions: None,
    };
    for (k, v) in pairs {
        let parse_json = |v: &str| serde_json::from_str::<serde_json::Value>(v);
        match k.as_str() {
            "query" => params.query = Some(serde_json::Value::String(v)),
            "operationName" => params.operation_name = Some(serde_json::Value::String(v)),
            "variables" | "extensions" => {
                let Ok(parsed) = parse_json(&v) else {
                    return request_error(
                        StatusCode::BAD_REQUEST,
                        media,
                        code::BAD_USER_INPUT,
                        format!("`{k}` must be a JSON object"),
                    );
                };
                if k == "variables" {
                    params.variables = Some(parsed);
                } else {
                    params.extensions = Some(parsed);
                }
            }
            _ => {}
        }
    }
    execute(state, peer, headers, Method::GET, media, params).await
}

pub async fn graphql_post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    // Browsers send these (and no content type) cross-site without a preflight: refuse them
    // unless a header proves the request came from a script allowed by CORS.
    let csrf_prone = matches!(
        essence,
        "" | "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data"
    );
    let preflighted = PREFLIGHT_HEADERS.iter().any(|h| {
        headers
            .get(*h)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.trim().is_empty())
    });
    if csrf_prone && !preflighted {
        return request_error(
            StatusCode::BAD_REQUEST,
            media,
            code::BAD_USER_INPUT,
            "This request has been blocked as a possible cross-site request forgery (CSRF): send \
             Content-Type: application/json, or an `apollo-require-preflight` header",
        );
    }
    if essence != "application/json" {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            code::BAD_USER_INPUT,
            "Send GraphQL requests as POST with Content-Type: application/json",
        );
    }
    let limit = state.config.serve.hardening.max_body_bytes;
    let body = match read_body(&headers, body, limit).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                media,
                code::BAD_USER_INPUT,
                format!("The request body is larger than the limit of {limit} bytes"),
            )
        }
        Err(BodyError::Read(e)) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                code::BAD_USER_INPUT,
                format!("The request body could not be read: {e}"),
            )
        }
    };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                code::BAD_USER_INPUT,
                format!("The request body is not valid JSON: {e}"),
            )
        }
    };
    if let serde_json::Value::Array(items) = value {
        return execute_batch(state, peer, headers, media, items).await;
    }
    let params: Params = match serde_json::from_value(value) {
        Ok(p) => p,
        Err(_) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                media,
                code::BAD_USER_INPUT,
                "The request body must be a JSON object with a `query` string",
            )
        }
    };
    execute(state, peer, headers, Method::POST, media, params).await
}

/// A JSON array of operations: refused unless `MAX_BATCH_SIZE` allows batches. Each operation
/// goes through every check a single one does, costs one token of the rate limit, and is
/// counted in the metrics on its own.
async fn execute_batch(
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    media: MediaType,
    items: Vec<serde_json::Value>,
) -> Response {
    let max = state.config.serve.hardening.max_batch_size;
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
    // The rate-limit middleware took one token for the HTTP request; the rest are due here.
    let extra = u32::try_from(items.len() - 1).unwrap_or(u32::MAX);
    let ip = crate::middleware::client_ip(
        &headers,
        Some(peer),
        state.config.serve.hardening.trust_forwarded_for,
    )
    .unwrap_or(peer.ip());
    if extra > 0 {
        if let Err(wait) = state
            .rate_limiter
            .check(ip, extra, std::time::Instant::now())
        {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let mut resp = crate::middleware::error_response(
                StatusCode::TOO_MANY_REQUESTS,
                media,
                code::RATE_LIMITED,
                &format!("Too many requests: retry in {secs} s"),
                Some(("retryAfterSeconds", secs.into())),
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return resp;
        }
    }
    let mut answers = Vec::with_capacity(items.len());
    for item in items {
        let started = std::time::Instant::now();
        let resp = match serde_json::from_value::<Params>(item) {
            Ok(params) => {
                execute(
                    state.clone(),
                    peer,
                    headers.clone(),
                    Method::POST,
                    media,
                    params,
                )
                .await
            }
            Err(_) => request_error(
                StatusCode::BAD_REQUEST,
                media,
                code::BAD_USER_INPUT,
                "Each operation of a batch must be a JSON object with a `query` string",
            ),
        };
        let label = resp
            .extensions()
            .get::<OperationLabel>()
            .cloned()
            .unwrap_or(OperationLabel {
                name: None,
                outcome: Outcome::RequestError,
            });
        state.metrics.record(&label, started.elapsed());
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        answers.push(serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null));
    }
    // Per-operation outcomes are in each answer (and already counted): the batch itself is 200.
    let mut resp = respond(StatusCode::OK, media, serde_json::Value::Array(answers));
    resp.extensions_mut().insert(crate::middleware::BatchAnswer);
    resp
}

enum BodyError {
    TooLarge,
    Read(axum::Error),
}

/// How much of an oversized body is read (and dropped) before answering 413, as a multiple of
/// the limit: a client still sending gets its 413 instead of a reset connection.
const DRAIN_FACTOR: usize = 16;

/// Reads the body up to `limit` bytes. Past the limit the rest is drained (up to
/// `DRAIN_FACTOR` × `limit`, within the request timeout) and not kept.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, BodyError> {
    use futures_util::StreamExt;
    let drain_cap = limit.saturating_mul(DRAIN_FACTOR);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > drain_cap) {
        return Err(BodyError::TooLarge);
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Read)?;
        seen = seen.saturating_add(chunk.len());
        if seen > drain_cap {
            return Err(BodyError::TooLarge);
        }
        if seen <= limit {
            buf.extend_from_slice(&chunk);
        }
    }
    if seen > limit {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(buf))
}

async fn execute(
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    method: Method,
    media: MediaType,
    params: Params,
) -> Response {
    let mut label = OperationLabel {
        name: None,
        outcome: Outcome::RequestError,
    };
    let mut cacheable = false;
    let mut resp = run(
        &state,
        peer,
        &headers,
        &method,
        media,
        params,
        &mut label,
        &mut cacheable,
    )
    .await;
    if cacheable {
        let max_age = state.config.serve.hardening.cache_max_age_secs;
        if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
            resp.headers_mut().insert(header::CACHE_CONTROL, v);
        }
        // The body depends on these request headers; shared caches must key on them.
        resp.headers_mut().insert(
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Encoding, Authorization"),
        );
    }
    resp.extensions_mut().insert(label);
    resp
}

/// Runs one GraphQL request; fills in the metrics label and whether the answer is publicly
/// cacheable.
#[allow(clippy::too_many_arguments)]
async fn run(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    method: &Method,
    media: MediaType,
    params: Params,
    label: &mut OperationLabel,
    cacheable: &mut bool,
) -> Response {
    let bad = |msg: &str| request_error(StatusCode::BAD_REQUEST, media, code::BAD_USER_INPUT, msg);
    let graphql_error = |error_code: &str, msg: String| {
        request_error(request_error_status(media), media, error_code, msg)
    };
    let query = match params.query {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(q)) => Some(q),
        Some(_) => return bad("`query` must be a string"),
    };
    let operation_name = match params.operation_name {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return bad("`operationName` must be a string"),
    };
    // Anonymous answers may come from (and go into) the response cache, keyed by the variables as
    // sent.
    let anonymous = !headers.contains_key(header::AUTHORIZATION);
    let use_cache = anonymous && state.caches.responses.enabled();
    let variables_text = match (&params.variables, use_cache) {
        (Some(v @ serde_json::Value::Object(_)), true) => v.to_string(),
        _ => String::new(),
    };
    let variables = match params.variables {
        None | Some(serde_json::Value::Null) => Variables::default(),
        Some(v @ serde_json::Value::Object(_)) => Variables::from_json(v),
        Some(_) => return bad("`variables` must be a JSON object"),
    };
    match params.extensions {
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Object(_)) => {}
        Some(_) => return bad("`extensions` must be a JSON object"),
    }
    let persisted = match apq::from_extensions(params.extensions.as_ref()) {
        Ok(p) => p,
        Err(msg) => return bad(&msg),
    };

    // Automatic persisted queries: a hash alone looks the document up; a hash with the
    // document registers it once the document passes the checks below.
    let mut register = None;
    let query = match (query, persisted) {
        (Some(q), None) => q,
        (None, None) => return bad("`query` is missing"),
        (_, Some(_)) if !state.apq.enabled() => {
            return graphql_error(
                code::PERSISTED_QUERY_NOT_SUPPORTED,
                "PersistedQueryNotSupported".into(),
            )
        }
        (Some(q), Some(pq)) => {
            if apq::sha256_hex(&q) != pq.sha256 {
                return bad("`extensions.persistedQuery.sha256Hash` does not match the query");
            }
            register = Some(pq.sha256);
            q
        }
        (None, Some(pq)) => match state.apq.get(&pq.sha256) {
            Some(q) => q.to_string(),
            None => {
                return graphql_error(
                    code::PERSISTED_QUERY_NOT_FOUND,
                    "PersistedQueryNotFound".into(),
                )
            }
        },
    };

    let mut lookup = None;
    if use_cache {
        let key = ResponseCache::key(&query, &variables_text, operation_name.as_deref());
        if let Ok(version) = state.caches.version.current().await {
            if let Some(hit) = state.caches.responses.get(&key, version) {
                // Only documents that passed every check were cached.
                if let Some(hash) = register {
                    state.apq.put(hash, &query);
                }
                label.name = hit.operation_name.clone();
                label.outcome = Outcome::Ok;
                *cacheable = *method == Method::GET;
                return cached_response(media, &hit);
            }
            lookup = Some((key, version));
        }
    }

    // Size and tokens before the parser runs; the parser itself is bounded by the nesting check.
    if let Err(msg) = limits::check_text(&query, &state.limits) {
        return graphql_error(code::GRAPHQL_VALIDATION_FAILED, msg);
    }
    let mut request = async_graphql::Request::new(query).variables(variables);
    if let Some(name) = &operation_name {
        request = request.operation_name(name.clone());
    }
    let store;
    let operation = match request.parsed_query() {
        Ok(doc) => {
            if let Err(msg) = limits::check_document(doc, &state.limits) {
                return graphql_error(code::GRAPHQL_VALIDATION_FAILED, msg);
            }
            store = lookup.is_some() && cache::cacheable_operation(doc, operation_name.as_deref());
            selected_operation(doc, operation_name.as_deref())
        }
        Err(e) => {
            return graphql_error(
                code::GRAPHQL_PARSE_FAILED,
                format!("The GraphQL document could not be parsed: {}", e.message),
            );
        }
    };
    label.name = operation.as_ref().and_then(|(_, name)| name.clone());
    let operation_type = operation.map(|(ty, _)| ty);
    if method == Method::GET && operation_type.is_some_and(|t| t != OperationType::Query) {
        let mut resp = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            code::BAD_USER_INPUT,
            "Mutations and subscriptions must be sent with POST",
        );
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return resp;
    }
    if let Some(hash) = register {
        state.apq.put(hash, &request.query);
    }

    let rid = request_id(headers);
    let query_text = request.query.clone();
    let viewer = viewer_from_headers(state, headers).await;
    // A mutation reads what it just wrote (its payload): never through the shared caches, whose
    // version it could only have read before its own commit.
    let scope = (operation_type != Some(OperationType::Mutation))
        .then(|| CacheScope::new(state.caches.clone(), lookup.as_ref().map(|(_, v)| *v)));
    let hints = CacheHints::default();
    let raw = RawJson::default();
    let request = request
        .data(Loaders::with_cache(&state.db, scope))
        .data(viewer)
        .data(ClientIp(peer.ip().to_string()))
        .data(RequestId(rid.clone()))
        .data(hints.clone())
        .data(raw.clone());
    let mut response = state.schema.execute(request).await;
    if operation_type == Some(OperationType::Mutation) {
        // Whatever it wrote, this process reads the content version again before trusting a cache.
        state.caches.version.mark_stale();
    }

    let is_request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Variable values that do not fit their types are reported at the argument using them (and
    // again at the field): the client's input is at fault, not the document.
    let bad_variables = is_request_error
        && response
            .errors
            .iter()
            .any(|e| points_at_variable(&query_text, e));
    for err in &mut response.errors {
        let bad_input = bad_variables
            && (err.message.starts_with("Invalid value for argument")
                || err.message.starts_with("Expected input type"));
        normalize_error(err, is_request_error, bad_input, &rid, &state.limits);
    }
    if is_request_error {
        return respond(
            request_error_status(media),
            media,
            serde_json::json!({ "errors": response.errors }),
        );
    }
    label.outcome = if response.errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Error
    };
    *cacheable = method == Method::GET
        && !headers.contains_key(header::AUTHORIZATION)
        && operation_type == Some(OperationType::Query)
        && response.errors.is_empty();
    let bytes = Bytes::from(raw.splice(serde_json::to_vec(&response).unwrap_or_default()));
    if let (true, Some((key, version))) = (
        store && response.errors.is_empty() && hints.cacheable(),
        lookup,
    ) {
        let entry = CachedResponse {
            version,
            etag: cache::etag_of(&bytes),
            body: bytes.clone(),
            expires_at: hints.expiry(),
            operation_name: label.name.clone(),
        };
        let resp = cached_response(media, &entry);
        state.caches.responses.put(key, entry);
        return resp;
    }
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(media.content_type()),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}

/// An answer from (or just put into) the response cache, with its ETag for conditional GETs.
fn cached_response(media: MediaType, hit: &CachedResponse) -> Response {
    let etag = format!(
        "\"{}-{}\"",
        hit.etag.trim_matches('"'),
        match media {
            MediaType::GraphQLResponseJson => "g",
            MediaType::Json => "j",
        }
    );
    let mut resp = (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(media.content_type()),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        hit.body.clone(),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

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

/// The type and name of the operation that will run, when they can be told from the document.
fn selected_operation(
    doc: &async_graphql::parser::types::ExecutableDocument,
    name: Option<&str>,
) -> Option<(OperationType, Option<String>)> {
    use async_graphql::parser::types::DocumentOperations;
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some((op.node.ty, None)),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .get_key_value(name)
            .map(|(n, op)| (op.node.ty, Some(n.to_string()))),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops
            .iter()
            .next()
            .map(|(n, op)| (op.node.ty, Some(n.to_string()))),
        _ => None,
    }
}

/// Gives every error an `extensions.code`, and internal ones the request id to quote.
fn normalize_error(
    err: &mut ServerError,
    request_error: bool,
    bad_input: bool,
    request_id: &str,
    limits: &limits::Limits,
) {
    let ext = err
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    let code_now = ext.get("code").and_then(|v| match v {
        async_graphql::Value::String(s) => Some(s.clone()),
        _ => None,
    });
    let code = match code_now {
        Some(c) => c,
        // Values the client sent that do not fit their declared types, or an operation name
        // the document does not have (or none when it has several): the client's input is at
        // fault, not the document.
        None if request_error
            && (bad_input
                || err.message.starts_with("Unknown operation")
                || err.message.starts_with("Operation name required")) =>
        {
            code::BAD_USER_INPUT.to_owned()
        }
        None if request_error => code::GRAPHQL_VALIDATION_FAILED.to_owned(),
        // Execution errors raised by async-graphql itself are argument coercion failures.
        None => code::BAD_USER_INPUT.to_owned(),
    };
    if err.message == "Query is too complex." {
        err.message = format!(
            "The query is too complex: its cost is over the limit of {} (each field costs 1; a \
             connection costs its selection times `first`)",
            limits.max_complexity
        );
    }
    if code == code::INTERNAL_SERVER_ERROR {
        ext.set("requestId", request_id);
        err.message = format!("Internal server error (request id {request_id})");
    }
    ext.set("code", code);
}

/// Whether the error is located at a `$variable`, or at an argument whose value is one
/// (`name: $variable`).
fn points_at_variable(query: &str, err: &ServerError) -> bool {
    let Some(pos) = err.locations.first() else {
        return false;
    };
    let Some(line) = query.lines().nth(pos.line.saturating_sub(1)) else {
        return false;
    };
    let rest: String = line.chars().skip(pos.column.saturating_sub(1)).collect();
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(':').map(str::trim_start).unwrap_or(rest);
    rest.starts_with('$')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn negotiates_media_types() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(
            negotiate(&accept("application/json")),
            Some(MediaType::Json)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(MediaType::GraphQLResponseJson)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("text/html")), None);
        assert_eq!(negotiate(&accept("application/json;q=0")), None);
    }
}
