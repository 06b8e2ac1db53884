//! Read caches for the public catalogue, and how they learn that it changed.
//!
//! - [`ContentVersion`]: the `content_version` counter, bumped by database triggers in every
//!   transaction that writes the catalogue (migration `m20261121_000070`). On PostgreSQL a
//!   `LISTEN content_version` connection hears each commit, so checking costs nothing per request;
//!   elsewhere (SQLite) requests read the counter (one primary-key read, shared by the requests that
//!   arrive while one is running). A change made through any process is seen by every process at
//!   once (PostgreSQL: as soon as the notification arrives, within milliseconds).
//! - [`TreeCache`]: each roadmap's loaded topic tree and resources, shared by all requests.
//!
//! Every entry carries the version that was read *before* its data was loaded, so an entry is never
//! older than its version says, and an entry of another version is never served.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use crate::catalog::batch::ResourceMap;
use crate::catalog::RoadmapTree;
use crate::config::CacheArgs;
use entity::roadmaps;

/// The caches of one server process.
pub struct Caches {
    pub version: Arc<ContentVersion>,
    pub trees: TreeCache,
}

impl Caches {
    /// Builds the caches; on PostgreSQL also starts the listener that hears other processes' edits.
    pub fn start(db: &DatabaseConnection, args: &CacheArgs) -> Arc<Caches> {
        let version = Arc::new(ContentVersion::new(db.clone()));
        if db.get_database_backend() == DbBackend::Postgres {
            let pool = db.get_postgres_connection_pool().clone();
            tokio::spawn(version.clone().listen(pool));
        }
        Arc::new(Caches {
            version,
            trees: TreeCache::new(args.tree_cache),
        })
    }

    /// No caching at all (the SDL printer, unit tests).
    pub fn disabled(db: &DatabaseConnection) -> Arc<Caches> {
        Arc::new(Caches {
            version: Arc::new(ContentVersion::new(db.clone())),
            trees: TreeCache::new(false),
        })
    }
}

// ---------------------------------------------------------------------------------------------

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

impl ContentVersion {
    fn new(db: DatabaseConnection) -> Self {
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
    async fn listen(self: Arc<Self>, pool: sea_orm::sqlx::PgPool) {
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
                    tracing::warn!(error = %e, "cannot listen for catalogue changes; reading per request");
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// A request's view of the caches: the content version is read at most once per request, before
/// the first cached read, and every cached read of the request uses it.
#[derive(Clone)]
pub struct CacheScope {
    caches: Arc<Caches>,
    version: Arc<tokio::sync::OnceCell<Option<u64>>>,
}

impl CacheScope {
    /// `known`: the version the handler already read for this request, if any.
    pub fn new(caches: Arc<Caches>, known: Option<u64>) -> Self {
        Self {
            caches,
            version: Arc::new(match known {
                Some(v) => tokio::sync::OnceCell::new_with(Some(Some(v))),
                None => tokio::sync::OnceCell::new(),
            }),
        }
    }

    pub fn caches(&self) -> &Caches {
        &self.caches
    }

    /// The version for this request; `None` when it cannot be read (the caches are then bypassed).
    pub async fn version(&self) -> Option<u64> {
        *self
            .version
            .get_or_init(|| async {
                match self.caches.version.current().await {
                    Ok(v) => Some(v),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read the content version; not caching");
                        None
                    }
                }
            })
            .await
    }
}

struct Versioned<T> {
    version: u64,
    value: T,
}

/// Loaded trees and resource lists by roadmap id. Bounded by the number of roadmaps.
pub struct TreeCache {
    enabled: bool,
    trees: Mutex<HashMap<i32, Versioned<Arc<RoadmapTree>>>>,
    resources: Mutex<HashMap<i32, Versioned<Arc<ResourceMap>>>>,
    /// A roadmap's root topics written as JSON (`topics::render`), by selection.
    rendered: Mutex<HashMap<(i32, String), Versioned<Bytes>>>,
    /// Roadmap rows by slug (found ones only, so the map is bounded by the catalogue).
    by_slug: Mutex<HashMap<String, Versioned<Arc<roadmaps::Model>>>>,
}

/// Distinct (roadmap, selection) renderings kept; past it the map starts over. Real clients ask for
/// a handful of selections, so this only bounds memory against made-up ones.
const MAX_RENDERED: usize = 512;

impl TreeCache {
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            trees: Mutex::default(),
            resources: Mutex::default(),
            rendered: Mutex::default(),
            by_slug: Mutex::default(),
        }
    }

    pub fn roadmap_by_slug(&self, slug: &str, version: u64) -> Option<Arc<roadmaps::Model>> {
        if !self.enabled {
            return None;
        }
        let map = self.by_slug.lock().ok()?;
        map.get(slug)
            .filter(|e| e.version == version)
            .map(|e| e.value.clone())
    }

    pub fn put_roadmap_by_slug(&self, slug: &str, version: u64, model: Arc<roadmaps::Model>) {
        if !self.enabled {
            return;
        }
        if let Ok(mut map) = self.by_slug.lock() {
            if map.len() >= MAX_RENDERED {
                map.clear();
            }
            if map.get(slug).is_none_or(|e| e.version <= version) {
                map.insert(
                    slug.to_owned(),
                    Versioned {
                        version,
                        value: model,
                    },
                );
            }
        }
    }

    pub fn rendered(&self, id: i32, version: u64, selection: &str) -> Option<Bytes> {
        if !self.enabled {
            return None;
        }
        let map = self.rendered.lock().ok()?;
        map.get(&(id, selection.to_owned()))
            .filter(|e| e.version == version)
            .map(|e| e.value.clone())
    }

    pub fn put_rendered(&self, id: i32, version: u64, selection: String, bytes: Bytes) {
        if !self.enabled {
            return;
        }
        if let Ok(mut map) = self.rendered.lock() {
            if map.len() >= MAX_RENDERED {
                map.clear();
            }
            let key = (id, selection);
            if map.get(&key).is_none_or(|e| e.version <= version) {
                map.insert(
                    key,
                    Versioned {
                        version,
                        value: bytes,
                    },
                );
            }
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn get<T: Clone>(map: &Mutex<HashMap<i32, Versioned<T>>>, id: i32, version: u64) -> Option<T> {
        let map = map.lock().ok()?;
        map.get(&id)
            .filter(|e| e.version == version)
            .map(|e| e.value.clone())
    }

    fn put<T>(map: &Mutex<HashMap<i32, Versioned<T>>>, id: i32, version: u64, value: T) {
        if let Ok(mut map) = map.lock() {
            // Never replace a newer entry with an older one (a slow request finishing late).
            if map.get(&id).is_none_or(|e| e.version <= version) {
                map.insert(id, Versioned { version, value });
            }
        }
    }

    pub fn tree(&self, id: i32, version: u64) -> Option<Arc<RoadmapTree>> {
        self.enabled
            .then(|| Self::get(&self.trees, id, version))
            .flatten()
    }

    pub fn put_tree(&self, id: i32, version: u64, tree: Arc<RoadmapTree>) {
        if self.enabled {
            Self::put(&self.trees, id, version, tree);
        }
    }

    pub fn resources(&self, id: i32, version: u64) -> Option<Arc<ResourceMap>> {
        self.enabled
            .then(|| Self::get(&self.resources, id, version))
            .flatten()
    }

    pub fn put_resources(&self, id: i32, version: u64, map: Arc<ResourceMap>) {
        if self.enabled {
            Self::put(&self.resources, id, version, map);
        }
    }
}
