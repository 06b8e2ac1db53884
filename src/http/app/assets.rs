//! The web app's files (`web/` at the repository root), embedded in the binary and served under
//! `/app/<version>/<path>`, where `<version>` is a hash of every file: `immutable` for a year,
//! and a new URL whenever any file changes. The modules import each other by relative paths, so
//! a page always gets one consistent set.
use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use include_dir::{include_dir, Dir, File};
use sha2::{Digest, Sha256};

/// Every file of the app. (A new file is picked up when this crate is rebuilt: touch this file.)
pub static WEB: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/web");

/// The page every app route answers; the rest are its files.
pub const INDEX: &str = "index.html";

const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

/// Every embedded file, depth first, with its `/`-separated path.
pub(super) fn files() -> Vec<&'static File<'static>> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<&'static File<'static>>) {
        out.extend(dir.files());
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&WEB, &mut out);
    out.sort_by_key(|f| f.path());
    out
}

/// First 16 hex digits of a SHA-256 over every file's path and content, computed once.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hasher = Sha256::new();
        for file in files() {
            hasher.update(file.path().to_string_lossy().as_bytes());
            hasher.update([0u8]);
            hasher.update(file.contents());
        }
        hex::encode(&hasher.finalize()[..8])
    })
}

/// Where the files of this build live: `/app/<version>`.
pub(super) fn base() -> String {
    format!("/app/{}", version())
}

/// The media type of a file, by its extension; `None` for files we do not serve.
pub fn content_type(path: &str) -> Option<&'static str> {
    Some(match path.rsplit('.').next()? {
        "js" => "text/javascript; charset=utf-8",
        // The route list, imported by app.js as a JSON module (which needs this media type).
        "json" => "application/json",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => return None,
    })
}

/// `GET /app/{version}/{*path}`: the file, or 404 for an unknown one, another version (a cached
/// page of an older build must not get today's files under immutable URLs), or the page itself.
pub async fn serve(Path((requested, path)): Path<(String, String)>) -> Response {
    let file = (requested == version()
        && path != INDEX
        && path != super::worker::WORKER
        && !path.contains(".."))
    .then(|| WEB.get_file(&path))
    .flatten();
    let Some((file, kind)) = file.and_then(|f| Some((f, content_type(&path)?))) else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_FOREVER),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        file.contents(),
    )
        .into_response()
}
