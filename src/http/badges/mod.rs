//! `GET /badges/<username>.svg` and `GET /badges/<username>.svg?roadmap=<slug>`: a learner's
//! progress badge (topics done overall, or percent done on one roadmap, and the current streak)
//! for READMEs and web pages. Public profiles only, as the anonymous public sees them: 404 for a
//! private or unknown profile, and for a roadmap the public cannot read or the profile does not
//! show. Answers carry a strong `ETag` (the hash of the bytes; `If-None-Match` → 304) and a short
//! public `Cache-Control`.
pub mod svg;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::state::AppState;
use crate::auth::CatalogAccess;
use crate::progress::profile::public_profile;

/// How long browsers and proxies may reuse a badge without asking again.
pub const CACHE_CONTROL: &str = "public, max-age=300";

/// The query of a badge request.
#[derive(Deserialize)]
pub struct BadgeQuery {
    /// A roadmap's slug: the badge shows percent done on it.
    roadmap: Option<String>,
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        "no such badge",
    )
        .into_response()
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for GET) or is `*`.
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// The badge handler (see the module docs).
pub async fn badge(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<BadgeQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(username) = file.strip_suffix(".svg") else {
        return not_found();
    };
    let access = CatalogAccess::public();
    let profile = match public_profile(&state.db, username, &access, Utc::now()).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::warn!(error = %crate::error::chain(&e), "badge not drawn");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
        }
    };
    let streak = profile.streak.0;
    let body = match query.roadmap.as_deref() {
        Some(slug) => {
            let Some(r) = profile.roadmaps.iter().find(|r| r.slug == slug) else {
                return not_found();
            };
            let p = r.counts.percent_done();
            svg::render(
                &r.title,
                &svg::progress_value(Some(p), r.counts.done, streak),
                svg::color(Some(p)),
            )
        }
        None => svg::render(
            &profile.user.username,
            &svg::progress_value(None, profile.done(), streak),
            svg::color(None),
        ),
    };
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(body.as_bytes()))[..32]
    );
    let common = [
        (header::ETAG, HeaderValue::from_str(&etag).ok()),
        (
            header::CACHE_CONTROL,
            Some(HeaderValue::from_static(CACHE_CONTROL)),
        ),
    ];
    let mut response = if matches(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            body,
        )
            .into_response()
    };
    for (name, value) in common {
        if let Some(v) = value {
            response.headers_mut().insert(name, v);
        }
    }
    response
}
