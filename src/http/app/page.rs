//! The app's one HTML page, answered at `/` and at every deep link (`/roadmaps/<slug>`, …): the
//! shell that loads `app.js`, which routes in the browser. No inline script or style; a
//! Content-Security-Policy that allows only this origin.
use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::assets::{base, INDEX, WEB};
use crate::http::graphiql::is_plain_host;

/// One entry of `web/routes.json`, the list of the app's paths that the browser router reads too.
#[derive(serde::Deserialize)]
struct Route {
    /// In axum's syntax (`/roadmaps/{slug}`), which the browser turns into a pattern.
    path: String,
}

/// The paths the page answers: `web/routes.json`, the one list the browser router also imports,
/// so a page added there is answered on a reload and a deep link too.
pub fn routes() -> &'static [String] {
    static ROUTES: OnceLock<Vec<String>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let list = WEB
            .get_file(ROUTE_LIST)
            .and_then(|f| f.contents_utf8())
            .and_then(|text| serde_json::from_str::<Vec<Route>>(text).ok());
        match list {
            Some(list) => list.into_iter().map(|r| r.path).collect(),
            // A broken list still serves the app's front page (a unit test keeps it whole).
            None => {
                tracing::error!("web/{ROUTE_LIST} is missing or not a list of routes");
                vec!["/".to_owned()]
            }
        }
    })
}

/// The route list's file under `web/`.
const ROUTE_LIST: &str = "routes.json";

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

/// Any other path: a browser (an `Accept` naming `text/html`) gets the app's page with status
/// 404, and the app shows its "not found" view with a way home; any other client gets a bare 404.
pub async fn not_found(method: Method, request: HeaderMap) -> Response {
    let wants_html = request
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if method != Method::GET || !wants_html {
        return StatusCode::NOT_FOUND.into_response();
    }
    // Never 304: the status is what a crawler or a link checker reads.
    let mut headers = request;
    headers.remove(header::IF_NONE_MATCH);
    let mut response = page(headers).await;
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
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

    /// The shared list parses, and every page it names exists under `web/pages/`.
    #[test]
    fn every_route_names_a_page_module() {
        let text = WEB
            .get_file(ROUTE_LIST)
            .and_then(|f| f.contents_utf8())
            .expect("web/routes.json is embedded");
        let list: Vec<serde_json::Value> = serde_json::from_str(text).expect("a JSON list");
        assert_eq!(routes().len(), list.len());
        assert!(routes().iter().any(|p| p == "/"));
        for entry in &list {
            let page = entry["page"].as_str().expect("each route names its page");
            assert!(
                WEB.get_file(format!("pages/{page}.js")).is_some(),
                "web/pages/{page}.js is missing"
            );
        }
    }
}
