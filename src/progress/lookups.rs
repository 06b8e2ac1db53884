//! Lookups of the catalogue a progress write needs: live topics and the roadmaps the caller may
//! track (through its `CatalogAccess`, widened by `tracking()`: a learner records progress on an
//! UNLISTED roadmap whose link they opened). Filtered in SQL, where "follows" can be read.
use std::collections::HashMap;

use entity::ids::{RoadmapId, TopicKey};
use entity::{roadmaps, topics};
use sea_orm::sea_query::{Condition, IntoCondition};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Value};

use super::CHUNK;
use crate::auth::CatalogAccess;
use crate::error::AppError;

/// Rows of `E` whose `column` is one of `keys` and that match `also`: one statement per
/// [`CHUNK`] keys, so a long list stays under SQLite's bound-parameter limit.
pub(super) async fn find_in<E, K>(
    db: &impl ConnectionTrait,
    column: E::Column,
    keys: &[K],
    also: Condition,
) -> Result<Vec<E::Model>, AppError>
where
    E: EntityTrait,
    K: Clone + Into<Value>,
{
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let rows = E::find()
            .filter(column.is_in(chunk.iter().cloned()))
            .filter(also.clone())
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// A live topic with its roadmap; `None` when the topic is missing, deleted, or its roadmap is a
/// draft the caller may not see.
pub async fn live_topic(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    key: &TopicKey,
) -> Result<Option<(topics::Model, roadmaps::Model)>, AppError> {
    Ok(with_roadmap(live_topic_query(access, key).one(db).await?))
}

/// [`live_topic`] in the statement that takes the user's write locks on PostgreSQL
/// ([`super::locks::user_lock_exprs`]): the first statement of a write's transaction. The locks
/// are taken only when the topic is found.
pub(super) async fn live_topic_locking(
    txn: &impl ConnectionTrait,
    access: &CatalogAccess,
    key: &TopicKey,
    locks: [sea_orm::sea_query::SimpleExpr; 3],
) -> Result<Option<(topics::Model, roadmaps::Model)>, AppError> {
    use sea_orm::QuerySelect;
    let [user, links, plans] = locks;
    let query = live_topic_query(access, key)
        .expr_as(user, "user_lock")
        .expr_as(links, "link_lock")
        .expr_as(plans, "generic_plans");
    Ok(with_roadmap(query.one(txn).await?))
}

/// The live topic `key` with its roadmap, if the caller may track it.
fn live_topic_query(
    access: &CatalogAccess,
    key: &TopicKey,
) -> sea_orm::SelectTwo<topics::Entity, roadmaps::Entity> {
    topics::Entity::find_by_id(key.clone())
        .filter(topics::Column::DeletedAt.is_null())
        .find_also_related(roadmaps::Entity)
        .filter(access.tracking().condition())
}

/// The topic when its roadmap came with it (the join is an inner one in effect: the tracking
/// condition is on the roadmap).
fn with_roadmap(
    row: Option<(topics::Model, Option<roadmaps::Model>)>,
) -> Option<(topics::Model, roadmaps::Model)> {
    match row {
        Some((t, Some(r))) => Some((t, r)),
        _ => None,
    }
}

/// A roadmap the caller may read.
pub async fn roadmap(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    id: RoadmapId,
) -> Result<Option<roadmaps::Model>, AppError> {
    Ok(roadmaps::Entity::find_by_id(id)
        .filter(access.tracking().condition())
        .one(db)
        .await?)
}

/// Roadmaps the caller may read, by slug.
pub async fn roadmaps_by_slug(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    slugs: &[String],
) -> Result<HashMap<String, roadmaps::Model>, AppError> {
    let rows = find_in::<roadmaps::Entity, _>(
        db,
        roadmaps::Column::Slug,
        slugs,
        access.tracking().condition(),
    )
    .await?;
    Ok(rows.into_iter().map(|r| (r.slug.clone(), r)).collect())
}

/// Live topics among `keys`, by id: of one roadmap, or of any when `roadmap_id` is `None`.
pub async fn live_topics(
    db: &impl ConnectionTrait,
    roadmap_id: Option<RoadmapId>,
    keys: &[TopicKey],
) -> Result<HashMap<TopicKey, topics::Model>, AppError> {
    let mut also = topics::Column::DeletedAt.is_null().into_condition();
    if let Some(id) = roadmap_id {
        also = also.add(topics::Column::RoadmapId.eq(id));
    }
    let rows = find_in::<topics::Entity, _>(db, topics::Column::Id, keys, also).await?;
    Ok(rows.into_iter().map(|t| (t.id.clone(), t)).collect())
}

/// Which of these roadmaps the caller may track (see [`CatalogAccess::tracking`]).
pub async fn readable(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    ids: &[RoadmapId],
) -> Result<std::collections::HashSet<RoadmapId>, AppError> {
    let rows = find_in::<roadmaps::Entity, _>(
        db,
        roadmaps::Column::Id,
        ids,
        access.tracking().condition(),
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
