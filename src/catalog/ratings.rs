//! Learners' ratings of community roadmaps (1 to 5 stars and an optional comment): who may rate
//! what, the upsert, and the batch reads behind `Roadmap.rating` and `Roadmap.myRating`.
use std::collections::HashMap;

use chrono::Utc;
use entity::enums::{RoadmapStatus, Visibility};
use entity::ids::{RoadmapId, UserId};
use entity::{roadmap_ratings, roadmaps};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, TransactionTrait,
};

use crate::auth::{CatalogAccess, Learner};
use crate::db::sql::Sql;
use crate::error::{AppError, Input, Words};

/// The longest comment a rating may carry, in characters.
pub const MAX_FEEDBACK_CHARS: usize = 2000;

/// The ratings of one roadmap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RatingSummary {
    /// How many learners rated it.
    pub count: i64,
    /// How many gave 1, 2, 3, 4 and 5 stars.
    pub distribution: [i64; 5],
}

impl RatingSummary {
    /// The plain mean; `None` without ratings. Computed from the distribution so that the three
    /// figures a client shows always agree.
    pub fn average(&self) -> Option<f64> {
        let sum: i64 = (1..=5).zip(self.distribution).map(|(s, n)| s * n).sum();
        (self.count > 0).then(|| sum as f64 / self.count as f64)
    }
}

/// A validated rating: 1..=5 stars and a trimmed comment (`None` when empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRating {
    rating: i32,
    feedback: Option<String>,
}

impl NewRating {
    /// Errors name the argument at fault (`rating`, `feedback`).
    pub fn parse(rating: i32, feedback: Option<String>) -> Result<Self, AppError> {
        if !(1..=5).contains(&rating) {
            return Err(AppError::bad_input(
                Input::Rating,
                Words::quoted(Input::Rating).then(" must be between 1 and 5"),
            ));
        }
        let feedback = feedback
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty());
        if let Some(f) = &feedback {
            crate::text::text(f, MAX_FEEDBACK_CHARS).map_err(|r| r.at(Input::Feedback))?;
        }
        Ok(Self { rating, feedback })
    }
}

fn not_found(id: RoadmapId) -> AppError {
    AppError::NotFound(format!("roadmap {id} not found"))
}

/// Why `access` may not rate `roadmap` (the upsert's condition failed). A roadmap the caller
/// cannot read is not found, never forbidden, so a PRIVATE roadmap's existence does not leak.
fn refusal(access: &CatalogAccess, roadmap: Option<roadmaps::Model>, id: RoadmapId) -> AppError {
    match roadmap {
        // An UNLISTED roadmap the caller follows passes the upsert's rule unless it is their own,
        // which they can read anyway.
        Some(m) if access.can_read(&m) => {
            if m.is_official() {
                AppError::bad_input(
                    Input::Roadmap,
                    "official roadmaps are not rated: ratings are for community roadmaps",
                )
            } else if access.owns(&m) {
                AppError::Forbidden("you cannot rate your own roadmap".to_owned())
            } else if access.in_team_of(&m) {
                AppError::Forbidden("you cannot rate your own team's roadmap".to_owned())
            } else {
                // An admin reading someone's PRIVATE roadmap or draft: nobody else can rate it.
                AppError::bad_input(
                    Input::Roadmap,
                    "only published PUBLIC or UNLISTED community roadmaps can be rated",
                )
            }
        }
        _ => not_found(id),
    }
}

/// Who may rate what, pushed as a condition over the roadmaps table aliased `r`: a roadmap the
/// caller can read with tracking access (so UNLISTED ones reached by their link count: the
/// learner follows them like any other), owned by someone else or by a team they are not in (a
/// learner does not rate their own work), published and PUBLIC or UNLISTED (a PRIVATE roadmap or
/// a draft has no audience to rate it for, even when an admin can read it). Official roadmaps are
/// not rated. The caller and the enum values are bound, not written into the text.
fn push_ratable(q: &mut Sql, access: &CatalogAccess, user_id: UserId) {
    q.push(&access.tracking().sql_filter("r"))
        .push(
            " AND (r.owner_id IS NOT NULL OR r.team_id IS NOT NULL) \
             AND (r.owner_id IS NULL OR r.owner_id <> ",
        )
        .bind(user_id)
        .push(
            ") AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = r.team_id \
             AND tm.user_id = ",
        )
        .bind(user_id)
        .push(") AND r.status = ")
        .bind(RoadmapStatus::Published.to_value())
        .push(" AND r.visibility IN (")
        .bind(Visibility::Public.to_value())
        .push(", ")
        .bind(Visibility::Unlisted.to_value())
        .push(")");
}

