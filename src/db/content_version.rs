//! What this process knows of the catalogue's `content_version`: the counter that database
//! triggers bump in every transaction that writes the catalogue (migration `m20261121_000070`).
//! On PostgreSQL a `LISTEN content_version` connection hears each commit, so checking costs nothing
//! per request; elsewhere (SQLite) requests read the counter (one primary-key read, shared by the
//! requests that arrive while one is running). A change made through any process is seen by every
//! process at once (PostgreSQL: as soon as the notification arrives, within milliseconds).
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

/// What this process knows of the database's `content_version`.
///
/// A request may trust a version read that *started after the request arrived*: every change
/// committed before the request arrived is then reflected. Reads are made one at a time, and a
/// request that arrives while one is running waits for the next, which serves everyone who waited —
/// so under load there is at most one read in flight however many requests arrive. With a
/// PostgreSQL listener, the last read is also trusted until a notification arrives.
pub struct ContentVersion {
    db: DatabaseConnection,
    started: Instant,
    /// The last read: (when it started, µs since `started`; the version it returned).
    last: Mutex<Option<(u64, u64)>>,
    /// One read at a time.
    reading: tokio::sync::Mutex<()>,
    /// A listener is connected (notifications arrive).
    listening: AtomicBool,
    /// When the last notification (or local write, or listener change) was seen, µs.
    changed_at_us: AtomicU64,
}

/// The channel the triggers notify.
const CHANNEL: &str = "content_version";

/// Bumps the counter inside `txn`, as the triggers do (and, on PostgreSQL, notifies at commit):
/// for a write that changes what the catalogue's version vouches for without writing a
/// versioned table itself (the history entries a link writes, which the learners' cache keeps).
pub async fn bump(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => format!(
            "UPDATE content_version SET version = version + 1 WHERE id = 1 \
             RETURNING pg_notify('{CHANNEL}', '')"
        ),
        _ => "UPDATE content_version SET version = version + 1 WHERE id = 1".to_owned(),
    };
    txn.execute(Statement::from_string(backend, sql)).await?;
    Ok(())
}

impl ContentVersion {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            started: Instant::now(),
            last: Mutex::new(None),
            reading: tokio::sync::Mutex::new(()),
            listening: AtomicBool::new(false),
            changed_at_us: AtomicU64::new(0),
        }
    }

    fn now_us(&self) -> u64 {
        self.started.elapsed().as_micros() as u64
    }

    fn last(&self) -> Option<(u64, u64)> {
        self.last.lock().ok().and_then(|l| *l)
    }

    /// The version to validate cache entries against, read before the request loads any data.
    pub async fn current(&self) -> Result<u64, DbErr> {
        let arrived = self.now_us();
        let last = self.last();
        if let Some((read_at, v)) = last {
            // Heard nothing since the last read began: it is still current.
            if self.listening.load(Ordering::Acquire)
                && read_at > self.changed_at_us.load(Ordering::Acquire)
            {
                return Ok(v);
            }
        }
        let _turn = self.reading.lock().await;
        // While we waited, a read that began after we arrived may have finished.
        if let Some((read_at, v)) = self.last() {
            if read_at >= arrived {
                return Ok(v);
            }
        }
        let read_at = self.now_us();
        let v = self.read().await?;
        if let Ok(mut l) = self.last.lock() {
            if l.is_none_or(|(at, _)| at <= read_at) {
                *l = Some((read_at, v));
            }
        }
        Ok(v)
    }

    /// Whether a listener is connected (then the last read is trusted until a notification).
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// After a write through this process: requests from now on read the counter again, so the
    /// writer sees its change at once.
    pub fn mark_stale(&self) {
        self.changed_at_us
            .fetch_max(self.now_us() + 1, Ordering::AcqRel);
    }

    async fn read(&self) -> Result<u64, DbErr> {
        let row = self
            .db
            .query_one(Statement::from_string(
                self.db.get_database_backend(),
                "SELECT version FROM content_version WHERE id = 1",
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64>("", "version"))
            .transpose()?
            .unwrap_or(0) as u64)
    }

    /// Hears the triggers' notifications; while disconnected, requests read the counter instead.
    pub async fn listen(self: Arc<Self>, pool: sea_orm::sqlx::PgPool) {
        use sea_orm::sqlx::postgres::PgListener;
        loop {
            let listener = async {
                let mut l = PgListener::connect_with(&pool).await?;
                l.listen(CHANNEL).await?;
                Ok::<_, sea_orm::sqlx::Error>(l)
            }
            .await;
            match listener {
                Ok(mut l) => {
                    // Changes made before LISTEN took effect were not heard: read once more.
                    self.mark_stale();
                    self.listening.store(true, Ordering::Release);
                    tracing::debug!("listening for catalogue changes");
                    // Ends when the connection drops: notifications may then have been lost.
                    while let Ok(Some(_)) = l.try_recv().await {
                        self.mark_stale();
                    }
                    self.listening.store(false, Ordering::Release);
                    self.mark_stale();
                    tracing::warn!("lost the catalogue-change listener; reconnecting");
                }
                Err(e) => {
                    tracing::warn!(error = %crate::error::chain(&e), "cannot listen for catalogue changes; reading per request");
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
