//! Building responses: request errors (only `errors`, no `data`), JSON bodies, cached answers with
//! their ETag, and the last step of the pipeline that adds the caching headers and metrics label.
use async_graphql::{ErrorExtensionValues, ServerError};
use axum::body::Bytes;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::media::{MediaType, JSON};
use crate::error::code;
use crate::http::metrics::{OperationLabel, Outcome};
use crate::http::response_cache::CachedResponse;
use crate::http::state::AppState;

/// One operation's answer, and what the layers around it need to know about it.
pub struct Answer {
    pub response: Response,
    /// For the metrics.
    pub label: OperationLabel,
    /// A successful anonymous GET query: shared caches may keep it.
    pub cacheable: bool,
}

impl Answer {
    /// Refused before execution, once the operation's name is known (or not).
    pub fn refused(response: Response, name: Option<String>) -> Self {
        Self {
            response,
            label: OperationLabel {
                name,
                outcome: Outcome::RequestError,
            },
            cacheable: false,
        }
    }

    /// The last step: public caching headers on cacheable answers, the label for the metrics.
    pub fn finish(self, state: &AppState) -> Response {
        let mut resp = self.response;
        if self.cacheable {
            let max_age = state.config.hardening.cache_max_age.as_secs();
            if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
                resp.headers_mut().insert(header::CACHE_CONTROL, v);
            }
            // The body depends on these request headers; shared caches must key on them.
            resp.headers_mut().insert(
                header::VARY,
                HeaderValue::from_static("Accept, Accept-Encoding, Authorization"),
            );
        }
        resp.extensions_mut().insert(self.label);
        resp
    }
}

impl From<Response> for Answer {
    fn from(response: Response) -> Self {
        Self::refused(response, None)
    }
}

/// A response carrying only `errors` (a "request error": no `data` key at all).
pub fn request_error(
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

/// 503 SERVICE_UNAVAILABLE with `Retry-After`: the database cannot be reached (a request error:
/// nothing was executed).
pub fn unavailable(media: MediaType) -> Response {
    let mut resp = request_error(
        StatusCode::SERVICE_UNAVAILABLE,
        media,
        code::SERVICE_UNAVAILABLE,
        crate::error::UNAVAILABLE_MESSAGE,
    );
    mark_unavailable(&mut resp);
    resp
}

/// Makes a response 503 with `Retry-After` (some of its errors say the database is away).
pub fn mark_unavailable(resp: &mut Response) {
    *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    resp.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER_SECS),
    );
}

/// Whether the response should be 503: one of its errors says the database is away — for a
/// mutation, only at a root field (the mutation itself failed); a payload field that failed after
/// the write committed must not make the client think the write was lost.
pub fn any_unavailable(errors: &[ServerError], mutation: bool) -> bool {
    any_error_with_code(errors, code::SERVICE_UNAVAILABLE, mutation)
}

/// Whether an error carries `extensions.code == error_code`; with `root_only`, only errors at a
/// root field (or without a path) count.
pub fn any_error_with_code(errors: &[ServerError], error_code: &str, root_only: bool) -> bool {
    let wanted = async_graphql::Value::from(error_code);
    errors.iter().any(|e| {
        (!root_only || e.path.len() <= 1)
            && e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| *c == wanted)
    })
}

/// The request could not run because the viewer's token could not be checked: 503 when the
/// database is away, 500 otherwise (never anonymous, never `UNAUTHENTICATED`).
pub fn viewer_failed(media: MediaType, err: &crate::error::AppError, request_id: &str) -> Response {
    database_failed(media, err, request_id, "cannot check an access token")
}

/// A request that cannot go on because the database failed `doing` something: 503 when the
/// database is away, 500 otherwise.
pub fn database_failed(
    media: MediaType,
    err: &crate::error::AppError,
    request_id: &str,
    doing: &str,
) -> Response {
    if err.code() == code::SERVICE_UNAVAILABLE {
        tracing::warn!(error = %crate::error::chain(err), "{doing}: the database is unavailable");
        return unavailable(media);
    }
    tracing::error!(error = %crate::error::chain(err), request_id, "{doing}");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        media,
        code::INTERNAL_SERVER_ERROR,
        &format!("Internal server error (request id {request_id})"),
        Some(("requestId", serde_json::Value::from(request_id))),
    )
}

/// 400 BAD_USER_INPUT: the request's parameters are malformed.
pub fn bad_request(media: MediaType, message: &str) -> Response {
    request_error(
        StatusCode::BAD_REQUEST,
        media,
        code::BAD_USER_INPUT,
        message,
    )
}

/// A GraphQL request error (parse, validation, limits, persisted queries): 400 or 200 by media.
pub fn graphql_request_error(media: MediaType, error_code: &str, message: String) -> Response {
    request_error(media.request_error_status(), media, error_code, message)
}

pub fn respond(status: StatusCode, media: MediaType, body: serde_json::Value) -> Response {
    body_response(
        status,
        media,
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
    )
}

/// A body with our content type and `Cache-Control: no-store` (only successful anonymous GET
/// queries are made cacheable, by [`Answer::finish`]).
pub fn body_response(status: StatusCode, media: MediaType, body: Bytes) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(media.content_type()),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

pub fn not_acceptable() -> Response {
    (
        StatusCode::NOT_ACCEPTABLE,
        [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
        r#"{"errors":[{"message":"Accept must allow application/graphql-response+json or application/json","extensions":{"code":"BAD_USER_INPUT"}}]}"#,
    )
        .into_response()
}

/// An answer from (or just put into) the response cache, with its ETag for conditional GETs.
pub fn cached_response(media: MediaType, hit: &CachedResponse) -> Response {
    let etag = format!(
        "\"{}-{}\"",
        hit.etag.trim_matches('"'),
        match media {
            MediaType::GraphQLResponseJson => "g",
            MediaType::Json => "j",
        }
    );
    let mut resp = body_response(StatusCode::OK, media, hit.body.clone());
    if let Ok(v) = HeaderValue::from_str(&etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// A response holding only a GraphQL error, for refusals made outside the GraphQL handler.
pub fn error_response(
    status: StatusCode,
    media: MediaType,
    error_code: &str,
    message: &str,
    extra: Option<(&str, serde_json::Value)>,
) -> Response {
    let mut extensions = serde_json::json!({ "code": error_code });
    if let Some((k, v)) = extra {
        extensions[k] = v;
    }
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": extensions }] });
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(media.content_type()),
        )],
        serde_json::to_vec(&body).unwrap_or_default(),
    )
        .into_response()
}
