//! GraphQL over WebSocket on `/graphql` (`graphql-transport-ws`, and the legacy `graphql-ws`),
//! for `myProgressChanged`. The `connection_init` payload carries the access token:
//! `{"Authorization": "Bearer <token>"}`; without a valid one the socket is closed with 4403 (with
//! 1013 "try again later" when the token could not be checked because the database is away).
//! A GET without an upgrade goes on to the GraphQL-over-HTTP handler.
//!
//! Every operation passes the steps a POST passes (`ws_executor`); the socket has limits of its
//! own (`ws_limits`): sockets per user and per address, operations at once, messages per second
//! (closed with 4429, or the operation refused), and message size (an oversized `subscribe` is
//! refused like an oversized POST body; any other oversized message closes with 1009).
//!
//! An open socket lives no longer than its token: it is closed with 4403 when the token expires,
//! and as soon as the user's tokens, or the token's sign-in (a refresh token used twice), are
//! revoked (see `accounts::revocations`).
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::{WebSocketProtocols, WsMessage, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::Data;
use axum::body::Body;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{future, SinkExt, StreamExt};
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::rate_limit;
use super::state::AppState;
use super::viewer::viewer_from_token;
use super::ws_executor::GuardedExecutor;
use super::ws_limits::{self, SocketSlot};
use crate::accounts::authenticate::Check;
use crate::accounts::revocations::{Signal, Watch};
use crate::auth::Viewer;
use crate::graphql::context::{ClientIp, RequestId};

/// Close codes of the `graphql-transport-ws` protocol.
pub const CLOSE_FORBIDDEN: u16 = 4403;
pub const CLOSE_UNAUTHORIZED: u16 = 4401;
pub const CLOSE_INIT_TIMEOUT: u16 = 4408;
/// RFC 6455 "Try Again Later": the token could not be checked (the database is away).
pub const CLOSE_TRY_AGAIN_LATER: u16 = 1013;
/// RFC 6455 "Internal Error".
pub const CLOSE_INTERNAL_ERROR: u16 = 1011;
/// How long a client has to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a socket closed for breaking a limit waits for the client's close.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// A timer that does not fire (reset once the token's expiry is known).
const NEVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
const TOKEN_EXPIRED: &str = "The access token expired; connect again with a fresh one";
const TOKEN_REVOKED: &str = "The access token was revoked; sign in again";
const TOO_MANY_FROM_ADDRESS: &str = "Too many open sockets from this address";
const TOO_MANY_MESSAGES: &str = "Too many messages per second on this socket";
const TOO_BIG: &str = "The message is larger than the limit";

/// `GET /graphql`: a WebSocket upgrade goes to the subscription transport, anything else to the
/// GraphQL-over-HTTP handler.
pub async fn graphql_get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request<Body>,
) -> Response {
    let (mut parts, _body) = req.into_parts();
    let upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        let raw = parts.uri.query().map(str::to_owned);
        return super::graphql::get(state, peer, parts.headers, raw).await;
    }
    let Some(protocol) = protocol_of(&parts.headers) else {
        return (
            StatusCode::BAD_REQUEST,
            "Sec-WebSocket-Protocol must be graphql-transport-ws",
        )
            .into_response();
    };
    let trust = state.config.hardening.trust_forwarded_for;
    let client = rate_limit::client_ip(&parts.headers, Some(peer), trust);
    let max = state.config.sockets.max_sockets_per_address;
    let place = client.map(|ip| state.sockets.for_address(ip, max));
    let max_message = state
        .config
        .hardening
        .max_body_bytes
        .saturating_mul(ws_limits::MESSAGE_FACTOR);
    match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(ws) => ws
            .protocols(ALL_WEBSOCKET_PROTOCOLS)
            .read_buffer_size(ws_limits::READ_BUFFER_BYTES)
            .write_buffer_size(ws_limits::WRITE_BUFFER_BYTES)
            .max_message_size(max_message)
            .max_frame_size(max_message)
            // `serve` itself is the socket's future (no async block around it: each level of
            // nesting keeps its own copy of the captured state for as long as the socket lives).
            .on_upgrade(move |socket| serve(socket, state, protocol, peer, client, place)),
        Err(rejection) => rejection.into_response(),
    }
}

async fn refuse(mut socket: WebSocket, reason: &str) {
    let _ = socket.send(close(ws_limits::CLOSE_TOO_MANY, reason)).await;
}

fn protocol_of(headers: &HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())?
        .split(',')
        .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
}

/// The bearer token of a `connection_init` payload (`Authorization`, any case).
fn token_of(payload: &serde_json::Value) -> Option<String> {
    let obj = payload.as_object()?;
    let value = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.as_str())?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// What a socket learned at `connection_init`: its token, until when it holds, and the revocations
/// that concern its user.
struct Session {
    token: String,
    expires_at: Instant,
    watch: Watch,
    /// The socket's place among its user's (`WS_MAX_SOCKETS_PER_USER`).
    place: SocketSlot,
}

