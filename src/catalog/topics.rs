//! Single topic and resource look-ups by id (trees are read whole, see `tree`).
use entity::ids::{ResourceId, TopicKey};
use entity::{resources, topics};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::error::AppError;

/// A topic that has not been deleted; its roadmap's visibility is the caller's to check.
pub async fn live_by_key(
    db: &impl ConnectionTrait,
    key: &TopicKey,
) -> Result<Option<topics::Model>, AppError> {
    Ok(topics::Entity::find_by_id(key.clone())
        .one(db)
        .await?
        .filter(|t| t.deleted_at.is_none()))
}

/// A live topic, or NOT_FOUND: what every edit of a topic or its resources starts from.
pub async fn require_live(
    db: &impl ConnectionTrait,
    key: &TopicKey,
) -> Result<topics::Model, AppError> {
    live_by_key(db, key).await?.ok_or_else(|| not_found(key))
}

pub fn not_found(key: &TopicKey) -> AppError {
    AppError::NotFound(format!("topic `{key}` not found"))
}

/// A resource by id; its topic's and roadmap's visibility are the caller's to check.
pub async fn resource_by_id(
    db: &impl ConnectionTrait,
    id: ResourceId,
) -> Result<Option<resources::Model>, AppError> {
    Ok(resources::Entity::find_by_id(id).one(db).await?)
}
