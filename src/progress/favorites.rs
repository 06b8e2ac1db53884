//! Favourite roadmaps.
use chrono::{DateTime, Utc};
use entity::favorite_roadmaps;
use entity::ids::{RoadmapId, UserId};
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

use super::counts::counts_of;
use super::locks::write_turn;
use super::types::Counts;
use crate::error::AppError;

/// Adds a favourite unless it is one already; returns how many rows it added (0 or 1).
pub(super) async fn add(
    db: &impl ConnectionTrait,
    user_id: UserId,
    roadmap_id: RoadmapId,
    at: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(
        favorite_roadmaps::Entity::insert(favorite_roadmaps::ActiveModel {
            user_id: Set(user_id),
            roadmap_id: Set(roadmap_id),
            created_at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([
                favorite_roadmaps::Column::UserId,
                favorite_roadmaps::Column::RoadmapId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?,
    )
}

/// Adds or removes a favourite; returns whether anything changed, and the counts after.
pub(super) async fn set_favorite(
    db: &DatabaseConnection,
    user_id: UserId,
    roadmap_id: RoadmapId,
    favorite: bool,
) -> Result<(bool, Counts), AppError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let changed = if favorite {
        add(&txn, user_id, roadmap_id, Utc::now()).await? > 0
    } else {
        favorite_roadmaps::Entity::delete_many()
            .filter(favorite_roadmaps::Column::UserId.eq(user_id))
            .filter(favorite_roadmaps::Column::RoadmapId.eq(roadmap_id))
            .exec(&txn)
            .await?
            .rows_affected
            > 0
    };
    let counts = counts_of(&txn, user_id, roadmap_id).await?;
    txn.commit().await?;
    Ok((changed, counts))
}
