//! Database connection: embedded SQLite by default, PostgreSQL when `DATABASE_URL` says so.
pub mod content_version;
pub mod idempotency;
pub mod lock;
pub mod notify;
pub mod replicas;
pub mod sql;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use secrecy::ExposeSecret;

use crate::config::DbSettings;

/// Counts SQL statements sent to the database (exported on `/metrics`, used by the N+1 test).
#[derive(Debug, Default)]
pub struct DbStats {
    pub statements: AtomicU64,
    pub failed: AtomicU64,
}

impl DbStats {
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot create the data directory {path}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to the database at DATABASE_URL={url}")]
    Connect {
        url: String,
        #[source]
        source: sea_orm::DbErr,
    },
    #[error("database migration failed")]
    Migrate(#[source] sea_orm::DbErr),
}

/// Hides the password of a database URL before it is shown to anyone.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

pub async fn connect(
    args: &DbSettings,
) -> Result<(DatabaseConnection, Arc<DbStats>), ConnectError> {
    if args.embedded {
        std::fs::create_dir_all(&args.data_dir).map_err(|source| ConnectError::DataDir {
            path: args.data_dir.display().to_string(),
            source,
        })?;
    }
    let url = args.url.expose_secret().to_owned();
    // A request waits at most this long for a connection, opening a new one included (SeaORM hands
    // `connect_timeout` to the same pool deadline), so a database that is away answers in seconds
    // (503) rather than after sqlx's default 30 s. Idle connections are checked before use and
    // broken ones replaced, so the pool recovers by itself when the database is back.
    let wait = args.acquire_timeout;
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(args.max_connections)
        .min_connections(1)
        .connect_timeout(wait)
        .acquire_timeout(wait)
        .test_before_acquire(true)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            // WAL lets readers run beside the writer; FULL sync keeps acknowledged writes on disk.
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    let mut db = Database::connect(opts)
        .await
        .map_err(|source| ConnectError::Connect {
            url: redact_url(&url),
            source,
        })?;
    // Connecting lazily would hide a dead database until the first request: ping now.
    db.ping().await.map_err(|source| ConnectError::Connect {
        url: redact_url(&url),
        source,
    })?;
    let stats = Arc::new(DbStats::default());
    let counter = stats.clone();
    db.set_metric_callback(move |info| {
        counter.statements.fetch_add(1, Ordering::Relaxed);
        if info.failed {
            counter.failed.fetch_add(1, Ordering::Relaxed);
        }
    });
    Ok((db, stats))
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), ConnectError> {
    Migrator::up(db, None).await.map_err(ConnectError::Migrate)
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// (connections open, of which idle) in the database pool.
pub fn pool_usage(db: &DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        _ => (0, 0),
    }
}
