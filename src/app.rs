//! Builds the application (schema, router, state), serves it, and shuts down gracefully.
use std::net::SocketAddr;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderName, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::accounts::Auth;
use crate::cache::Caches;
use crate::config::Config;
use crate::db::{self, DbStats};
use crate::graphql::apq::ApqCache;
use crate::graphql::limits::Limits;
use crate::graphql::{self, AppSchema};
use crate::metrics::Metrics;
use crate::middleware;
use crate::ratelimit::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub stats: Arc<DbStats>,
    pub config: Arc<Config>,
    pub auth: Arc<Auth>,
    /// Document limits the HTTP handler checks before execution.
    pub limits: Arc<Limits>,
    /// Automatic persisted queries.
    pub apq: Arc<ApqCache>,
    pub metrics: Arc<Metrics>,
    pub rate_limiter: Arc<RateLimiter>,
    /// Open subscriptions, shown on `/metrics` (the subscription transport moves it).
    pub active_subscriptions: Arc<AtomicI64>,
    /// Read caches of the public catalogue (see `cache`).
    pub caches: Arc<Caches>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::ConnectError),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Secret(#[from] crate::accounts::tokens::SecretError),
    #[error("cannot load the default roadmaps: {0}")]
    Seed(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

/// Connects, migrates and (on an empty database) seeds; returns the state the router serves.
pub async fn prepare(config: Config) -> Result<AppState, StartError> {
    config
        .serve
        .hardening
        .validate()
        .map_err(StartError::Config)?;
    let (db, stats) = db::connect(&config.db).await?;
    let secret = crate::accounts::tokens::load_secret(&config.serve.auth, &config.db.data_dir)?;
    let auth = Auth::new(&secret, &config.serve.auth);
    db::migrate(&db).await?;
    if !config.serve.no_seed {
        let report = crate::seed::seed_defaults(&db)
            .await
            .map_err(|e| StartError::Seed(e.to_string()))?;
        if !report.created.is_empty() {
            tracing::info!(roadmaps = ?report.created, "seeded default roadmaps");
        }
    }
    let hardening = &config.serve.hardening;
    let limits = Limits::from(hardening);
    let metrics = Arc::new(Metrics::default());
    let schema = graphql::build_schema_with(
        Some(graphql::SchemaData {
            db: db.clone(),
            auth: auth.clone(),
            active_subscriptions: metrics.active_subscriptions.clone(),
        }),
        &graphql::SchemaOptions {
            introspection: hardening.introspection,
            suggestions: hardening.is_dev(),
            max_complexity: limits.max_complexity,
            max_recursion: limits.max_recursion,
        },
    );
    let apq = Arc::new(ApqCache::new(hardening.apq_cache_size));
    let rate_limiter = Arc::new(RateLimiter::new(
        hardening.rate_limit_per_second,
        hardening.rate_limit_burst,
    ));
    let active_subscriptions = metrics.active_subscriptions.clone();
    let caches = Caches::start(&db, &config.serve.cache);
    Ok(AppState {
        schema,
        db,
        stats,
        config: Arc::new(config),
        auth,
        limits: Arc::new(limits),
        apq,
        metrics,
        rate_limiter,
        active_subscriptions,
        caches,
    })
}

pub fn router(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let hardening = &state.config.serve.hardening;
    // Innermost first: compression, then the ETag of the bytes actually sent, then the rate limit,
    // and metrics around all of it so refusals are counted too.
    let graphql_routes = Router::new()
        .route(
            "/graphql",
            // GET also carries the WebSocket upgrade for subscriptions.
            get(crate::progress::ws::graphql_get).post(graphql::http::graphql_post),
        )
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(middleware::conditional_get))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::record_metrics,
        ));
    let mut router = Router::new()
        .merge(graphql_routes)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics).layer(CompressionLayer::new()))
        .layer(axum::extract::DefaultBodyLimit::max(
            hardening.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::timeout,
        ))
        .layer(axum::middleware::from_fn(middleware::catch_panic));
    if let Some(cors) = middleware::cors_layer(&hardening.cors_origins()) {
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
        .with_state(state)
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
    }
}

/// Prometheus text format.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    use std::fmt::Write as _;
    use std::sync::atomic::Ordering;
    let mut body = format!(
        "# HELP roadmap_db_statements_total SQL statements sent to the database.\n\
         # TYPE roadmap_db_statements_total counter\n\
         roadmap_db_statements_total {}\n\
         # HELP roadmap_db_statements_failed_total SQL statements that failed.\n\
         # TYPE roadmap_db_statements_failed_total counter\n\
         roadmap_db_statements_failed_total {}\n",
        state.stats.statements(),
        state.stats.failed.load(Ordering::Relaxed),
    );
    let (size, idle) = db::pool_usage(&state.db);
    let _ = writeln!(
        body,
        "# HELP roadmap_db_pool_connections Connections in the database pool, by state.\n\
         # TYPE roadmap_db_pool_connections gauge\n\
         roadmap_db_pool_connections{{state=\"idle\"}} {idle}\n\
         roadmap_db_pool_connections{{state=\"in_use\"}} {}\n\
         # HELP roadmap_db_pool_max_connections Largest size the database pool may grow to.\n\
         # TYPE roadmap_db_pool_max_connections gauge\n\
         roadmap_db_pool_max_connections {}",
        size.saturating_sub(idle),
        state.config.db.database_max_connections,
    );
    state.metrics.render(&mut body);
    let responses = &state.caches.responses;
    let _ = writeln!(
        body,
        "# HELP roadmap_response_cache_lookups_total Anonymous queries looked up in the response cache.\n\
         # TYPE roadmap_response_cache_lookups_total counter\n\
         roadmap_response_cache_lookups_total{{result=\"hit\"}} {}\n\
         roadmap_response_cache_lookups_total{{result=\"miss\"}} {}\n\
         # HELP roadmap_response_cache_bytes Bytes held by the response cache.\n\
         # TYPE roadmap_response_cache_bytes gauge\n\
         roadmap_response_cache_bytes {}",
        responses.hits.load(Ordering::Relaxed),
        responses.misses.load(Ordering::Relaxed),
        responses.bytes(),
    );
    let apq = &state.apq;
    let _ = writeln!(
        body,
        "# HELP roadmap_apq_requests_total Automatic persisted query look-ups and registrations.\n\
         # TYPE roadmap_apq_requests_total counter\n\
         roadmap_apq_requests_total{{result=\"hit\"}} {}\n\
         roadmap_apq_requests_total{{result=\"miss\"}} {}\n\
         roadmap_apq_requests_total{{result=\"registered\"}} {}\n\
         # HELP roadmap_apq_cache_entries Persisted queries held in memory.\n\
         # TYPE roadmap_apq_cache_entries gauge\n\
         roadmap_apq_cache_entries {}",
        apq.hits.load(Ordering::Relaxed),
        apq.misses.load(Ordering::Relaxed),
        apq.registrations.load(Ordering::Relaxed),
        apq.len(),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
pub async fn serve(state: AppState) -> Result<(), StartError> {
    let addr = state.config.serve.listen_addr;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: addr.to_string(),
            source,
        })?;
    let local = listener.local_addr().map_err(|source| StartError::Listen {
        addr: addr.to_string(),
        source,
    })?;
    tracing::info!("roadmap-api listening on http://{local}/graphql");
    // The peer address feeds the per-client rate limits.
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|source| StartError::Listen {
        addr: local.to_string(),
        source,
    })?;
    tracing::info!("roadmap-api stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; draining requests");
}
