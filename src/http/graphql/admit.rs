//! The checks every operation passes before it runs, whatever carried it (POST, GET or a
//! `graphql-transport-ws` socket): the persisted-query rules, then the document limits — size and
//! tokens before the parser, the parse, depth, aliases, root fields, directives, expanded fields
//! and the introspection switch — and the body limit's refusal. Each transport calls these and
//! only turns a [`Refusal`] into its own shape (an HTTP response, or a socket's `next` message);
//! the complexity limit and the per-user budget are async-graphql's validation step, shared by
//! construction (`graphql::budget`).
use async_graphql::{ErrorExtensionValues, ServerError};
use axum::http::StatusCode;
use axum::response::Response;

use super::media::MediaType;
use super::persisted::{self, ApqCache};
use super::respond::request_error;
use crate::error::code;
use crate::graphql::limits::{self, Limits};

/// Why an operation may not run: its code and message, and the HTTP status it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
    pub status: Status,
}

/// Which HTTP status a refusal takes (the socket has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 400: the request itself is malformed.
    BadRequest,
    /// 413: larger than `MAX_BODY_BYTES`.
    TooLarge,
    /// The GraphQL-over-HTTP status of a request error (400, or 200 for `application/json`).
    RequestError,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>, status: Status) -> Self {
        Self {
            code,
            message: message.into(),
            status,
        }
    }

    /// The refusal as an HTTP response (errors only, no `data`).
    pub fn respond(self, media: MediaType) -> Response {
        let status = match self.status {
            Status::BadRequest => StatusCode::BAD_REQUEST,
            Status::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Status::RequestError => media.request_error_status(),
        };
        request_error(status, media, self.code, self.message)
    }

    /// The refusal as a GraphQL error (what a socket sends in its `next` message).
    pub fn server_error(self) -> ServerError {
        let mut err = ServerError::new(self.message, None);
        let mut ext = ErrorExtensionValues::default();
        ext.set("code", self.code);
        err.extensions = Some(ext);
        err
    }
}

/// A body (or socket message) over `MAX_BODY_BYTES`.
pub fn too_large(limit: usize) -> Refusal {
    Refusal::new(
        code::BAD_USER_INPUT,
        format!("The request body is larger than the limit of {limit} bytes"),
        Status::TooLarge,
    )
}

/// A malformed request (`query` missing, a parameter of the wrong type, …).
pub fn bad_request(message: impl Into<String>) -> Refusal {
    Refusal::new(code::BAD_USER_INPUT, message, Status::BadRequest)
}

/// The document to run, and the hash to register it under once it passed every check.
pub struct Document {
    pub query: String,
    pub register: Option<String>,
}

/// Automatic persisted queries: a hash alone looks the document up; a hash with the document
/// registers it once the document passes the later checks (see `persisted`).
pub fn resolve(
    apq: &ApqCache,
    query: Option<String>,
    extensions: Option<&serde_json::Value>,
) -> Result<Document, Refusal> {
    let persisted = persisted::from_extensions(extensions).map_err(bad_request)?;
    match (query, persisted) {
        (Some(query), None) => Ok(Document {
            query,
            register: None,
        }),
        (None, None) => Err(bad_request("`query` is missing")),
        (_, Some(_)) if !apq.enabled() => Err(Refusal::new(
            code::PERSISTED_QUERY_NOT_SUPPORTED,
            "PersistedQueryNotSupported",
            Status::RequestError,
        )),
        (Some(query), Some(pq)) => {
            if persisted::sha256_hex(&query) != pq.sha256 {
                return Err(bad_request(
                    "`extensions.persistedQuery.sha256Hash` does not match the query",
                ));
            }
            Ok(Document {
                query,
                register: Some(pq.sha256),
            })
        }
        (None, Some(pq)) => match apq.get(&pq.sha256) {
            Some(q) => Ok(Document {
                query: q.to_string(),
                register: None,
            }),
            None => Err(Refusal::new(
                code::PERSISTED_QUERY_NOT_FOUND,
                "PersistedQueryNotFound",
                Status::RequestError,
            )),
        },
    }
}

/// Size and tokens before the parser runs (the parser itself is bounded by the nesting check),
/// the parse (kept in `request`), then the document limits.
pub fn check_document(
    request: &mut async_graphql::Request,
    limits: &Limits,
) -> Result<(), Refusal> {
    let invalid =
        |msg: String| Refusal::new(code::GRAPHQL_VALIDATION_FAILED, msg, Status::RequestError);
    limits::check_text(&request.query, limits).map_err(invalid)?;
    match request.parsed_query() {
        Ok(doc) => limits::check_document(doc, limits).map_err(invalid),
        Err(e) => Err(Refusal::new(
            code::GRAPHQL_PARSE_FAILED,
            format!("The GraphQL document could not be parsed: {}", e.message),
            Status::RequestError,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_their_code_on_both_shapes() {
        let limits = Limits {
            max_depth: 2,
            ..Limits::default()
        };
        let mut deep = async_graphql::Request::new("{ a { b { c } } }");
        let refusal = check_document(&mut deep, &limits).unwrap_err();
        assert_eq!(refusal.code, code::GRAPHQL_VALIDATION_FAILED);
        let err = refusal.clone().server_error();
        assert_eq!(err.message, refusal.message);
        let resp = too_large(10).respond(MediaType::GraphQLResponseJson);
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let mut broken = async_graphql::Request::new("{ a ");
        assert_eq!(
            check_document(&mut broken, &limits).unwrap_err().code,
            code::GRAPHQL_PARSE_FAILED
        );
    }
}
