//! The web app's session cookie: the refresh token kept where page scripts cannot read it.
//!
//! - `POST /auth/session` `{"refreshToken": "…"}` (the one `signIn`/`signUp` just returned):
//!   rotates it at once and sets the new one as the cookie, so the token the page held is spent.
//! - `POST /auth/refresh`: rotates the cookie's token; answers a fresh access token (204 when
//!   there is no cookie: signed out, nothing to report).
//! - `POST /auth/signout`: ends the cookie's session and clears the cookie.
//!
//! The cookie is `HttpOnly; Secure; SameSite=Strict; Path=/auth`: no script reads it, no other
//! site's request carries it, and only these routes receive it. Against cross-site requests the
//! routes also require `Content-Type: application/json` (a form cannot send it without a CORS
//! preflight, which we do not grant for these paths) and, when the browser sends `Origin`, that
//! it is this server's own origin. The GraphQL API is unchanged: `refreshSession` and `signOut`
//! still take the token as an argument, for every other client.
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::state::AppState;
use crate::accounts::service::{self, Session};
use crate::error::AppError;

/// The cookie's name.
pub const COOKIE: &str = "roadmap_refresh";
/// The only path the cookie is sent to.
pub const COOKIE_PATH: &str = "/auth";

/// The body of `POST /auth/session`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartSession {
    refresh_token: String,
}

/// `POST /auth/session`.
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refused) = cross_site(&headers) {
        return refused;
    }
    let Ok(input) = serde_json::from_slice::<StartSession>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "Expected {\"refreshToken\": \"…\"}",
        );
    };
    rotate(&state, &input.refresh_token).await
}

/// `POST /auth/refresh`.
pub async fn refresh(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refused) = cross_site(&headers) {
        return refused;
    }
    // No cookie is not an error: the page asks on every start whether it has a session.
    let Some(token) = cookie_value(&headers) else {
        return (
            StatusCode::NO_CONTENT,
            [(header::CACHE_CONTROL, "no-store")],
        )
            .into_response();
    };
    rotate(&state, &token).await
}

/// `POST /auth/signout`.
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refused) = cross_site(&headers) {
        return refused;
    }
    if let Some(token) = cookie_value(&headers) {
        if let Err(e) = service::end_session(&state.db, &token).await {
            return app_error(e);
        }
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut resp, "", 0);
    resp
}

/// Rotates `token`: the new refresh token goes into the cookie, the access token into the body.
async fn rotate(state: &AppState, token: &str) -> Response {
    match service::refresh(&state.db, &state.auth, token).await {
        Ok(session) => session_response(state, &session),
        Err(AppError::Unauthenticated(message)) => signed_out(&message),
        Err(e) => app_error(e),
    }
}

fn session_response(state: &AppState, session: &Session) -> Response {
    let mut resp = (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "accessToken": session.access_token,
            "accessTokenExpiresAt": session.access_token_expires_at.to_rfc3339(),
        })),
    )
        .into_response();
    let max_age = state.auth.keys.refresh_ttl.num_seconds().max(0);
    set_cookie(&mut resp, &session.refresh_token, max_age);
    resp
}

fn set_cookie(resp: &mut Response, value: &str, max_age: i64) {
    let cookie = format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// 401 and a cleared cookie: the session is over (or never was).
fn signed_out(message: &str) -> Response {
    let mut resp = error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
    set_cookie(&mut resp, "", 0);
    resp
}

fn app_error(e: AppError) -> Response {
    match e {
        AppError::Unavailable(_) => {
            let mut resp = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                &e.to_string(),
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            resp
        }
        other => {
            tracing::error!(error = %crate::error::chain(&other), "session cookie route failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "Internal error",
            )
        }
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": message, "code": code })),
    )
        .into_response()
}

/// The refusal of what a cross-site page could send: anything but a JSON body, and an `Origin`
/// other than this server's own (`http(s)://<Host>`); `None` for a same-origin JSON request.
fn cross_site(headers: &HeaderMap) -> Option<Response> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return Some(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            "Send Content-Type: application/json",
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin = origin.to_str().unwrap_or_default();
        let same = host
            .is_some_and(|h| origin == format!("http://{h}") || origin == format!("https://{h}"));
        if !same {
            return Some(error(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "Cross-origin requests are refused here",
            ));
        }
    }
    None
}

/// The session cookie's value, if the request carries a non-empty one.
fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}
