//! Batch reads for the per-request loaders: one SQL statement per batch of roadmap ids, whatever
//! the size of the batch, so a page of roadmaps or a whole tree costs a fixed number of statements.
use std::collections::HashMap;
use std::sync::Arc;

use entity::ids::{ResourceId, RoadmapId, TopicKey};
use entity::{resources, roadmap_relations, roadmap_tags, roadmaps, topics};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};

use super::{ResourceKind, RoadmapTree};
use crate::auth::RoadmapGate;
use crate::error::AppError;

/// Resources of every topic of a roadmap, keyed by topic id, each list in position order, with
/// the roadmap's gate read in the same statement (`None` when it has no resources).
#[derive(Debug, Default)]
pub struct ResourceMap {
    by_topic: HashMap<TopicKey, Vec<Arc<resources::Model>>>,
    pub gate: Option<RoadmapGate>,
}

impl ResourceMap {
    /// A topic's resources, in order.
    pub fn get(&self, topic_id: &TopicKey) -> Option<&Vec<Arc<resources::Model>>> {
        self.by_topic.get(topic_id)
    }
}

/// Roadmaps by id, in any state: the caller applies its `CatalogAccess`.
pub async fn roadmaps_by_id(
    db: &impl ConnectionTrait,
    ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, Arc<roadmaps::Model>>, AppError> {
    let rows = roadmaps::Entity::find()
        .filter(roadmaps::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, Arc::new(r))).collect())
}

/// Tags of each roadmap, in their stored order.
pub async fn tags(
    db: &impl ConnectionTrait,
    ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, Vec<String>>, AppError> {
    let rows = roadmap_tags::Entity::find()
        .filter(roadmap_tags::Column::RoadmapId.is_in(ids.iter().copied()))
        .order_by_asc(roadmap_tags::Column::RoadmapId)
        .order_by_asc(roadmap_tags::Column::Position)
        .all(db)
        .await?;
    let mut out: HashMap<RoadmapId, Vec<String>> = HashMap::new();
    for row in rows {
        out.entry(row.roadmap_id).or_default().push(row.tag);
    }
    Ok(out)
}

/// Related roadmaps of each roadmap, in their stored order, in any state: the caller applies its
/// `CatalogAccess`.
pub async fn related(
    db: &impl ConnectionTrait,
    ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, Vec<Arc<roadmaps::Model>>>, AppError> {
    let rows = roadmap_relations::Entity::find()
        .filter(roadmap_relations::Column::RoadmapId.is_in(ids.iter().copied()))
        .order_by_asc(roadmap_relations::Column::RoadmapId)
        .order_by_asc(roadmap_relations::Column::Position)
        .find_also_related(roadmaps::Entity)
        .all(db)
        .await?;
    let mut out: HashMap<RoadmapId, Vec<Arc<roadmaps::Model>>> = HashMap::new();
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
    roadmap_id: RoadmapId,
    n: i64,
}

/// Number of live (not deleted) topics per roadmap (0 for a roadmap without any).
pub async fn topic_counts(
    db: &impl ConnectionTrait,
    ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, i64>, AppError> {
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
    let mut out: HashMap<RoadmapId, i64> = ids.iter().map(|k| (*k, 0)).collect();
    out.extend(rows.into_iter().map(|r| (r.roadmap_id, r.n)));
    Ok(out)
}

/// The live topic tree of each roadmap (an empty tree for a roadmap without topics), each with
/// the gate of its roadmap read in the same statement (see [`RoadmapGate`]).
pub async fn trees(
    db: &impl ConnectionTrait,
    ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, Arc<RoadmapTree>>, AppError> {
    let rows = with_gate(
        topics::Entity::find().join(JoinType::InnerJoin, topics::Relation::Roadmap.def()),
    )
    .filter(topics::Column::RoadmapId.is_in(ids.iter().copied()))
    .filter(topics::Column::DeletedAt.is_null())
    .into_model::<Gated<topics::Model>>()
    .all(db)
    .await?;
    let mut grouped: HashMap<RoadmapId, (Vec<topics::Model>, Option<RoadmapGate>)> =
        ids.iter().map(|k| (*k, (Vec::new(), None))).collect();
    for row in rows {
        let entry = grouped.entry(row.item.roadmap_id).or_default();
        entry.0.push(row.item);
        entry.1 = Some(row.gate);
    }
    Ok(grouped
        .into_iter()
        .map(|(id, (rows, gate))| (id, Arc::new(RoadmapTree::new(id, rows).with_gate(gate))))
        .collect())
}

/// A row of content with its roadmap's gate beside it.
#[derive(FromQueryResult)]
struct Gated<T: FromQueryResult> {
    #[sea_orm(nested)]
    item: T,
    #[sea_orm(nested)]
    gate: RoadmapGate,
}

/// `select` (joined to `roadmaps`) also selecting the roadmap's gate columns.
fn with_gate<E: EntityTrait>(mut select: sea_orm::Select<E>) -> sea_orm::Select<E> {
    for (column, alias) in RoadmapGate::COLUMNS {
        select = select.column_as(column, alias);
    }
    select
}

/// The resources of the live topics of each roadmap (an empty map for a roadmap without any).
pub async fn resources(
    db: &impl ConnectionTrait,
    ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, Arc<ResourceMap>>, AppError> {
    let rows = with_gate(
        resources::Entity::find()
            .join(JoinType::InnerJoin, resources::Relation::Topic.def())
            .join(JoinType::InnerJoin, topics::Relation::Roadmap.def()),
    )
    .filter(topics::Column::RoadmapId.is_in(ids.iter().copied()))
    .filter(topics::Column::DeletedAt.is_null())
    .column_as(topics::Column::RoadmapId, "roadmap_id")
    .order_by_asc(resources::Column::TopicId)
    .order_by_asc(resources::Column::Position)
    .order_by_asc(resources::Column::Id)
    .into_model::<ResourceRow>()
    .all(db)
    .await?;
    let mut out: HashMap<RoadmapId, ResourceMap> =
        ids.iter().map(|k| (*k, ResourceMap::default())).collect();
    for mut row in rows {
        let roadmap_id = row.roadmap_id;
        let map = out.entry(roadmap_id).or_default();
        map.gate = row.gate.take();
        let res = row.resource();
        map.by_topic
            .entry(res.topic_id.clone())
            .or_default()
            .push(Arc::new(res));
    }
    Ok(out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
}

/// A resource with its topic's roadmap, read in one join.
#[derive(FromQueryResult)]
struct ResourceRow {
    id: ResourceId,
    topic_id: TopicKey,
    kind: ResourceKind,
    title: String,
    url: String,
    position: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    roadmap_id: RoadmapId,
    #[sea_orm(nested)]
    gate: Option<RoadmapGate>,
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
