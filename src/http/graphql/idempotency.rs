//! `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): a signed-in mutation sent with a
//! key runs once. A retry with the same key and a byte-identical body, from the same user within
//! 24 hours, gets the first answer again (status, content type and body, plus
//! `Idempotent-Replayed: true`) and runs nothing; another body with the key is refused (422), and
//! a retry while the first request still runs is asked to wait (409, `Retry-After: 1`).
//!
//! The key is read on every POST (a malformed one is refused, 400, before anything runs) but used
//! only for a single signed-in mutation: queries are safe to repeat anyway, and mutations whose
//! answer carries tokens (every one returning `AuthPayload`: `signUp`, `signIn`, `refreshSession`,
//! `changePassword`, see `graphql::token_mutations`) ignore it, signed in or not: their answer
//! would keep live tokens in clear for 24 hours. A batch with a key is refused (400).
//!
//! The pipeline calls [`begin`] once the operation type and the viewer are known, before anything
//! executes, and [`finish`] with the answer it built. An answer that says nothing ran or that the
//! server failed (5xx, 429, an internal error at the mutation's root field) drops the reservation
//! so that the client's retry really runs; any other answer is stored. A request that ends
//! without an answer (timed out, panicked) drops it too. The storage is `db::idempotency`.
use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::execute::{Executed, Prepared};
use super::media::MediaType;
use super::respond::{any_error_with_code, database_failed, request_error, Answer};
use super::Ctx;
use crate::auth::Viewer;
use crate::db::idempotency::{IdempotencyKeys, KeyUse, Reservation, StoredResponse, Ticket};
use crate::error::code;
use crate::http::metrics::{OperationLabel, Outcome};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The longest key, in characters.
pub const MAX_KEY_CHARS: usize = 255;

/// A POST's well-formed key and the SHA-256 of its body (hex).
#[derive(Debug, Clone)]
pub struct Keyed {
    pub key: String,
    pub body_hash: String,
}

/// The key of a POST: `None` without the header; 400 BAD_USER_INPUT when it is malformed or sent
/// more than once.
pub fn from_headers(headers: &HeaderMap, media: MediaType) -> Result<Option<String>, Response> {
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(bad_key(
            media,
            "Send one Idempotency-Key header, not several",
        ));
    }
    parse_key(value.as_bytes()).map(Some).ok_or_else(|| {
        bad_key(
            media,
            &format!(
                "The Idempotency-Key header must hold 1 to {MAX_KEY_CHARS} visible ASCII \
                 characters, as a string (\"key\") or a bare token (key)"
            ),
        )
    })
}

/// The key a header value carries: a Structured Field string (`"abc"`, with `\"` and `\\`
/// escapes) or a bare token (`abc`); the key is the content, 1 to 255 visible ASCII characters.
pub fn parse_key(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?.trim_matches([' ', '\t']);
    let key = match text.strip_prefix('"') {
        Some(quoted) => {
            let mut key = String::with_capacity(quoted.len());
            let mut chars = quoted.chars();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => match chars.next()? {
                        c @ ('"' | '\\') => key.push(c),
                        _ => return None,
                    },
                    c => key.push(c),
                }
            }
            // Nothing may follow the closing quote (no parameters).
            if chars.next().is_some() {
                return None;
            }
            key
        }
        None => text.to_owned(),
    };
    let well_formed =
        !key.is_empty() && key.len() <= MAX_KEY_CHARS && key.bytes().all(|b| b.is_ascii_graphic());
    well_formed.then_some(key)
}

/// The key bound to the body it came with.
pub fn keyed(key: String, body: &[u8]) -> Keyed {
    Keyed {
        key,
        body_hash: hex::encode(Sha256::digest(body)),
    }
}

/// 400 for a key on a batch.
pub fn refuse_batch(media: MediaType) -> Response {
    bad_key(
        media,
        "Idempotency-Key is not supported on batched requests: send the mutation alone",
    )
}

fn bad_key(media: MediaType, message: &str) -> Response {
    request_error(
        StatusCode::BAD_REQUEST,
        media,
        code::BAD_USER_INPUT,
        message,
    )
}

/// A reservation held while the mutation runs. Dropped without [`finish`] (the request timed out
/// or panicked), it drops the reservation in the background so that a retry runs.
pub struct Claim {
    keys: Arc<IdempotencyKeys>,
    ticket: Option<Ticket>,
}

impl Claim {
    async fn release(mut self) {
        if let Some(ticket) = self.ticket.take() {
            release_logged(&self.keys, &ticket).await;
        }
    }

    async fn complete(mut self, stored: &StoredResponse) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        match self.keys.complete(&ticket, stored).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                "an idempotency key's reservation was taken over before its answer was stored"
            ),
            Err(e) => {
                // The mutation ran; its answer goes to the client, but a retry will run it again
                // (at once if the reservation can be dropped, after the request timeout if not).
                tracing::warn!(error = %crate::error::chain(&e), "could not store the answer of an idempotency key");
                release_logged(&self.keys, &ticket).await;
            }
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        let keys = self.keys.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { release_logged(&keys, &ticket).await });
        }
    }
}

async fn release_logged(keys: &IdempotencyKeys, ticket: &Ticket) {
    if let Err(e) = keys.release(ticket).await {
        // Left as it is, the reservation is taken over once it is older than the request timeout.
        tracing::warn!(error = %crate::error::chain(&e), "could not drop an idempotency key's reservation");
    }
}

