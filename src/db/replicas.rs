//! Read replicas (`DATABASE_READ_URLS`): which connection a read goes to.
//!
//! Rules, in the order they are applied:
//! - Only reads ask here (queries, subscriptions' reads). Mutations, the idempotency store, the
//!   budgets and LISTEN/NOTIFY keep using the primary connection and never see a replica.
//! - A replica is *usable* when its last check (every [`CHECK_EVERY`], bounded by the acquire
//!   timeout) answered, it has replayed at least the primary's WAL position at start (so it holds
//!   the migrated schema), and its lag is within `DATABASE_REPLICA_MAX_LAG_MS`. The lag is how long
//!   ago the primary was last seen at a position the replica has replayed (from the primary's
//!   positions sampled at each check), so an idle primary shows no lag.
//! - Read-your-writes: a read that must see WAL position `L` (the reader's last write, see
//!   [`ReadRouting::must_see`]) goes to a usable replica whose checked replay position is `>= L`,
//!   otherwise to the primary. Positions only grow, so a replica once past `L` stays past it.
//! - A replica whose read fails is marked down at once ([`ReadRouting::failed`]) and gets no reads
//!   until a later check answers again.
//!
//! The checks use raw pools (not the counted connections): they are not statements of a request.
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use entity::ids::UserId;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::PgPool;
use sea_orm::{DatabaseConnection, SqlxPostgresConnector};
use secrecy::ExposeSecret;

use super::{redact_url, ConnectError, DbStats};
use crate::config::DbSettings;

/// How often each process checks its replicas and samples the primary's position.
pub const CHECK_EVERY: Duration = Duration::from_millis(100);

/// Learners whose last write is remembered in this process; past it the map is cleared (their
/// reads then rely on the position they echo, see the README).
const MAX_REMEMBERED_WRITERS: usize = 100_000;

/// A PostgreSQL WAL position (`pg_lsn`, written `16/B374D848`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl FromStr for Lsn {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let (high, low) = text.trim().split_once('/').ok_or(())?;
        let high = u32::from_str_radix(high, 16).map_err(|_| ())?;
        let low = u32::from_str_radix(low, 16).map_err(|_| ())?;
        Ok(Self((u64::from(high) << 32) | u64::from(low)))
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// What the last check of a replica found.
#[derive(Debug, Clone, Default)]
pub struct ReplicaHealth {
    /// The last check answered.
    pub up: bool,
    /// It has replayed the primary's position at start.
    pub caught_up: bool,
    pub replay: Option<Lsn>,
    pub lag: Option<Duration>,
    /// Why the last check failed.
    pub error: Option<String>,
}

/// One read replica.
pub struct Replica {
    /// Its URL without the password, for `/readyz` and the logs.
    pub label: String,
    /// Counted like the primary (statements on `/metrics`).
    pub conn: DatabaseConnection,
    pool: PgPool,
    health: Mutex<ReplicaHealth>,
    /// Reads sent here.
    pub reads: AtomicU64,
}