/// The connection's data and session, or the close code and message to refuse it with.
async fn authenticate(
    state: &AppState,
    payload: serde_json::Value,
    peer: SocketAddr,
) -> Result<(Data, Session), (u16, String)> {
    // Listen before the check, so a revocation between the check and the watch is not missed.
    let listener = state.auth.revocations.listen();
    let token = token_of(&payload).ok_or_else(|| {
        (
            CLOSE_FORBIDDEN,
            "connection_init must carry {\"Authorization\": \"Bearer <access token>\"}".to_owned(),
        )
    })?;
    let mut viewer: Viewer = viewer_from_token(state, &token, Check::KeptOrRead).await.map_err(|e| {
        if e.code() == crate::error::code::SERVICE_UNAVAILABLE {
            (CLOSE_TRY_AGAIN_LATER, e.to_string())
        } else {
            tracing::error!(error = %crate::error::chain(&e), "cannot check a WebSocket's access token");
            (CLOSE_INTERNAL_ERROR, "Internal server error".to_owned())
        }
    })?;
    // A socket lives for hours: `me` reads the user's row per operation, not the one read here.
    if let Some(user) = &mut viewer.user {
        user.account = None;
    }
    let (Some(user), Ok(claims)) = (&viewer.user, state.auth.keys.decode(&token)) else {
        return Err((
            CLOSE_FORBIDDEN,
            viewer
                .token_error
                .unwrap_or_else(|| "The access token was refused".to_owned()),
        ));
    };
    let max = state.config.sockets.max_sockets_per_user;
    let place = state.sockets.for_user(user.id, max).ok_or_else(|| {
        (
            ws_limits::CLOSE_TOO_MANY,
            format!("Too many open sockets for this user (WS_MAX_SOCKETS_PER_USER={max})"),
        )
    })?;
    let lifetime = u64::try_from(claims.exp - chrono::Utc::now().timestamp()).unwrap_or(0);
    let session = Session {
        token,
        expires_at: Instant::now() + Duration::from_secs(lifetime),
        watch: listener.for_session(user.id, claims.fam.clone()),
        place,
    };
    // No loaders here: every operation gets its own (`ws_executor`), which shadow the
    // connection's in the context, so a connection's set was built for nothing.
    let mut data = Data::default();
    data.insert(viewer);
    data.insert(ClientIp(peer.ip().to_string()));
    data.insert(RequestId(format!("ws-{}", uuid::Uuid::new_v4().simple())));
    Ok((data, session))
}

/// Whether a socket may stay open after `signal`: its token is checked again. When the database
/// cannot say, a revocation of its own user closes it and a general re-check keeps it.
async fn still_valid(state: &AppState, token: &str, signal: Signal) -> bool {
    match viewer_from_token(state, token, Check::Read).await {
        Ok(viewer) => viewer.user.is_some(),
        Err(_) => signal == Signal::Recheck,
    }
}

async fn next_signal(watch: &mut Option<Watch>) -> Signal {
    match watch {
        Some(w) => w.next().await,
        None => future::pending().await,
    }
}

