//! The static ceiling of the load benchmark (bench/README.md): with `BENCH_STATIC_ROUTE=1` the
//! server adds `/__bench/static`, a plain route answering the bytes last PUT to it. Served by the
//! same process, runtime, router and HTTP stack as `/graphql`, it measures everything but GraphQL.
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

type Body = Arc<RwLock<Bytes>>;

pub fn router<S>() -> Router<S> {
    let body: Body = Arc::default();
    Router::new()
        .route(
            "/__bench/static",
            get(answer).post(answer_post).put(replace),
        )
        .with_state(body)
}

async fn answer(State(body): State<Body>) -> Response {
    let bytes = body.read().map(|b| b.clone()).unwrap_or_default();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        bytes,
    )
        .into_response()
}

/// Reads the request body, as `/graphql` does, then answers like GET.
async fn answer_post(state: State<Body>, _request: Bytes) -> Response {
    answer(state).await
}

async fn replace(State(body): State<Body>, new: Bytes) -> StatusCode {
    match body.write() {
        Ok(mut b) => {
            *b = new;
            StatusCode::NO_CONTENT
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
