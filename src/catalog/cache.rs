//! The catalogue's read caches, shared by every request of the process: each roadmap's loaded
//! topic tree, resources and prerequisites, roadmaps by slug and by id, and rendered topic lists
//! ([`TreeCache`]), checked against the content version (`db::content_version`).
//!
//! Every entry carries the version that was read *before* its data was loaded, so an entry is never
//! older than its version says, and an entry of another version is never served.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use entity::ids::RoadmapId;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

use super::batch::ResourceMap;
use super::prerequisites::PrerequisiteMap;
use super::RoadmapTree;
use crate::config::CacheSettings;
use crate::db::content_version::ContentVersion;
use entity::roadmaps;

/// The caches of one server process.
pub struct Caches {
    pub version: Arc<ContentVersion>,
    pub trees: TreeCache,
}

impl Caches {
    /// Builds the caches; on PostgreSQL also starts the listener that hears other processes' edits.
    pub fn start(db: &DatabaseConnection, args: &CacheSettings) -> Arc<Caches> {
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
                        tracing::warn!(error = %crate::error::chain(&e), "cannot read the content version; not caching");
                        None
                    }
                }
            })
            .await
    }
}

/// A topic list written as JSON for every viewer alike, with the places where one viewer's own
/// values (their status, their note) go: the same for everyone, so it is kept per content version
/// and selection, and each request only fills the holes.
#[derive(Clone, Debug, Default)]
pub struct RenderedList {
    pub bytes: Bytes,
    /// In the order of their offsets.
    pub holes: Arc<[Hole]>,
}

/// One viewer-specific value of a [`RenderedList`]: what goes at byte `at` of its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hole {
    pub at: usize,
    /// The topic's index in its tree.
    pub topic: usize,
    pub kind: HoleKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoleKind {
    /// The viewer's status on the topic.
    Status,
    /// The viewer's note on the topic.
    Note,
}

struct Versioned<T> {
    version: u64,
    value: T,
}

/// Loaded trees and resource lists by roadmap id. Bounded by the number of roadmaps.
pub struct TreeCache {
    enabled: bool,
    trees: Mutex<HashMap<RoadmapId, Versioned<Arc<RoadmapTree>>>>,
    resources: Mutex<HashMap<RoadmapId, Versioned<Arc<ResourceMap>>>>,
    /// The prerequisite edges of each roadmap's topics (their writes bump the version).
    prerequisites: Mutex<HashMap<RoadmapId, Versioned<Arc<PrerequisiteMap>>>>,
    /// A roadmap's root topics written as JSON (`graphql::catalog::topic_list`), by selection,
    /// with holes where each viewer's own values go.
    rendered: Mutex<HashMap<(RoadmapId, String), Versioned<RenderedList>>>,
    /// Roadmap rows by slug (found ones only, so the map is bounded by the catalogue).
    by_slug: Mutex<HashMap<String, Versioned<Arc<roadmaps::Model>>>>,
    /// Roadmap rows by id (found ones only; every write to `roadmaps` bumps the version), for
    /// the roadmaps a dashboard or a history names: no per-request read of their titles.
    by_id: Mutex<HashMap<RoadmapId, Versioned<Arc<roadmaps::Model>>>>,
}

/// Distinct (roadmap, selection) renderings kept; past it the map starts over. Real clients ask for
/// a handful of selections, so this only bounds memory against made-up ones.
const MAX_RENDERED: usize = 512;

/// Roadmap rows kept by id; past it the map starts over. Forks make the catalogue grow with its
/// users, so the bound is on the map, not on the catalogue (a row is ~2 KiB: ~8 MiB at most).
const MAX_ROWS: usize = 4096;

impl TreeCache {
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            trees: Mutex::default(),
            resources: Mutex::default(),
            prerequisites: Mutex::default(),
            rendered: Mutex::default(),
            by_slug: Mutex::default(),
            by_id: Mutex::default(),
        }
    }

    pub fn roadmap_by_id(&self, id: RoadmapId, version: u64) -> Option<Arc<roadmaps::Model>> {
        self.enabled
            .then(|| Self::get(&self.by_id, id, version))
            .flatten()
    }

    pub fn put_roadmap_by_id(&self, version: u64, model: Arc<roadmaps::Model>) {
        if !self.enabled {
            return;
        }
        if let Ok(mut map) = self.by_id.lock() {
            if map.len() >= MAX_ROWS && !map.contains_key(&model.id) {
                map.clear();
            }
        }
        Self::put(&self.by_id, model.id, version, model);
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

    pub fn rendered(&self, id: RoadmapId, version: u64, selection: &str) -> Option<RenderedList> {
        if !self.enabled {
            return None;
        }
        let map = self.rendered.lock().ok()?;
        map.get(&(id, selection.to_owned()))
            .filter(|e| e.version == version)
            .map(|e| e.value.clone())
    }

    pub fn put_rendered(&self, id: RoadmapId, version: u64, selection: String, list: RenderedList) {
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
                        value: list,
                    },
                );
            }
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn get<T: Clone>(
        map: &Mutex<HashMap<RoadmapId, Versioned<T>>>,
        id: RoadmapId,
        version: u64,
    ) -> Option<T> {
        let map = map.lock().ok()?;
        map.get(&id)
            .filter(|e| e.version == version)
            .map(|e| e.value.clone())
    }

    fn put<T>(
        map: &Mutex<HashMap<RoadmapId, Versioned<T>>>,
        id: RoadmapId,
        version: u64,
        value: T,
    ) {
        if let Ok(mut map) = map.lock() {
            // Never replace a newer entry with an older one (a slow request finishing late).
            if map.get(&id).is_none_or(|e| e.version <= version) {
                map.insert(id, Versioned { version, value });
            }
        }
    }

    pub fn tree(&self, id: RoadmapId, version: u64) -> Option<Arc<RoadmapTree>> {
        self.enabled
            .then(|| Self::get(&self.trees, id, version))
            .flatten()
    }

    pub fn put_tree(&self, id: RoadmapId, version: u64, tree: Arc<RoadmapTree>) {
        if self.enabled {
            Self::put(&self.trees, id, version, tree);
        }
    }

    pub fn resources(&self, id: RoadmapId, version: u64) -> Option<Arc<ResourceMap>> {
        self.enabled
            .then(|| Self::get(&self.resources, id, version))
            .flatten()
    }

    pub fn put_resources(&self, id: RoadmapId, version: u64, map: Arc<ResourceMap>) {
        if self.enabled {
            Self::put(&self.resources, id, version, map);
        }
    }

    pub fn prerequisites(&self, id: RoadmapId, version: u64) -> Option<Arc<PrerequisiteMap>> {
        self.enabled
            .then(|| Self::get(&self.prerequisites, id, version))
            .flatten()
    }

    pub fn put_prerequisites(&self, id: RoadmapId, version: u64, map: Arc<PrerequisiteMap>) {
        if self.enabled {
            Self::put(&self.prerequisites, id, version, map);
        }
    }
}