impl Replica {
    pub fn health(&self) -> ReplicaHealth {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn usable_for(&self, need: Option<Lsn>, max_lag: Duration) -> bool {
        let h = self.health.lock().unwrap_or_else(|p| p.into_inner());
        h.up && h.caught_up
            && h.lag.is_some_and(|lag| lag <= max_lag)
            && match need {
                None => true,
                Some(need) => h.replay.is_some_and(|r| r >= need),
            }
    }
}

/// The primary and its replicas, as reads see them.
pub struct ReadRouting {
    primary: PgPool,
    replicas: Vec<Arc<Replica>>,
    max_lag: Duration,
    timeout: Duration,
    next: AtomicUsize,
    /// The last write position of learners who wrote through this process.
    writes: Mutex<HashMap<UserId, Lsn>>,
    /// Reads that went to the primary although replicas are configured.
    pub primary_reads: AtomicU64,
}

impl ReadRouting {
    /// `None` without `DATABASE_READ_URLS`. Replicas are connected lazily: one that is down at start
    /// is retried by the checks, it does not stop the server.
    pub fn start(
        primary: &DatabaseConnection,
        settings: &DbSettings,
        stats: &Arc<DbStats>,
    ) -> Result<Option<Arc<Self>>, ConnectError> {
        if settings.read_urls.is_empty() {
            return Ok(None);
        }
        let mut replicas = Vec::new();
        for url in &settings.read_urls {
            let url = url.expose_secret();
            let label = redact_url(url);
            let options = PgConnectOptions::from_str(url).map_err(|e| ConnectError::Connect {
                url: label.clone(),
                source: sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)),
            })?;
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .min_connections(0)
                .acquire_timeout(settings.acquire_timeout)
                .test_before_acquire(true)
                .connect_lazy_with(options);
            let mut conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool.clone());
            let counter = stats.clone();
            conn.set_metric_callback(move |info| {
                counter.statements.fetch_add(1, Ordering::Relaxed);
                if info.failed {
                    counter.failed.fetch_add(1, Ordering::Relaxed);
                }
            });
            replicas.push(Arc::new(Replica {
                label,
                conn,
                pool,
                health: Mutex::default(),
                reads: AtomicU64::new(0),
            }));
        }
        let routing = Arc::new(Self {
            primary: primary.get_postgres_connection_pool().clone(),
            replicas,
            max_lag: settings.replica_max_lag,
            timeout: settings.acquire_timeout,
            next: AtomicUsize::new(0),
            writes: Mutex::default(),
            primary_reads: AtomicU64::new(0),
        });
        tokio::spawn(check_loop(Arc::downgrade(&routing)));
        Ok(Some(routing))
    }

    pub fn replicas(&self) -> &[Arc<Replica>] {
        &self.replicas
    }

    /// The position a read by `user` must see: the later of what the client echoes (`seen`) and
    /// the user's last write through this process.
    pub fn must_see(&self, user: Option<UserId>, seen: Option<Lsn>) -> Option<Lsn> {
        let known = user.and_then(|u| {
            let writes = self.writes.lock().unwrap_or_else(|p| p.into_inner());
            writes.get(&u).copied()
        });
        known.max(seen)
    }

    /// A usable replica that has replayed `need` (round robin), or `None`: read on the primary.
    pub fn choose(&self, need: Option<Lsn>) -> Option<Arc<Replica>> {
        let n = self.replicas.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let found = (0..n)
            .map(|i| &self.replicas[(start + i) % n])
            .find(|r| r.usable_for(need, self.max_lag))
            .cloned();
        match &found {
            Some(r) => r.reads.fetch_add(1, Ordering::Relaxed),
            None => self.primary_reads.fetch_add(1, Ordering::Relaxed),
        };
        found
    }

    /// The primary's WAL position now (after a write committed: at least the write's position).
    pub async fn position(&self) -> Option<Lsn> {
        let text: Option<String> = sea_orm::sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
            .fetch_one(&self.primary)
            .await
            .ok()?;
        text?.parse().ok()
    }

    /// Remembers that `user` wrote up to `lsn`, for their next reads through this process.
    pub fn wrote(&self, user: UserId, lsn: Lsn) {
        let mut writes = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        if writes.len() >= MAX_REMEMBERED_WRITERS && !writes.contains_key(&user) {
            writes.clear();
        }
        let entry = writes.entry(user).or_insert(lsn);
        *entry = (*entry).max(lsn);
    }

    /// A read on `replica` failed: no more reads there until a check answers.
    pub fn failed(&self, replica: &Replica, why: String) {
        let mut h = replica.health.lock().unwrap_or_else(|p| p.into_inner());
        h.up = false;
        h.error = Some(why);
    }

    /// Forgets remembered writes every usable replica has replayed (they need no primary any more).
    fn forget_replayed(&self) {
        let least = self
            .replicas
            .iter()
            .map(|r| r.health())
            .filter(|h| h.up && h.caught_up && h.lag.is_some_and(|l| l <= self.max_lag))
            .filter_map(|h| h.replay)
            .min();
        if let Some(least) = least {
            let mut writes = self.writes.lock().unwrap_or_else(|p| p.into_inner());
            writes.retain(|_, lsn| *lsn > least);
        }
    }
}

/// The primary's positions over the last while, to turn a replica's replay position into a lag.
struct Samples {
    kept: VecDeque<(Instant, Lsn)>,
    span: Duration,
}

