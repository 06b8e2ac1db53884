//! Public profiles: what anyone may see of a learner who opted in (`PUBLIC`), and only that.
//! A private or unknown profile is `None`, whoever asks (admins included).
//!
//! The roadmaps shown to others are the learner's [`Showcase`]: the ones they have progress on,
//! as their profile settings select them, that anonymous readers may read. Every viewer (a
//! teammate, an admin) sees the same, so the profile, the badge and the leaderboard count the
//! same things. The learner alone also sees, on their own profile, the roadmaps they may read
//! (their private and team ones) within their selection. Two statements: the user, then the
//! roadmaps with their counts.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::enums::{ProfileRoadmaps, ProfileVisibility};
use entity::ids::{RoadmapId, UserId};
use entity::{roadmaps, users};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};

use super::showcase::Showcase;
use super::stats::streak_of;
use super::types::Counts;
use crate::auth::CatalogAccess;
use crate::catalog::links::{uncounted_topics, REPEATED_TOPICS};
use crate::db::sql::Sql;
use crate::error::AppError;

/// A public profile as a viewer may see it.
#[derive(Debug, Clone)]
pub struct PublicProfile {
    pub user: Arc<users::Model>,
    pub links: Vec<String>,
    /// Current and longest streak, in the user's time zone.
    pub streak: (i32, i32),
    /// The roadmaps shown, most recently updated first.
    pub roadmaps: Vec<ProfileRoadmap>,
}

/// One roadmap of a public profile, with the learner's counts on it.
#[derive(Debug, Clone)]
pub struct ProfileRoadmap {
    pub roadmap_id: RoadmapId,
    pub slug: String,
    pub title: String,
    pub counts: Counts,
}

impl PublicProfile {
    /// DONE topics over every roadmap shown.
    pub fn done(&self) -> i64 {
        self.roadmaps.iter().map(|r| r.counts.done).sum()
    }
}

/// The user with this username (case-insensitive) when their profile is public.
pub async fn public_user(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<users::Model>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::UsernameKey.eq(username.trim().to_lowercase()))
        .filter(users::Column::ProfileVisibility.eq(ProfileVisibility::Public))
        .one(db)
        .await?)
}

/// The public profile of `username` as `access` may see it; `None` when private or unknown.
pub async fn public_profile(
    db: &impl ConnectionTrait,
    username: &str,
    access: &CatalogAccess,
    now: DateTime<Utc>,
) -> Result<Option<PublicProfile>, AppError> {
    let Some(user) = public_user(db, username).await? else {
        return Ok(None);
    };
    let roadmaps = if access.viewer_id() == Some(user.id) {
        own_view(db, &user, access).await?
    } else {
        // Others (admins and teammates included) see the showcase only.
        shown_roadmaps(db, user.id, &Showcase::of(&user).sql_filter("r")).await?
    };
    Ok(Some(PublicProfile {
        links: serde_json::from_str(&user.profile_links).unwrap_or_default(),
        streak: streak_of(&user, now),
        user: Arc::new(user),
        roadmaps,
    }))
}

/// The learner's own view of their profile: their selection among the roadmaps they may read.
async fn own_view(
    db: &impl ConnectionTrait,
    user: &users::Model,
    access: &CatalogAccess,
) -> Result<Vec<ProfileRoadmap>, AppError> {
    let selected: Vec<i32> = serde_json::from_str(&user.profile_roadmap_ids).unwrap_or_default();
    let readable = access.sql_filter("r");
    let filter = match user.profile_roadmaps {
        ProfileRoadmaps::None => return Ok(Vec::new()),
        ProfileRoadmaps::Selected if selected.is_empty() => return Ok(Vec::new()),
        ProfileRoadmaps::Selected => {
            let ids: Vec<String> = selected.iter().map(i32::to_string).collect();
            format!("{readable} AND r.id IN ({})", ids.join(", "))
        }
        ProfileRoadmaps::All => readable,
    };
    shown_roadmaps(db, user.id, &filter).await
}

#[derive(FromQueryResult)]
struct ShownRow {
    roadmap_id: RoadmapId,
    slug: String,
    title: String,
    total: i64,
    done: i64,
    learning: i64,
    skipped: i64,
    updated_at: Option<DateTime<Utc>>,
}

/// The roadmaps a user has live progress on that pass `filter` (a SQL condition on `r`), with
/// their counts, in one statement (same sets as [`super::counts::counts`]).
async fn shown_roadmaps(
    db: &impl ConnectionTrait,
    user_id: UserId,
    filter: &str,
) -> Result<Vec<ProfileRoadmap>, AppError> {
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT r.id AS roadmap_id, r.slug AS slug, r.title AS title, \
         (SELECT COUNT(*) FROM topics t WHERE t.roadmap_id = r.id AND t.deleted_at IS NULL \
         AND t.id NOT IN (",
    )
    .push(REPEATED_TOPICS)
    .push(
        ")) AS total, s.done AS done, s.learning AS learning, s.skipped AS skipped, \
         s.updated_at AS updated_at \
         FROM (SELECT p.roadmap_id AS roadmap_id, \
         CAST(SUM(CASE WHEN p.status = 'DONE' THEN 1 ELSE 0 END) AS BIGINT) AS done, \
         CAST(SUM(CASE WHEN p.status = 'LEARNING' THEN 1 ELSE 0 END) AS BIGINT) AS learning, \
         CAST(SUM(CASE WHEN p.status = 'SKIPPED' THEN 1 ELSE 0 END) AS BIGINT) AS skipped, \
         MAX(p.updated_at) AS updated_at \
         FROM progress p WHERE p.topic_id NOT IN (",
    )
    .push(&uncounted_topics())
    .push(
        ") \
         AND p.user_id = ",
    )
    .bind(user_id)
    .push(" AND p.archived_at IS NULL");
    q.push(" GROUP BY p.roadmap_id) s JOIN roadmaps r ON r.id = s.roadmap_id WHERE ")
        .push(filter)
        .push(" ORDER BY s.updated_at DESC, r.id DESC");
    Ok(ShownRow::find_by_statement(q.build())
        .all(db)
        .await?
        .into_iter()
        .map(|r| ProfileRoadmap {
            roadmap_id: r.roadmap_id,
            slug: r.slug,
            title: r.title,
            counts: Counts {
                total: r.total,
                done: r.done,
                learning: r.learning,
                skipped: r.skipped,
                favorite: false,
                updated_at: r.updated_at,
            },
        })
        .collect())
}

/// Which of `ids` name roadmaps `access` may read (for `profileRoadmapIds`), in one statement.
pub async fn readable_roadmaps(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    ids: &[RoadmapId],
) -> Result<Vec<RoadmapId>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(roadmaps::Entity::find()
        .filter(roadmaps::Column::Id.is_in(ids.iter().copied()))
        .filter(access.condition())
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}