/// Before execution: `Ok(None)` when the key does not apply (no key, not a mutation, not signed
/// in, a mutation whose answer carries tokens); `Ok(Some(claim))` when this request reserved it and runs; otherwise the finished answer
/// (the replay, 422, 409, or 503/500 when the keys cannot be read).
pub async fn begin(
    ctx: &Ctx<'_>,
    prepared: &Prepared,
    viewer: &Viewer,
) -> Result<Option<Claim>, Answer> {
    let name = &prepared.name;
    let Some(keyed) = &ctx.idempotency else {
        return Ok(None);
    };
    let Some(user) = &viewer.user else {
        return Ok(None);
    };
    // An answer with tokens is never stored (see `graphql::token_mutations`): the key is ignored.
    if prepared.operation_type != Some(OperationType::Mutation) || prepared.issues_tokens {
        return Ok(None);
    }
    let keys = &ctx.state.idempotency;
    let key = KeyUse {
        user_id: user.id,
        key: &keyed.key,
        request_hash: &keyed.body_hash,
    };
    let media = ctx.media;
    match keys.reserve(key, chrono::Utc::now().timestamp()).await {
        Ok(Reservation::Reserved(ticket)) => Ok(Some(Claim {
            keys: keys.clone(),
            ticket: Some(ticket),
        })),
        Ok(Reservation::Replay(stored)) => Err(replay(stored, name.clone())),
        Ok(Reservation::Mismatch) => Err(Answer::refused(
            request_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                media,
                code::BAD_USER_INPUT,
                "This Idempotency-Key was already used for another request (a different body): \
                 use a new key for a new request",
            ),
            name.clone(),
        )),
        Ok(Reservation::InFlight) => {
            let mut resp = request_error(
                StatusCode::CONFLICT,
                media,
                code::CONFLICT,
                "A request with this Idempotency-Key is still being processed; retry shortly",
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Err(Answer::refused(resp, name.clone()))
        }
        Err(e) => Err(Answer::refused(
            database_failed(
                media,
                &e,
                &super::execute::request_id(ctx),
                "cannot reserve an idempotency key",
            ),
            name.clone(),
        )),
    }
}

/// The stored answer again, marked as a replay.
fn replay(stored: StoredResponse, name: Option<String>) -> Answer {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut resp = Response::new(Body::from(stored.body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&stored.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    Answer {
        response: resp,
        label: OperationLabel {
            name,
            outcome: if status.is_success() {
                Outcome::Ok
            } else {
                Outcome::RequestError
            },
        },
        cacheable: false,
    }
}

/// Whether the mutation failed inside the server at a root field (an internal error, answered
/// with 200 and `INTERNAL_SERVER_ERROR`): like a 5xx, such an answer is not kept, so the retry
/// runs. An internal error below a root field (in the payload, after the write) is kept.
pub fn failed_inside(executed: &Executed) -> bool {
    any_error_with_code(&executed.response.errors, code::INTERNAL_SERVER_ERROR, true)
}

/// After execution: stores the answer under the claimed key, or drops the reservation when the
/// answer says nothing ran or the server failed (`failed`, 5xx, 429: so the retry runs); the
/// answer goes on unchanged.
pub async fn finish(claim: Option<Claim>, answer: Answer, failed: bool) -> Answer {
    let Some(claim) = claim else {
        return answer;
    };
    let status = answer.response.status();
    if failed || status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        claim.release().await;
        return answer;
    }
    let Answer {
        response,
        label,
        cacheable,
    } = answer;
    let (parts, body) = response.into_parts();
    // The pipeline's bodies are whole in memory: this does not wait for anything.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %crate::error::chain(&e), "could not read an answer to store it");
            claim.release().await;
            return Answer {
                response: Response::from_parts(parts, Body::empty()),
                label,
                cacheable,
            };
        }
    };
    let stored = StoredResponse {
        status: status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: bytes.to_vec(),
    };
    claim.complete(&stored).await;
    Answer {
        response: Response::from_parts(parts, Body::from(bytes)),
        label,
        cacheable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_quoted_strings_or_bare_tokens() {
        assert_eq!(parse_key(b"abc").as_deref(), Some("abc"));
        assert_eq!(parse_key(b"\"abc\"").as_deref(), Some("abc"));
        assert_eq!(
            parse_key(b"\"8e03978e-40d5-43e8-bc93-6894a57f9324\"").as_deref(),
            Some("8e03978e-40d5-43e8-bc93-6894a57f9324")
        );
        assert_eq!(parse_key(br#""a\"b\\c""#).as_deref(), Some(r#"a"b\c"#));
        assert_eq!(parse_key(b" abc ").as_deref(), Some("abc"));
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert_eq!(parse_key(b""), None);
        assert_eq!(parse_key(b"\"\""), None);
        assert_eq!(parse_key(b"\"abc"), None);
        assert_eq!(parse_key(b"\"abc\";p=1"), None);
        assert_eq!(parse_key(br#""a\nb""#), None);
        assert_eq!(parse_key(b"a b"), None);
        assert_eq!(parse_key(b"\"a b\""), None);
        assert_eq!(parse_key("caf\u{e9}".as_bytes()), None);
        assert_eq!(parse_key(&[b'a', 0x7f]), None);
        let longest = "k".repeat(MAX_KEY_CHARS);
        assert_eq!(parse_key(longest.as_bytes()), Some(longest.clone()));
        assert_eq!(parse_key(format!("{longest}k").as_bytes()), None);
        assert_eq!(
            parse_key(format!("\"{longest}\"").as_bytes()).as_deref(),
            Some(longest.as_str())
        );
    }

    #[test]
    fn the_body_hash_is_hex_sha256() {
        let k = keyed("k".into(), b"");
        assert_eq!(
            k.body_hash,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
