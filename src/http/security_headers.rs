//! Headers every answer carries so a browser never runs or reinterprets what we send:
//! `X-Content-Type-Options: nosniff` on every answer, and on every answer that is not an HTML page
//! (JSON, SVG badges, metrics, health, the web app's files) a `Content-Security-Policy` that allows
//! nothing, so an SVG or a JSON body opened directly cannot run a script or load anything. HTML
//! pages (the web app, GraphiQL) set their own, narrower-than-default policy, which is kept.
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every non-HTML answer: nothing may load or run, nor frame it; `sandbox` also
/// gives a document opened from it (an SVG) an opaque origin.
pub const NON_HTML_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Adds the headers (see the module docs) without replacing a policy a handler chose.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if !html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NON_HTML_POLICY),
        );
    }
    response
}
