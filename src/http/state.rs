//! The state every handler shares, and how it is prepared: connect, migrate, seed, build the schema
//! and the per-process caches, limiters and metrics.
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::graphql::persisted::ApqCache;
use super::metrics::Metrics;
use super::rate_limit::RateLimiter;
use super::response_cache::ResponseCache;
use crate::accounts::budget::BudgetPolicy;
use crate::accounts::Auth;
use crate::catalog::cache::Caches;
use crate::config::Config;
use crate::db::idempotency::{self, IdempotencyKeys};
use crate::db::{self, DbStats};
use crate::graphql::limits::Limits;
use crate::graphql::{self, AppSchema};

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
    /// This app's own Prometheus recorder (see `metrics`).
    pub metrics: Arc<Metrics>,
    pub rate_limiter: Arc<RateLimiter>,
    /// Open subscriptions, shown on `/metrics` (the subscription transport moves it).
    pub active_subscriptions: Arc<AtomicI64>,
    /// Read caches of the public catalogue (see `cache`).
    pub caches: Arc<Caches>,
    /// Serialised answers to anonymous queries (see `response_cache`).
    pub responses: Arc<ResponseCache>,
    /// Per-user budgets of signed-in requests (charged in `graphql::budget`).
    pub budget: BudgetPolicy,
    /// `Idempotency-Key`s of signed-in mutations and their answers (see `graphql::idempotency`).
    pub idempotency: Arc<IdempotencyKeys>,
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

/// How often idle rate-limit entries are dropped and the metrics' histogram samples folded in.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(10);

/// Connects, migrates and (on an empty database) seeds; returns the state the router serves.
pub async fn prepare(config: Config) -> Result<AppState, StartError> {
    config
        .serve
        .hardening
        .validate()
        .map_err(StartError::Config)?;
    let (db, stats) = db::connect(&config.db).await?;
    let secret = crate::accounts::tokens::load_secret(&config.serve.auth, &config.db.data_dir)?;
    db::migrate(&db).await?;
    // Leaderboard statistics of users whose history predates them (once, after the migration).
    match crate::progress::stats::backfill(&db).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(users = n, "computed leaderboard statistics"),
        Err(e) => tracing::warn!(error = %e, "leaderboard statistics not computed"),
    }
    let revocations = crate::accounts::revocations::Revocations::for_database(&db);
    let auth = Auth::new(&secret, &config.serve.auth, revocations);
    if !config.serve.no_seed {
        let report = crate::catalog::seed::seed_defaults(&db)
            .await
            .map_err(|e| StartError::Seed(e.to_string()))?;
        if !report.created.is_empty() {
            tracing::info!(roadmaps = ?report.created, "seeded default roadmaps");
        }
    }
    let hardening = &config.serve.hardening;
    let limits = Limits::from(hardening);
    let active_subscriptions = Arc::new(AtomicI64::new(0));
    let budget = BudgetPolicy {
        limit: hardening.rate_limit_user_points,
        window_secs: hardening.rate_limit_user_window_secs,
    };
    let mail = &config.serve.mail;
    let mailer = crate::teams::mail::Mailer::new(
        mail.smtp_url.as_deref(),
        &mail.smtp_from,
        &mail.public_base_url,
    )
    .map_err(StartError::Config)?;
    let schema = graphql::build_schema_with(
        Some(graphql::SchemaData {
            db: db.clone(),
            auth: auth.clone(),
            active_subscriptions: active_subscriptions.clone(),
            budget,
            authoring: graphql::AuthoringLimits {
                max_roadmaps_per_user: config.serve.max_roadmaps_per_user,
            },
            mailer: Arc::new(mailer),
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
    let metrics = Arc::new(Metrics::new());
    let caches = Caches::start(&db, &config.serve.cache);
    let responses = Arc::new(ResponseCache::new(
        config
            .serve
            .cache
            .response_cache_mb
            .saturating_mul(1024 * 1024),
    ));
    spawn_housekeeping(&metrics, &rate_limiter);
    // A reservation older than the request timeout belongs to no running request.
    let keys = Arc::new(IdempotencyKeys::new(
        db.clone(),
        hardening.request_timeout_secs,
    ));
    idempotency::spawn_purge(&keys);
    spawn_refresh_token_purge(&keys);
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
        responses,
        budget,
        idempotency: keys,
    })
}

/// Keeps the rate limiter's memory bounded and the histogram's samples folded in between scrapes.
/// Holds only weak references, so it ends with the app (tests run several apps in one process).
/// Deletes expired refresh tokens now and every hour: each rotation (every page load of the web
/// app) leaves a spent row behind. The idempotency store lends its connection and marks the app
/// alive (a weak reference, so the task ends with the app).
fn spawn_refresh_token_purge(keys: &Arc<IdempotencyKeys>) {
    let keys = Arc::downgrade(keys);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let Some(keys) = keys.upgrade() else {
                break;
            };
            let now = chrono::Utc::now();
            match crate::accounts::service::purge_expired_refresh_tokens(keys.db(), now).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(deleted = n, "purged expired refresh tokens"),
                Err(e) => tracing::warn!(error = %e, "could not purge expired refresh tokens"),
            }
        }
    });
}

fn spawn_housekeeping(metrics: &Arc<Metrics>, rate_limiter: &Arc<RateLimiter>) {
    let (metrics, rate_limiter) = (Arc::downgrade(metrics), Arc::downgrade(rate_limiter));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        tick.tick().await;
        loop {
            tick.tick().await;
            let (Some(metrics), Some(rate_limiter)) = (metrics.upgrade(), rate_limiter.upgrade())
            else {
                break;
            };
            metrics.run_upkeep();
            rate_limiter.retain_recent();
        }
    });
}
