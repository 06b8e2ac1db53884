//! Batch loaders of roadmaps, their tags, related roadmaps and topic counts: each batch of keys is
//! one call into `catalog::batch` (one SQL statement). Roadmap rows by id also go through the
//! shared catalogue cache, like trees.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::ids::RoadmapId;
use entity::roadmaps;
use sea_orm::DatabaseConnection;

use super::topics::cache_version;
use crate::catalog::batch;
use crate::catalog::cache::CacheScope;
use crate::graphql::error::ApiError;

/// Roadmap rows by id: from the shared cache when it holds the current version (a query's,
/// never a mutation's: those have no cache scope), else one query for the missing ones.
pub struct RoadmapByIdLoader {
    pub db: DatabaseConnection,
    pub cache: Option<CacheScope>,
}

impl Loader<RoadmapId> for RoadmapByIdLoader {
    type Value = Arc<roadmaps::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        // The version is read before the rows, so a kept row is never older than its version.
        let cache = cache_version(&self.cache).await;
        let mut out = HashMap::with_capacity(keys.len());
        let mut missing = Vec::new();
        for k in keys {
            match cache.and_then(|(s, v)| s.caches().trees.roadmap_by_id(*k, v)) {
                Some(row) => {
                    out.insert(*k, row);
                }
                None => missing.push(*k),
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        for (id, row) in batch::roadmaps_by_id(&self.db, &missing).await? {
            if let Some((s, v)) = cache {
                s.caches().trees.put_roadmap_by_id(v, row.clone());
            }
            out.insert(id, row);
        }
        Ok(out)
    }
}

pub struct TagsLoader(pub DatabaseConnection);

impl Loader<RoadmapId> for TagsLoader {
    type Value = Vec<String>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        Ok(batch::tags(&self.0, keys).await?)
    }
}

/// Related roadmaps of each roadmap, in their stored order.
pub struct RelatedLoader(pub DatabaseConnection);

impl Loader<RoadmapId> for RelatedLoader {
    type Value = Vec<Arc<roadmaps::Model>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        Ok(batch::related(&self.0, keys).await?)
    }
}

/// Number of live (not deleted) topics per roadmap.
pub struct TopicCountLoader(pub DatabaseConnection);

impl Loader<RoadmapId> for TopicCountLoader {
    type Value = i64;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        Ok(batch::topic_counts(&self.0, keys).await?)
    }
}
