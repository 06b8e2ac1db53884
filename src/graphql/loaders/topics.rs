//! Batch loaders of topic trees and resources, a whole roadmap at a time, so a full-tree query
//! costs a fixed number of statements whatever its size; both go through the shared tree cache.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::ids::RoadmapId;
use sea_orm::DatabaseConnection;

use crate::catalog::batch::{self, ResourceMap};
use crate::catalog::cache::CacheScope;
use crate::catalog::RoadmapTree;
use crate::graphql::error::ApiError;

/// Trees by roadmap id: from the shared cache when it holds the current version, else one query
/// for all the missing ones (which then go into the cache).
pub struct TreeLoader {
    pub db: DatabaseConnection,
    pub cache: Option<CacheScope>,
}

impl TreeLoader {
    pub fn uncached(db: DatabaseConnection) -> Self {
        Self { db, cache: None }
    }
}

/// The version to use the tree cache with, when it is on and readable.
pub(super) async fn cache_version(cache: &Option<CacheScope>) -> Option<(&CacheScope, u64)> {
    let scope = cache.as_ref().filter(|s| s.caches().trees.enabled())?;
    Some((scope, scope.version().await?))
}

impl Loader<RoadmapId> for TreeLoader {
    type Value = Arc<RoadmapTree>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        // The version is read before the rows, so a cached tree is never older than its version.
        let cache = cache_version(&self.cache).await;
        let mut out = HashMap::with_capacity(keys.len());
        let mut missing = Vec::new();
        for k in keys {
            match cache.and_then(|(s, v)| s.caches().trees.tree(*k, v)) {
                Some(tree) => {
                    out.insert(*k, tree);
                }
                None => missing.push(*k),
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        for (id, tree) in batch::trees(&self.db, &missing).await? {
            if let Some((s, v)) = cache {
                s.caches().trees.put_tree(id, v, tree.clone());
            }
            out.insert(id, tree);
        }
        Ok(out)
    }
}

/// Resources by roadmap id, cached like [`TreeLoader`].
pub struct ResourcesLoader {
    pub db: DatabaseConnection,
    pub cache: Option<CacheScope>,
}

impl ResourcesLoader {
    pub fn uncached(db: DatabaseConnection) -> Self {
        Self { db, cache: None }
    }
}

impl Loader<RoadmapId> for ResourcesLoader {
    type Value = Arc<ResourceMap>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        let cache = cache_version(&self.cache).await;
        let mut found = HashMap::with_capacity(keys.len());
        let mut missing = Vec::new();
        for k in keys {
            match cache.and_then(|(s, v)| s.caches().trees.resources(*k, v)) {
                Some(map) => {
                    found.insert(*k, map);
                }
                None => missing.push(*k),
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        for (id, map) in batch::resources(&self.db, &missing).await? {
            if let Some((s, v)) = cache {
                s.caches().trees.put_resources(id, v, map.clone());
            }
            found.insert(id, map);
        }
        Ok(found)
    }
}