impl Samples {
    fn push(&mut self, at: Instant, lsn: Lsn) {
        self.kept.push_back((at, lsn));
        while self
            .kept
            .front()
            .is_some_and(|(t, _)| at.duration_since(*t) > self.span)
            && self.kept.len() > 1
        {
            self.kept.pop_front();
        }
    }

    /// How long ago the primary was last at a position `replay` has reached (the whole span when
    /// it was never seen there).
    fn lag(&self, replay: Lsn, now: Instant) -> Duration {
        match self.kept.iter().rev().find(|(_, lsn)| *lsn <= replay) {
            Some((t, _)) if Some(t) == self.kept.back().map(|(t, _)| t) => Duration::ZERO,
            Some((t, _)) => now.duration_since(*t),
            None => self
                .kept
                .front()
                .map(|(t, _)| now.duration_since(*t))
                .unwrap_or_default()
                .max(self.span),
        }
    }
}

/// Checks every replica each [`CHECK_EVERY`] until the routing is dropped.
async fn check_loop(routing: Weak<ReadRouting>) {
    let mut start: Option<Lsn> = None;
    let mut samples = None;
    let mut tick = tokio::time::interval(CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(routing) = routing.upgrade() else {
            break;
        };
        let Some(now_lsn) = routing.position().await else {
            continue;
        };
        let now = Instant::now();
        let start = *start.get_or_insert(now_lsn);
        let samples = samples.get_or_insert_with(|| Samples {
            kept: VecDeque::new(),
            span: (routing.max_lag * 2).max(Duration::from_secs(1)),
        });
        samples.push(now, now_lsn);
        let checks = routing.replicas.iter().map(|r| check(r, routing.timeout));
        let found = futures_util::future::join_all(checks).await;
        for (replica, result) in routing.replicas.iter().zip(found) {
            let mut h = replica.health.lock().unwrap_or_else(|p| p.into_inner());
            match result {
                Ok(replay) => {
                    let was_up = h.up;
                    h.up = true;
                    h.error = None;
                    h.caught_up |= replay >= start;
                    h.replay = Some(replay);
                    h.lag = Some(samples.lag(replay, now));
                    if !was_up {
                        tracing::info!(replica = %replica.label, "read replica answers");
                    }
                }
                Err(why) => {
                    if h.up || h.error.is_none() {
                        tracing::warn!(replica = %replica.label, error = %why, "read replica skipped");
                    }
                    h.up = false;
                    h.error = Some(why);
                }
            }
        }
        routing.forget_replayed();
    }
}

/// The replica's replay position, within `timeout`.
async fn check(replica: &Replica, timeout: Duration) -> Result<Lsn, String> {
    let asked =
        sea_orm::sqlx::query_scalar::<_, Option<String>>("SELECT pg_last_wal_replay_lsn()::text")
            .fetch_one(&replica.pool);
    match tokio::time::timeout(timeout, asked).await {
        Err(_) => Err(format!("no answer within {} s", timeout.as_secs())),
        Ok(Err(e)) => Err(crate::error::chain(&e)),
        Ok(Ok(None)) => Err("not a standby (pg_last_wal_replay_lsn() is null)".to_owned()),
        Ok(Ok(Some(text))) => text
            .parse()
            .map_err(|()| format!("unreadable replay position {text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsn_round_trips_and_orders() {
        let a: Lsn = "16/B374D848".parse().unwrap();
        assert_eq!(a.to_string(), "16/B374D848");
        assert!(a < "17/0".parse().unwrap());
        assert!("x".parse::<Lsn>().is_err());
    }

    #[test]
    fn lag_is_how_long_ago_the_primary_was_where_the_replica_is() {
        let t0 = Instant::now();
        let mut s = Samples {
            kept: VecDeque::new(),
            span: Duration::from_secs(10),
        };
        s.push(t0, Lsn(10));
        s.push(t0 + Duration::from_secs(1), Lsn(20));
        s.push(t0 + Duration::from_secs(2), Lsn(30));
        let now = t0 + Duration::from_secs(2);
        assert_eq!(s.lag(Lsn(30), now), Duration::ZERO);
        assert_eq!(s.lag(Lsn(25), now), Duration::from_secs(1));
        assert_eq!(s.lag(Lsn(5), now), Duration::from_secs(10));
    }
}
