//! Batch loaders of the roadmap domain: one SQL statement per batch of keys.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{roadmap_relations, roadmap_tags, roadmaps, topics};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::error::ApiError;

pub struct RoadmapByIdLoader(pub DatabaseConnection);

impl Loader<i32> for RoadmapByIdLoader {
    type Value = Arc<roadmaps::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = roadmaps::Entity::find()
            .filter(roadmaps::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, Arc::new(r))).collect())
    }
}

pub struct TagsLoader(pub DatabaseConnection);

impl Loader<i32> for TagsLoader {
    type Value = Vec<String>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = roadmap_tags::Entity::find()
            .filter(roadmap_tags::Column::RoadmapId.is_in(keys.iter().copied()))
            .order_by_asc(roadmap_tags::Column::RoadmapId)
            .order_by_asc(roadmap_tags::Column::Position)
            .all(&self.0)
            .await?;
        let mut out: HashMap<i32, Vec<String>> = HashMap::new();
        for row in rows {
            out.entry(row.roadmap_id).or_default().push(row.tag);
        }
        Ok(out)
    }
}

/// Related roadmaps of each roadmap, in their stored order.
pub struct RelatedLoader(pub DatabaseConnection);

impl Loader<i32> for RelatedLoader {
    type Value = Vec<Arc<roadmaps::Model>>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = roadmap_relations::Entity::find()
            .filter(roadmap_relations::Column::RoadmapId.is_in(keys.iter().copied()))
            .order_by_asc(roadmap_relations::Column::RoadmapId)
            .order_by_asc(roadmap_relations::Column::Position)
            .find_also_related(roadmaps::Entity)
            .all(&self.0)
            .await?;
        let mut out: HashMap<i32, Vec<Arc<roadmaps::Model>>> = HashMap::new();
        for (edge, related) in rows {
            if let Some(related) = related {
                out.entry(edge.roadmap_id)
                    .or_default()
                    .push(Arc::new(related));
            }
        }
        Ok(out)
    }
}

/// Number of live (not deleted) topics per roadmap.
pub struct TopicCountLoader(pub DatabaseConnection);

#[derive(FromQueryResult)]
struct CountRow {
    roadmap_id: i32,
    n: i64,
}

impl Loader<i32> for TopicCountLoader {
    type Value = i64;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = topics::Entity::find()
            .select_only()
            .column(topics::Column::RoadmapId)
            .column_as(topics::Column::Id.count(), "n")
            .filter(topics::Column::RoadmapId.is_in(keys.iter().copied()))
            .filter(topics::Column::DeletedAt.is_null())
            .group_by(topics::Column::RoadmapId)
            .into_model::<CountRow>()
            .all(&self.0)
            .await?;
        let mut out: HashMap<i32, i64> = keys.iter().map(|k| (*k, 0)).collect();
        out.extend(rows.into_iter().map(|r| (r.roadmap_id, r.n)));
        Ok(out)
    }
}
