//! A signed-in response shows the user's budget in `X-RateLimit-*` headers (GitHub's names); a
//! request refused for want of points becomes 429 with `Retry-After`.
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

use crate::accounts::budget::BudgetStatus;

const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
const USED: HeaderName = HeaderName::from_static("x-ratelimit-used");

/// `X-RateLimit-Limit`, `-Remaining`, `-Used` (points) and `-Reset` (Unix seconds); when the
/// request was refused, status 429 and `Retry-After`.
pub fn apply(resp: &mut Response, budget: &BudgetStatus) {
    let headers = resp.headers_mut();
    headers.insert(LIMIT, HeaderValue::from(budget.limit));
    headers.insert(REMAINING, HeaderValue::from(budget.remaining));
    headers.insert(
        USED,
        HeaderValue::from(budget.limit.saturating_sub(budget.remaining)),
    );
    headers.insert(RESET, HeaderValue::from(budget.reset_at.timestamp()));
    if !budget.allowed {
        let retry = budget.retry_after_secs(chrono::Utc::now());
        headers.insert(header::RETRY_AFTER, HeaderValue::from(retry));
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    }
}