/// Serves one socket. `place` is its place among its address's, held until it ends (`None`: the
/// client's address is unknown; `Some(None)`: too many sockets from it, refused). Over 80 lines:
/// one `select!` loop whose arms share the sink and the session's state (token, watch, places).
/// Rare, large awaits (a token check, the drain after a broken limit) are boxed: the loop's state
/// machine is as large as its largest await, and an idle socket holds it for hours.
async fn serve(
    socket: WebSocket,
    state: AppState,
    protocol: WebSocketProtocols,
    peer: SocketAddr,
    client: Option<IpAddr>,
    place: Option<Option<SocketSlot>>,
) {
    let _place = match place {
        // Too many sockets from this address: told with a close code, which a browser's WebSocket
        // can read (it cannot read an HTTP status).
        Some(None) => return refuse(socket, TOO_MANY_FROM_ADDRESS).await,
        place => place.flatten(),
    };
    let (mut sink, stream) = socket.split();
    // The close code when the client broke one of the socket's limits (0: none).
    let overrun = Arc::new(AtomicU16::new(0));
    let overrun_in = overrun.clone();
    let overran = Arc::new(tokio::sync::Notify::new());
    let overrun_tx = overran.clone();
    let limiter = ws_limits::message_limiter(state.config.sockets.max_messages_per_second);
    let max_body = state.config.hardening.max_body_bytes;
    let input = stream
        .take_while(|m| future::ready(m.is_ok()))
        .filter_map(|m| {
            future::ready(match m {
                Ok(Message::Text(t)) => Some(t.as_bytes().to_vec()),
                Ok(Message::Binary(b)) => Some(b.to_vec()),
                _ => None,
            })
        })
        .filter_map(move |m| {
            // Once a limit is broken, the rest is read and dropped until the client answers the
            // close (closing with unread data would reset the connection before the close frame).
            let passed = match overrun_in.load(Ordering::SeqCst) {
                0 => ws_limits::screen(m, &limiter, max_body).map_err(|code| {
                    overrun_in.store(code, Ordering::SeqCst);
                    overrun_tx.notify_one();
                }),
                _ => Err(()),
            };
            future::ready(passed.ok())
        });
    // The close code of a refused `connection_init` (0: not refused).
    let denied = Arc::new(AtomicU16::new(0));
    let initialised = Arc::new(AtomicBool::new(false));
    let (denied_in, init_in, state_in) = (denied.clone(), initialised.clone(), state.clone());
    let (session_tx, mut session_rx) = oneshot::channel::<Session>();
    let executor = GuardedExecutor::new(state.clone(), client);
    let mut out = async_graphql::http::WebSocket::new(executor, input, protocol)
        .on_connection_init(move |payload| async move {
            init_in.store(true, Ordering::SeqCst);
            match authenticate(&state_in, payload, peer).await {
                Ok((data, session)) => {
                    let _ = session_tx.send(session);
                    Ok(data)
                }
                Err((code, msg)) => {
                    denied_in.store(code, Ordering::SeqCst);
                    Err(async_graphql::Error::new(msg))
                }
            }
        });

    let deadline = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(deadline);
    // Until `connection_init` is accepted there is no token to expire or revoke.
    let (mut token, mut watch, mut waiting_for_session) = (None::<String>, None::<Watch>, true);
    // The socket's place among its user's, held until it ends.
    let mut _user_place = None::<SocketSlot>;
    let expiry = tokio::time::sleep_until(Instant::now() + NEVER);
    tokio::pin!(expiry);
    loop {
        let msg = tokio::select! {
            m = out.next() => m,
            _ = &mut deadline, if !initialised.load(Ordering::SeqCst) => {
                let _ = sink.send(close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")).await;
                break;
            }
            session = &mut session_rx, if waiting_for_session => {
                waiting_for_session = false;
                if let Ok(session) = session {
                    expiry.as_mut().reset(session.expires_at);
                    token = Some(session.token);
                    watch = Some(session.watch);
                    _user_place = Some(session.place);
                }
                continue;
            }
            _ = &mut expiry, if token.is_some() => {
                let _ = sink.send(close(CLOSE_FORBIDDEN, TOKEN_EXPIRED)).await;
                break;
            }
            _ = overran.notified() => {
                let code = overrun.load(Ordering::SeqCst);
                let reason = if code == ws_limits::CLOSE_TOO_BIG { TOO_BIG } else { TOO_MANY_MESSAGES };
                let _ = sink.send(close(code, reason)).await;
                // Read (and drop) what the client still sends until it answers the close.
                let drain = async { while out.next().await.is_some() {} };
                let _ = Box::pin(tokio::time::timeout(CLOSE_GRACE, drain)).await;
                break;
            }
            signal = next_signal(&mut watch) => {
                let token = token.as_deref().unwrap_or_default();
                if Box::pin(still_valid(&state, token, signal)).await {
                    continue;
                }
                let _ = sink.send(close(CLOSE_FORBIDDEN, TOKEN_REVOKED)).await;
                break;
            }
        };
        let Some(msg) = msg else {
            match denied.load(Ordering::SeqCst) {
                0 => {}
                // The legacy protocol reports a refused init as a message; close like the new one.
                CLOSE_FORBIDDEN => {
                    let _ = sink.send(close(CLOSE_FORBIDDEN, "Forbidden")).await;
                }
                CLOSE_TRY_AGAIN_LATER => {
                    let reason = crate::error::UNAVAILABLE_MESSAGE;
                    let _ = sink.send(close(CLOSE_TRY_AGAIN_LATER, reason)).await;
                }
                code => {
                    let _ = sink.send(close(code, "Internal server error")).await;
                }
            }
            break;
        };
        let frame = match msg {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => {
                let refused = denied.load(Ordering::SeqCst);
                let code = if refused != 0 {
                    refused
                } else if code == 1011 && !initialised.load(Ordering::SeqCst) {
                    // A subscribe before connection_init.
                    CLOSE_UNAUTHORIZED
                } else {
                    code
                };
                let _ = sink.send(close(code, &reason)).await;
                break;
            }
        };
        if sink.send(frame).await.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
}

fn close(code: u16, reason: &str) -> Message {
    // Close reasons are limited to 123 bytes.
    let mut reason = reason.to_owned();
    while reason.len() > 120 {
        reason.pop();
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_token_from_the_init_payload() {
        assert_eq!(
            token_of(&json!({"Authorization": "Bearer abc"})).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_of(&json!({"authorization": "Bearer  abc "})).as_deref(),
            Some("abc")
        );
        assert_eq!(token_of(&json!({"Authorization": "abc"})), None);
        assert_eq!(token_of(&json!({})), None);
        assert_eq!(token_of(&json!(null)), None);
    }
}
