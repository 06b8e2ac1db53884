//! Batch loaders of the topic domain: a whole tree per roadmap, and all resources per roadmap, so a
//! full-tree query costs a fixed number of statements whatever its size.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{resources, topics};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};

use super::tree::RoadmapTree;
use crate::cache::CacheScope;
use crate::error::ApiError;

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
async fn cache_version(cache: &Option<CacheScope>) -> Option<(&CacheScope, u64)> {
    let scope = cache.as_ref().filter(|s| s.caches().trees.enabled())?;
    Some((scope, scope.version().await?))
}

impl Loader<i32> for TreeLoader {
    type Value = Arc<RoadmapTree>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
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
        let rows = topics::Entity::find()
            .filter(topics::Column::RoadmapId.is_in(missing.iter().copied()))
            .filter(topics::Column::DeletedAt.is_null())
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<i32, Vec<topics::Model>> =
            missing.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            grouped.entry(row.roadmap_id).or_default().push(row);
        }
        for (id, rows) in grouped {
            let tree = Arc::new(RoadmapTree::new(id, rows));
            if let Some((s, v)) = cache {
                s.caches().trees.put_tree(id, v, tree.clone());
            }
            out.insert(id, tree);
        }
        Ok(out)
    }
}

/// Resources of every topic of a roadmap, keyed by topic id, each list in position order.
pub type ResourceMap = HashMap<String, Vec<Arc<resources::Model>>>;

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

impl Loader<i32> for ResourcesLoader {
    type Value = Arc<ResourceMap>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
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
        let rows: Vec<(resources::Model, i32)> = resources::Entity::find()
            .join(JoinType::InnerJoin, resources::Relation::Topic.def())
            .filter(topics::Column::RoadmapId.is_in(missing.iter().copied()))
            .filter(topics::Column::DeletedAt.is_null())
            .column_as(topics::Column::RoadmapId, "roadmap_id")
            .order_by_asc(resources::Column::TopicId)
            .order_by_asc(resources::Column::Position)
            .order_by_asc(resources::Column::Id)
            .into_model::<ResourceRow>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| {
                let roadmap_id = r.roadmap_id;
                (r.resource(), roadmap_id)
            })
            .collect();
        let mut out: HashMap<i32, ResourceMap> =
            missing.iter().map(|k| (*k, HashMap::new())).collect();
        for (res, roadmap_id) in rows {
            out.entry(roadmap_id)
                .or_default()
                .entry(res.topic_id.clone())
                .or_default()
                .push(Arc::new(res));
        }
        for (id, map) in out {
            let map = Arc::new(map);
            if let Some((s, v)) = cache {
                s.caches().trees.put_resources(id, v, map.clone());
            }
            found.insert(id, map);
        }
        Ok(found)
    }
}

#[derive(sea_orm::FromQueryResult)]
struct ResourceRow {
    id: i32,
    topic_id: String,
    kind: String,
    title: String,
    url: String,
    position: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    roadmap_id: i32,
}

impl ResourceRow {
    fn resource(self) -> resources::Model {
        resources::Model {
            id: self.id,
            topic_id: self.topic_id,
            kind: self.kind,
            title: self.title,
            url: self.url,
            position: self.position,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}
