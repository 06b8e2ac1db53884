//! Batch reads for the per-request loaders: one SQL statement per batch of roadmap ids, whatever
//! the size of the batch, so a page of roadmaps or a whole tree costs a fixed number of statements.
use std::collections::HashMap;
use std::sync::Arc;

use entity::{resources, roadmap_relations, roadmap_tags, roadmaps, topics};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};

use super::{ResourceKind, RoadmapTree};
use crate::error::AppError;

/// Resources of every topic of a roadmap, keyed by topic id, each list in position order.
pub type ResourceMap = HashMap<String, Vec<Arc<resources::Model>>>;

/// Roadmaps by id, in any state: the caller applies its `CatalogAccess`.
pub async fn roadmaps_by_id(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, Arc<roadmaps::Model>>, AppError> {
    let rows = roadmaps::Entity::find()
        .filter(roadmaps::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, Arc::new(r))).collect())
}

/// Tags of each roadmap, in their stored order.
pub async fn tags(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<String>>, AppError> {
    let rows = roadmap_tags::Entity::find()
        .filter(roadmap_tags::Column::RoadmapId.is_in(ids.iter().copied()))
        .order_by_asc(roadmap_tags::Column::RoadmapId)
        .order_by_asc(roadmap_tags::Column::Position)
        .all(db)
        .await?;
    let mut out: HashMap<i32, Vec<String>> = HashMap::new();
    for row in rows {
        out.entry(row.roadmap_id).or_default().push(row.tag);
    }
    Ok(out)
}

/// Related roadmaps of each roadmap, in their stored order, in any state: the caller applies its
/// `CatalogAccess`.
pub async fn related(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<Arc<roadmaps::Model>>>, AppError> {
    let rows = roadmap_relations::Entity::find()
        .filter(roadmap_relations::Column::RoadmapId.is_in(ids.iter().copied()))
        .order_by_asc(roadmap_relations::Column::RoadmapId)
        .order_by_asc(roadmap_relations::Column::Position)
        .find_also_related(roadmaps::Entity)
        .all(db)
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

#[derive(FromQueryResult)]
struct CountRow {
    roadmap_id: i32,
    n: i64,
}

/// Number of live (not deleted) topics per roadmap (0 for a roadmap without any).
pub async fn topic_counts(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, i64>, AppError> {
    let rows = topics::Entity::find()
        .select_only()
        .column(topics::Column::RoadmapId)
        .column_as(topics::Column::Id.count(), "n")
        .filter(topics::Column::RoadmapId.is_in(ids.iter().copied()))
        .filter(topics::Column::DeletedAt.is_null())
        .group_by(topics::Column::RoadmapId)
        .into_model::<CountRow>()
        .all(db)
        .await?;
    let mut out: HashMap<i32, i64> = ids.iter().map(|k| (*k, 0)).collect();
    out.extend(rows.into_iter().map(|r| (r.roadmap_id, r.n)));
    Ok(out)
}

/// The live topic tree of each roadmap (an empty tree for a roadmap without topics).
pub async fn trees(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, Arc<RoadmapTree>>, AppError> {
    let rows = topics::Entity::find()
        .filter(topics::Column::RoadmapId.is_in(ids.iter().copied()))
        .filter(topics::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    let mut grouped: HashMap<i32, Vec<topics::Model>> =
        ids.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        grouped.entry(row.roadmap_id).or_default().push(row);
    }
    Ok(grouped
        .into_iter()
        .map(|(id, rows)| (id, Arc::new(RoadmapTree::new(id, rows))))
        .collect())
}

/// The resources of the live topics of each roadmap (an empty map for a roadmap without any).
pub async fn resources(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, Arc<ResourceMap>>, AppError> {
    let rows = resources::Entity::find()
        .join(JoinType::InnerJoin, resources::Relation::Topic.def())
        .filter(topics::Column::RoadmapId.is_in(ids.iter().copied()))
        .filter(topics::Column::DeletedAt.is_null())
        .column_as(topics::Column::RoadmapId, "roadmap_id")
        .order_by_asc(resources::Column::TopicId)
        .order_by_asc(resources::Column::Position)
        .order_by_asc(resources::Column::Id)
        .into_model::<ResourceRow>()
        .all(db)
        .await?;
    let mut out: HashMap<i32, ResourceMap> = ids.iter().map(|k| (*k, HashMap::new())).collect();
    for row in rows {
        let roadmap_id = row.roadmap_id;
        let res = row.resource();
        out.entry(roadmap_id)
            .or_default()
            .entry(res.topic_id.clone())
            .or_default()
            .push(Arc::new(res));
    }
    Ok(out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
}

/// A resource with its topic's roadmap, read in one join.
#[derive(FromQueryResult)]
struct ResourceRow {
    id: i32,
    topic_id: String,
    kind: ResourceKind,
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