/// Rates a roadmap, or replaces the learner's earlier rating of it (its `created_at` stays,
/// `updated_at` moves). One transaction whose first statement is the upsert, with the rule in its
/// `WHERE`: it takes the write lock before anything is read (on SQLite a read first could not
/// upgrade under a concurrent writer), and the roadmap cannot change between check and write.
/// Returns the roadmap. `access` is the learner's own.
pub async fn rate(
    db: &DatabaseConnection,
    access: &CatalogAccess,
    learner: &Learner,
    roadmap_id: RoadmapId,
    rating: NewRating,
) -> Result<roadmaps::Model, AppError> {
    let user_id = learner.user_id();
    let now = Utc::now();
    let txn = db.begin().await?;
    let mut q = Sql::new(txn.get_database_backend());
    q.push(
        "INSERT INTO roadmap_ratings \
         (roadmap_id, user_id, rating, feedback, created_at, updated_at) SELECT r.id, ",
    )
    .bind(user_id)
    .push(", ")
    .bind(rating.rating)
    .push(", ")
    .bind(rating.feedback)
    .push(", ")
    .bind(now)
    .push(", ")
    .bind(now)
    .push(" FROM roadmaps r WHERE r.id = ")
    .bind(roadmap_id)
    .push(" AND ");
    push_ratable(&mut q, access, user_id);
    // SQLite needs the WHERE above to read ON CONFLICT as the upsert, not a join constraint.
    q.push(
        " ON CONFLICT (roadmap_id, user_id) DO UPDATE SET rating = excluded.rating, \
         feedback = excluded.feedback, updated_at = excluded.updated_at",
    );
    let written = txn.execute(q.build()).await?.rows_affected();
    let roadmap = roadmaps::Entity::find_by_id(roadmap_id).one(&txn).await?;
    if written == 0 {
        return Err(refusal(access, roadmap, roadmap_id));
    }
    txn.commit().await?;
    roadmap.ok_or_else(|| not_found(roadmap_id))
}

/// Removes the learner's rating of a roadmap they can read (nothing to remove is not an error).
/// One transaction, the delete first (see [`rate`]). Returns the roadmap.
pub async fn unrate(
    db: &DatabaseConnection,
    access: &CatalogAccess,
    learner: &Learner,
    roadmap_id: RoadmapId,
) -> Result<roadmaps::Model, AppError> {
    let txn = db.begin().await?;
    roadmap_ratings::Entity::delete_many()
        .filter(roadmap_ratings::Column::RoadmapId.eq(roadmap_id))
        .filter(roadmap_ratings::Column::UserId.eq(learner.user_id()))
        .exec(&txn)
        .await?;
    let roadmap = roadmaps::Entity::find_by_id(roadmap_id)
        .filter(access.tracking().condition())
        .one(&txn)
        .await?
        .ok_or_else(|| not_found(roadmap_id))?;
    txn.commit().await?;
    Ok(roadmap)
}

#[derive(FromQueryResult)]
struct StarsRow {
    roadmap_id: RoadmapId,
    rating: i32,
    n: i64,
}

/// The rating summary of each roadmap (an empty one for a roadmap without ratings): one
/// statement per batch.
pub async fn summaries(
    db: &impl ConnectionTrait,
    ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, RatingSummary>, AppError> {
    let rows = roadmap_ratings::Entity::find()
        .select_only()
        .column(roadmap_ratings::Column::RoadmapId)
        .column(roadmap_ratings::Column::Rating)
        .column_as(roadmap_ratings::Column::UserId.count(), "n")
        .filter(roadmap_ratings::Column::RoadmapId.is_in(ids.iter().copied()))
        .group_by(roadmap_ratings::Column::RoadmapId)
        .group_by(roadmap_ratings::Column::Rating)
        .into_model::<StarsRow>()
        .all(db)
        .await?;
    let mut out: HashMap<RoadmapId, RatingSummary> =
        ids.iter().map(|k| (*k, RatingSummary::default())).collect();
    for row in rows {
        // Stars outside 1..=5 cannot be written; skip rather than fail a read if one ever is.
        let Some(slot) = usize::try_from(row.rating - 1).ok().filter(|i| *i < 5) else {
            continue;
        };
        let s = out.entry(row.roadmap_id).or_default();
        s.distribution[slot] += row.n;
        s.count += row.n;
    }
    Ok(out)
}

/// The stars `user_id` gave each of these roadmaps (absent when not rated): one statement.
pub async fn mine(
    db: &impl ConnectionTrait,
    user_id: UserId,
    ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, i32>, AppError> {
    let rows = roadmap_ratings::Entity::find()
        .filter(roadmap_ratings::Column::UserId.eq(user_id))
        .filter(roadmap_ratings::Column::RoadmapId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.roadmap_id, r.rating)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_checked_and_feedback_trimmed() {
        for bad in [0, 6, -1] {
            assert!(matches!(
                NewRating::parse(bad, None),
                Err(AppError::BadInput { field: Some(f), .. }) if f == Input::Rating.into()
            ));
        }
        let r = NewRating::parse(5, Some("  great  ".into())).unwrap();
        assert_eq!(r.feedback.as_deref(), Some("great"));
        assert_eq!(
            NewRating::parse(1, Some("   ".into())).unwrap().feedback,
            None
        );
        let long = "é".repeat(MAX_FEEDBACK_CHARS);
        assert!(NewRating::parse(3, Some(long.clone())).is_ok());
        assert!(NewRating::parse(3, Some(long + "x")).is_err());
    }

    #[test]
    fn average_comes_from_the_distribution() {
        let s = RatingSummary {
            count: 3,
            distribution: [0, 0, 1, 0, 2],
        };
        assert!((s.average().unwrap() - 13.0 / 3.0).abs() < 1e-9);
        assert_eq!(RatingSummary::default().average(), None);
    }
}
