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
use super::ws_limits::SocketCounts;
use super::ws_shared::SharedSubscriptions;
use crate::accounts::budget::BudgetPolicy;
use crate::accounts::revoked_families::RevokedFamilies;
use crate::accounts::Auth;
use crate::catalog::cache::Caches;
use crate::config::Settings;
use crate::db::idempotency::{self, IdempotencyKeys};
use crate::db::replicas::ReadRouting;
use crate::db::{self, DbStats};
use crate::graphql::limits::Limits;
use crate::graphql::{self, AppSchema};

#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    /// Read replicas and where each read goes (`None` without `DATABASE_READ_URLS`).
    pub reads: Option<Arc<ReadRouting>>,
    pub stats: Arc<DbStats>,
    pub config: Arc<Settings>,
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
    /// Learners' statuses and counts kept between requests (see `progress::hot`).
    pub learners: Arc<crate::progress::hot::LearnerCache>,
    /// Per-user budgets of signed-in requests (charged in `graphql::budget`).
    pub budget: BudgetPolicy,
    /// `Idempotency-Key`s of signed-in mutations and their answers (see `graphql::idempotency`).
    pub idempotency: Arc<IdempotencyKeys>,
    /// Open WebSockets per user and per address (see `ws_limits`).
    pub sockets: Arc<SocketCounts>,
    /// Subscriptions shared by identical ones of a user (see `ws_shared`).
    pub shared_live: Arc<SharedSubscriptions>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::ConnectError),
    #[error("invalid configuration")]
    Mail(#[source] crate::mail::MailError),
    #[error(transparent)]
    Secret(#[from] crate::accounts::tokens::SecretError),
    #[error("cannot read the revoked sign-ins")]
    RevokedSignIns(#[source] crate::error::AppError),
    #[error("cannot load the default roadmaps")]
    Seed(#[source] crate::error::AppError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

/// How often idle rate-limit entries are dropped and the metrics' histogram samples folded in.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(10);

/// Connects, migrates and (on an empty database) seeds; returns the state the router serves.
pub async fn prepare(config: Settings) -> Result<AppState, StartError> {
    let (db, stats) = db::connect(&config.db).await?;
    let secret = crate::accounts::tokens::load_secret(&config.auth, &config.db.data_dir)?;
    db::migrate(&db).await?;
    backfill_statistics(&db).await;
    let auth = load_auth(&db, &secret, &config).await?;
    if config.seed_defaults {
        seed_default_roadmaps(&db).await?;
    }
    // After the migrations and the seed: a replica gets reads once it has replayed them.
    let reads = ReadRouting::start(&db, &config.db, &stats)?;
    let hardening = &config.hardening;
    let limits = Limits::from(hardening);
    let active_subscriptions = Arc::new(AtomicI64::new(0));
    let budget = budget_policy(&config);
    let learners = Arc::new(crate::progress::hot::LearnerCache::new(
        config.cache.learner_cache_in_use() as u64,
    ));
    let caches = Caches::start(&db, &config.cache);
    let search = Arc::new(crate::search::SearchIndex::new(
        db.clone(),
        caches.version.clone(),
    ));
    let schema = build_schema(
        &config,
        &db,
        &auth,
        &active_subscriptions,
        budget,
        &limits,
        (&learners, &search),
    )?;
    let apq = Arc::new(ApqCache::new(hardening.apq_cache_size));
    let rate_limiter = Arc::new(RateLimiter::new(
        hardening.rate_limit_per_second,
        hardening.rate_limit_burst,
    ));
    let metrics = Arc::new(Metrics::new());
    let responses = Arc::new(ResponseCache::new(config.cache.response_cache_bytes));
    spawn_housekeeping(&metrics, &rate_limiter);
    let keys = start_purges(&db, &auth, &config).await;
    Ok(AppState {
        schema,
        db,
        reads,
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
        learners,
        budget,
        idempotency: keys,
        sockets: Arc::default(),
        shared_live: Arc::default(),
    })
}

/// Leaderboard statistics of users whose history predates them (once, after the migration).
/// A failure is logged, not fatal.
async fn backfill_statistics(db: &DatabaseConnection) {
    match crate::progress::stats::backfill(db).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(users = n, "computed leaderboard statistics"),
        Err(e) => {
            tracing::warn!(error = %crate::error::chain(&e), "leaderboard statistics not computed")
        }
    }
}

/// The token signer and verifier (with the kept sessions), with the revoked sign-ins loaded
/// from the database.
async fn load_auth(
    db: &DatabaseConnection,
    secret: &[u8],
    config: &Settings,
) -> Result<Arc<Auth>, StartError> {
    let family_window = crate::accounts::tokens::access_token_window(&config.auth);
    let sessions =
        crate::accounts::sessions::SessionCache::new(config.cache.session_cache_bytes as u64);
    let revocations =
        crate::accounts::revocations::Revocations::for_database(db, family_window, sessions);
    revocations
        .families
        .load(db)
        .await
        .map_err(StartError::RevokedSignIns)?;
    Ok(Auth::new(secret, &config.auth, revocations))
}

/// Creates the default roadmaps that are missing (an empty database gets them all).
async fn seed_default_roadmaps(db: &DatabaseConnection) -> Result<(), StartError> {
    let report = crate::catalog::seed::seed_defaults(db)
        .await
        .map_err(StartError::Seed)?;
    if !report.created.is_empty() {
        tracing::info!(roadmaps = ?report.created, "seeded default roadmaps");
    }
    Ok(())
}

fn budget_policy(config: &Settings) -> BudgetPolicy {
    let hardening = &config.hardening;
    BudgetPolicy {
        limit: hardening.rate_limit_user_points,
        window_secs: u32::try_from(hardening.rate_limit_user_window.as_secs()).unwrap_or(u32::MAX),
    }
}

/// The GraphQL schema with the data every resolver reaches (database, auth, mailer, limits).
fn build_schema(
    config: &Settings,
    db: &DatabaseConnection,
    auth: &Arc<Auth>,
    active_subscriptions: &Arc<AtomicI64>,
    budget: BudgetPolicy,
    limits: &Limits,
    (learners, search): (
        &Arc<crate::progress::hot::LearnerCache>,
        &Arc<crate::search::SearchIndex>,
    ),
) -> Result<AppSchema, StartError> {
    let mailer = crate::mail::Mailer::new(&config.mail).map_err(StartError::Mail)?;
    Ok(graphql::build_schema_with(
        Some(graphql::SchemaData {
            learners: learners.clone(),
            search: search.clone(),
            db: db.clone(),
            auth: auth.clone(),
            active_subscriptions: active_subscriptions.clone(),
            budget,
            authoring: graphql::AuthoringLimits {
                max_roadmaps_per_user: config.max_roadmaps_per_user,
            },
            mailer: Arc::new(mailer),
        }),
        &graphql::SchemaOptions {
            introspection: config.hardening.introspection,
            suggestions: config.is_dev(),
            max_complexity: limits.max_complexity,
            max_recursion: limits.max_recursion,
        },
    ))
}

/// The idempotency store, after the first purges of what has expired; later purges repeat every
/// period in the background.
async fn start_purges(
    db: &DatabaseConnection,
    auth: &Auth,
    config: &Settings,
) -> Arc<IdempotencyKeys> {
    // A reservation older than the request timeout belongs to no running request.
    let keys = Arc::new(IdempotencyKeys::new(
        db.clone(),
        config.hardening.request_timeout.as_secs(),
    ));
    // The first purges run here, before the app serves: afterwards it sends no statement nobody
    // asked for until the next period (tests count statements per request).
    idempotency::purge_now_and_every_period(&keys).await;
    purge_expired(keys.db(), &auth.revocations.families).await;
    spawn_expiry_purge(&keys, auth.revocations.families.clone());
    keys
}

/// How often what has expired is deleted (after the purge at start).
const EXPIRY_PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Repeats [`purge_expired`] every [`EXPIRY_PURGE_EVERY`]. The idempotency store lends its
/// connection and marks the app alive (a weak reference, so the task ends with the app).
fn spawn_expiry_purge(keys: &Arc<IdempotencyKeys>, families: RevokedFamilies) {
    let keys = Arc::downgrade(keys);
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + EXPIRY_PURGE_EVERY;
        let mut tick = tokio::time::interval_at(start, EXPIRY_PURGE_EVERY);
        loop {
            tick.tick().await;
            let Some(keys) = keys.upgrade() else {
                break;
            };
            purge_expired(keys.db(), &families).await;
        }
    });
}

/// Deletes what has expired: refresh tokens (each rotation, every page load of the web app,
/// leaves a spent row behind), mailed links, and revoked sign-ins whose access tokens have all
/// expired. Failures are logged; the next purge tries again.
async fn purge_expired(db: &sea_orm::DatabaseConnection, families: &RevokedFamilies) {
    let now = chrono::Utc::now();
    match crate::accounts::service::purge_expired_refresh_tokens(db, now).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(deleted = n, "purged expired refresh tokens"),
        Err(e) => {
            tracing::warn!(error = %crate::error::chain(&e), "could not purge expired refresh tokens")
        }
    }
    match crate::accounts::email_tokens::purge_expired(db, now).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(deleted = n, "purged expired mailed links"),
        Err(e) => {
            tracing::warn!(error = %crate::error::chain(&e), "could not purge expired mailed links")
        }
    }
    if let Err(e) = families.purge(db).await {
        tracing::warn!(error = %crate::error::chain(&e), "could not purge old revoked sign-ins");
    }
}

/// Keeps the rate limiter's memory bounded and the histogram's samples folded in between scrapes.
/// Holds only weak references, so it ends with the app (tests run several apps in one process).
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
