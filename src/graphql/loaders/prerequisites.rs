//! The prerequisites and unlocked topics of every topic of a roadmap (`Topic.prerequisites`,
//! `Topic.unlocks`, `nextTopics`), a batch of roadmaps at a time: a whole tree's edges cost two
//! statements, and none while the shared cache holds the current content version (every write of
//! an edge, a topic or a roadmap bumps it). Cached for the request too; `setTopicPrerequisites`
//! clears that.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::ids::RoadmapId;
use sea_orm::DatabaseConnection;

use crate::catalog::cache::CacheScope;
use crate::catalog::prerequisites::{self, PrerequisiteMap};
use crate::graphql::error::ApiError;

pub struct PrerequisitesLoader {
    pub db: DatabaseConnection,
    pub cache: Option<CacheScope>,
}

impl Loader<RoadmapId> for PrerequisitesLoader {
    type Value = Arc<PrerequisiteMap>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        // The version is read before the rows, so a cached map is never older than its version.
        let scope = self.cache.as_ref().filter(|s| s.caches().trees.enabled());
        let version = match scope {
            Some(s) => s.version().await.map(|v| (s, v)),
            None => None,
        };
        let mut out = HashMap::with_capacity(keys.len());
        let mut missing = Vec::new();
        for k in keys {
            match version.and_then(|(s, v)| s.caches().trees.prerequisites(*k, v)) {
                Some(map) => {
                    out.insert(*k, map);
                }
                None => missing.push(*k),
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        for (id, map) in prerequisites::by_roadmap(&self.db, &missing).await? {
            if let Some((s, v)) = version {
                s.caches().trees.put_prerequisites(id, v, map.clone());
            }
            out.insert(id, map);
        }
        Ok(out)
    }
}
