//! Reading a GraphQL-over-HTTP request: the GraphiQL page, GET query-string parameters, and POST
//! bodies (CSRF and content-type checks, the body limit, JSON shape); then the parameters' types.
use async_graphql::Variables;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::media::MediaType;
use super::respond::{bad_request, request_error};
use crate::error::code;

/// The GraphQL-over-HTTP request parameters, from a JSON body or a query string.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Params {
    query: Option<serde_json::Value>,
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    operation_name: Option<serde_json::Value>,
    #[serde(default)]
    extensions: Option<serde_json::Value>,
}

/// Headers that a browser cannot send cross-site without a CORS preflight; one of them (or a
/// JSON content type) makes a POST safe from CSRF.
const PREFLIGHT_HEADERS: [&str; 2] = ["apollo-require-preflight", "x-apollo-operation-name"];

/// How much of an oversized body is read (and dropped) before answering 413, as a multiple of
/// the limit: a client still sending gets its 413 instead of a reset connection.
const DRAIN_FACTOR: usize = 16;

/// GraphiQL (`http::graphiql`), for a browser asking for HTML without GraphQL parameters.
pub fn graphiql(headers: &HeaderMap, raw: &str) -> Option<Response> {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    (wants_html && !raw.contains("query=") && !raw.contains("extensions="))
        .then(|| super::super::graphiql::page(headers))
}

/// The parameters of a GET request, from its query string.
pub fn from_query_string(raw: &str, media: MediaType) -> Result<Params, Response> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw)
        .map_err(|_| bad_request(media, "The query string is malformed"))?;
    let mut params = Params::default();
    for (k, v) in pairs {
        match k.as_str() {
            "query" => params.query = Some(serde_json::Value::String(v)),
            "operationName" => params.operation_name = Some(serde_json::Value::String(v)),
            "variables" | "extensions" => {
                let Ok(parsed) = serde_json::from_str::<serde_json::Value>(&v) else {
                    return Err(bad_request(media, &format!("`{k}` must be a JSON object")));
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
    Ok(params)
}

/// What a POST body holds.
pub enum Posted {
    One(Box<Params>),
    /// A JSON array of operations.
    Batch(Vec<serde_json::Value>),
}

/// Checks a POST's content type (CSRF included), reads its body within `limit` and parses it;
/// the body as read comes too (an `Idempotency-Key` is bound to its hash).
pub async fn from_post(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    media: MediaType,
) -> Result<(Posted, Bytes), Response> {
    check_content_type(headers, media)?;
    let body = read_body(headers, body, limit).await.map_err(|e| match e {
        BodyError::TooLarge => super::admit::too_large(limit).respond(media),
        BodyError::Read(e) => {
            bad_request(media, &format!("The request body could not be read: {e}"))
        }
    })?;
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| bad_request(media, &format!("The request body is not valid JSON: {e}")))?;
    if let serde_json::Value::Array(items) = value {
        return Ok((Posted::Batch(items), body));
    }
    serde_json::from_value(value)
        .map(|p| (Posted::One(Box::new(p)), body))
        .map_err(|_| {
            bad_request(
                media,
                "The request body must be a JSON object with a `query` string",
            )
        })
}

/// One operation of a batch.
pub fn batch_item(item: serde_json::Value, media: MediaType) -> Result<Params, Response> {
    serde_json::from_value(item).map_err(|_| {
        bad_request(
            media,
            "Each operation of a batch must be a JSON object with a `query` string",
        )
    })
}

fn check_content_type(headers: &HeaderMap, media: MediaType) -> Result<(), Response> {
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
        return Err(bad_request(
            media,
            "This request has been blocked as a possible cross-site request forgery (CSRF): send \
             Content-Type: application/json, or an `apollo-require-preflight` header",
        ));
    }
    if essence != "application/json" {
        return Err(request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            code::BAD_USER_INPUT,
            "Send GraphQL requests as POST with Content-Type: application/json",
        ));
    }
    Ok(())
}

enum BodyError {
    TooLarge,
    Read(axum::Error),
}

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

/// The parameters with their types checked.
pub struct Operation {
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Variables,
    /// The variables as sent, part of the response cache's key (empty when the cache is not used).
    pub variables_text: String,
    pub extensions: Option<serde_json::Value>,
}

/// Checks that each parameter has its type.
pub fn operation(params: Params, media: MediaType, use_cache: bool) -> Result<Operation, Response> {
    let bad = |msg: &str| bad_request(media, msg);
    let query = match params.query {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(q)) => Some(q),
        Some(_) => return Err(bad("`query` must be a string")),
    };
    let operation_name = match params.operation_name {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(bad("`operationName` must be a string")),
    };
    // Anonymous answers may come from (and go into) the response cache, keyed by the variables as
    // sent.
    let variables_text = match (&params.variables, use_cache) {
        (Some(v @ serde_json::Value::Object(_)), true) => v.to_string(),
        _ => String::new(),
    };
    let variables = match params.variables {
        None | Some(serde_json::Value::Null) => Variables::default(),
        Some(v @ serde_json::Value::Object(_)) => Variables::from_json(v),
        Some(_) => return Err(bad("`variables` must be a JSON object")),
    };
    match params.extensions {
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Object(_)) => {}
        Some(_) => return Err(bad("`extensions` must be a JSON object")),
    }
    Ok(Operation {
        query,
        operation_name,
        variables,
        variables_text,
        extensions: params.extensions,
    })
}
