//! The app's one HTML page, answered at `/` and at every deep link (`/roadmaps/<slug>`, …): the
//! shell that loads `app.js`, which routes in the browser. No inline script or style; a
//! Content-Security-Policy that allows only this origin.
use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::assets::{base, INDEX, WEB};
use crate::http::graphiql::is_plain_host;

/// The paths the page answers (axum syntax); the browser router knows the same list.
pub const ROUTES: &[&str] = &[
    "/",
    "/signin",
    "/signup",
    "/dashboard",
    "/roadmaps/{slug}",
    "/edit/{slug}",
    "/teams/{id}",
    "/u/{username}",
];

/// The page with this build's asset base, and its ETag (built once).
fn html() -> &'static (String, String) {
    static HTML: OnceLock<(String, String)> = OnceLock::new();
    HTML.get_or_init(|| {
        let template = WEB
            .get_file(INDEX)
            .and_then(|f| f.contents_utf8())
            .unwrap_or("<!DOCTYPE html><title>roadmap</title><p>web/index.html is missing</p>");
        let html = template.replace("{{base}}", &base());
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(html.as_bytes())[..8]));
        (html, etag)
    })
}

/// Everything from this origin only; WebSockets named for browsers where `'self'` does not
/// cover them yet (the host only when it is a plain host[:port]); no inline script or style.
fn content_security_policy(host: Option<&str>) -> String {
    let mut connect = String::from("'self'");
    if let Some(host) = host.filter(|h| is_plain_host(h)) {
        connect.push_str(&format!(" ws://{host} wss://{host}"));
    }
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src {connect}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
         object-src 'none'"
    )
}

/// The page. `no-cache` with an ETag: a browser revalidates (304) and so always learns the
/// current asset version.
pub async fn page(request: HeaderMap) -> Response {
    let (html, etag) = html();
    let host = request.get(header::HOST).and_then(|v| v.to_str().ok());
    let csp = HeaderValue::from_str(&content_security_policy(host))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ),
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::ETAG,
            HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"0\"")),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, html.clone()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_loads_only_its_own_files() {
        let (html, _) = html();
        assert!(html.contains(&format!("{}/app.js", base())));
        assert!(!html.contains("http:") && !html.contains("https:") && !html.contains("//"));
        assert!(!html.contains("<style") && !html.contains("<script>"));
        assert!(!html.contains("{{"));
    }

    #[test]
    fn policy_has_no_inline_sources() {
        let csp = content_security_policy(Some("127.0.0.1:8000"));
        assert!(!csp.contains("unsafe"));
        assert!(csp.contains("connect-src 'self' ws://127.0.0.1:8000 wss://127.0.0.1:8000;"));
        assert!(content_security_policy(Some("a b")).contains("connect-src 'self';"));
    }
}
