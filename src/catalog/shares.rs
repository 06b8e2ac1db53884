//! Who follows an UNLISTED roadmap: the learners who opened its share link while signed in (see
//! `CatalogAccess::can_track`). Following is what lets them record progress on it; a new token
//! (`regenerateShareToken`) ends every follow, as it ends every old link.
use std::collections::HashSet;

use entity::ids::{RoadmapId, UserId};
use entity::roadmap_shares;
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::AppError;

/// Records that the user opened the roadmap's link; false when they already follow it.
pub async fn follow(
    db: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
    user_id: UserId,
) -> Result<bool, AppError> {
    let inserted = roadmap_shares::Entity::insert(roadmap_shares::ActiveModel {
        roadmap_id: Set(roadmap_id),
        user_id: Set(user_id),
        created_at: Set(chrono::Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            roadmap_shares::Column::RoadmapId,
            roadmap_shares::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}

/// The roadmaps the user follows.
pub async fn followed_by(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<HashSet<RoadmapId>, AppError> {
    Ok(roadmap_shares::Entity::find()
        .select_only()
        .column(roadmap_shares::Column::RoadmapId)
        .filter(roadmap_shares::Column::UserId.eq(user_id))
        .into_tuple::<RoadmapId>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Ends every follow of the roadmap (its link changed).
pub async fn clear(txn: &impl ConnectionTrait, roadmap_id: RoadmapId) -> Result<(), AppError> {
    roadmap_shares::Entity::delete_many()
        .filter(roadmap_shares::Column::RoadmapId.eq(roadmap_id))
        .exec(txn)
        .await?;
    Ok(())
}
