//! GraphiQL's files, embedded in the binary: the vendored builds under `assets/graphiql/` (see its
//! README for versions and origin) and our own page style, start script and icon. They are served
//! under `/graphiql/<version>/<file>`, where `<version>` is a hash of every file's content, so a
//! browser may keep them for a year (`immutable`) and still gets new ones after an upgrade.
use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file.
pub struct Asset {
    /// Its name in the URL.
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $path:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/graphiql/",
                $path
            )),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every file the page uses, in the order the page loads them.
pub static ASSETS: [Asset; 7] = [
    asset!("graphiql.min.css", "graphiql-3.9.0/graphiql.min.css", CSS),
    asset!("page.css", "page.css", CSS),
    asset!("favicon.svg", "favicon.svg", "image/svg+xml"),
    asset!(
        "react.production.min.js",
        "react-18.3.1/react.production.min.js",
        JS
    ),
    asset!(
        "react-dom.production.min.js",
        "react-dom-18.3.1/react-dom.production.min.js",
        JS
    ),
    asset!("graphiql.min.js", "graphiql-3.9.0/graphiql.min.js", JS),
    asset!("init.js", "init.js", JS),
];

/// How long a browser may keep a file: its URL changes whenever any file does.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

/// The version segment of the asset URLs: the first 16 hex digits of a SHA-256 over every file
/// (name and content), computed once.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hasher = Sha256::new();
        for asset in &ASSETS {
            hasher.update(asset.name.as_bytes());
            hasher.update([0u8]);
            hasher.update(asset.bytes);
        }
        hex::encode(&hasher.finalize()[..8])
    })
}

/// The URL path of an asset, e.g. `/graphiql/0123456789abcdef/init.js`.
pub fn url(name: &str) -> String {
    format!("/graphiql/{}/{name}", version())
}

/// `GET /graphiql/{version}/{file}`: the file, or 404 for an unknown file or another version (a
/// cached page of an older build must not receive today's files under its immutable URLs).
pub async fn serve(Path((requested, name)): Path<(String, String)>) -> Response {
    let found = ASSETS
        .iter()
        .find(|a| a.name == name)
        .filter(|_| requested == version());
    let Some(asset) = found else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_FOREVER),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}
