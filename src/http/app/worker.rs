//! `GET /sw.js`: the app's service worker (`web/sw.js`), which keeps the page and its files on the
//! device so a page opened before opens offline, even on a reload. Served at the root so its
//! scope is the whole site, with this build's version and file list filled in: a new build
//! changes the script, which makes browsers install the new worker and drop the old files.
use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::assets::{base, files, version, INDEX};

/// The worker's source under `web/`.
pub(super) const WORKER: &str = "sw.js";

/// The policy of the worker itself: it fetches from this origin and loads nothing else.
const WORKER_POLICY: &str = "default-src 'none'; connect-src 'self'";

fn script() -> &'static str {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let template = super::assets::WEB
            .get_file(WORKER)
            .and_then(|f| f.contents_utf8())
            .unwrap_or("// web/sw.js is missing\n");
        let urls: Vec<String> = files()
            .into_iter()
            .map(|f| f.path().to_string_lossy().replace('\\', "/"))
            .filter(|p| p != INDEX && p != WORKER)
            .map(|p| format!("{}/{p}", base()))
            .collect();
        let list = serde_json::to_string(&urls).unwrap_or_else(|_| "[]".to_owned());
        template
            .replace("{{version}}", version())
            .replace("{{files}}", &list)
    })
}

/// The worker script; `no-cache`, so a browser checks for a new build on every visit.
pub async fn service_worker() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(WORKER_POLICY),
            ),
        ],
        script(),
    )
        .into_response()
}
