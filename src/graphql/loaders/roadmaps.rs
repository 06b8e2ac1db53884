//! Batch loaders of roadmaps, their tags, related roadmaps and topic counts: each batch of keys is
//! one call into `catalog::batch` (one SQL statement).
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::ids::RoadmapId;
use entity::roadmaps;
use sea_orm::DatabaseConnection;

use crate::catalog::batch;
use crate::graphql::error::ApiError;

pub struct RoadmapByIdLoader(pub DatabaseConnection);

impl Loader<RoadmapId> for RoadmapByIdLoader {
    type Value = Arc<roadmaps::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        Ok(batch::roadmaps_by_id(&self.0, keys).await?)
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
