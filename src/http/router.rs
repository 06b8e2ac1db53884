//! The routes and the layers around them.
use axum::http::{HeaderName, Request};
use axum::routing::{get, post};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use super::state::AppState;
use super::{
    app, badges, graphiql, graphql, health, metrics, middleware, rate_limit, security_headers,
    session_cookie, ws,
};

/// The app's routes and their layers. Over 80 lines: the one list of every route and of the
/// layers around them.
pub fn router(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let hardening = &state.config.hardening;
    // Innermost first: compression, then the ETag of the bytes actually sent, then the rate limit,
    // and metrics around all of it so refusals are counted too.
    let graphql_routes = Router::new()
        .route(
            "/graphql",
            // GET also carries the WebSocket upgrade for subscriptions.
            get(ws::graphql_get).post(graphql::post),
        )
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(middleware::conditional_get))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::record_metrics,
        ));
    // Badges are public images, rate-limited per client like GraphQL.
    let badge_routes = Router::new()
        .route("/badges/{file}", get(badges::badge))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::rate_limit,
        ));
    // The web app's session cookie (see `session_cookie`), rate-limited per client.
    let cookie_routes = Router::new()
        .route("/auth/session", post(session_cookie::start))
        .route("/auth/refresh", post(session_cookie::refresh))
        .route("/auth/signout", post(session_cookie::sign_out))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::rate_limit,
        ));
    // The learner web app: one page at every app route, and its files.
    let mut app_routes = Router::new()
        .route(
            "/app/{version}/{*path}",
            get(app::asset).layer(CompressionLayer::new()),
        )
        .route(
            "/sw.js",
            get(app::service_worker).layer(CompressionLayer::new()),
        );
    for path in app::routes() {
        app_routes = app_routes.route(path, get(app::page).layer(CompressionLayer::new()));
    }
    let mut router = Router::new()
        .merge(graphql_routes)
        .merge(badge_routes)
        .merge(cookie_routes)
        .merge(app_routes)
        // GraphiQL's files (the page itself is the HTML answer of GET /graphql).
        .route(
            "/graphiql/{version}/{file}",
            get(graphiql::asset).layer(CompressionLayer::new()),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // An unknown path: the app's page with status 404 for a browser, a bare 404 otherwise.
        .fallback(app::not_found);
    // With METRICS_ADDR set, /metrics lives on its own listener only (see `metrics_router`).
    if state.config.metrics_addr.is_none() {
        router = router.route(
            "/metrics",
            get(metrics::metrics).layer(CompressionLayer::new()),
        );
    }
    router = router
        .layer(axum::extract::DefaultBodyLimit::max(
            hardening.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::timeout,
        ))
        .layer(axum::middleware::from_fn(middleware::catch_panic));
    if let Some(cors) = middleware::cors_layer(&hardening.cors_allowed_origins) {
        router = router.layer(cors);
    }
    router
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        // Outermost, so every answer carries them (CORS preflights and refusals included).
        .layer(axum::middleware::from_fn(security_headers::security_headers))
        .with_state(state)
}

/// The router of the `METRICS_ADDR` listener: `/metrics` and nothing else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(metrics::metrics).layer(CompressionLayer::new()),
        )
        .layer(axum::middleware::from_fn(
            security_headers::security_headers,
        ))
        .with_state(state)
}
