//! Per-roadmap reads of one user, for the request loaders: counts and statuses, each one
//! statement whatever the number of roadmaps.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::progress;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};

use super::types::{Counts, ProgressStatus};
use crate::catalog::links::{uncounted_topics, REPEATED_TOPICS};
use crate::db::sql::Sql;
use crate::error::AppError;

/// The columns of [`Counts`] for one roadmap, as `counts` and `reads::my_roadmaps_page` select them.
#[derive(FromQueryResult)]
pub(super) struct CountRow {
    pub roadmap_id: RoadmapId,
    total: i64,
    done: i64,
    learning: i64,
    skipped: i64,
    favorite: i64,
    updated_at: Option<DateTime<Utc>>,
}

impl From<CountRow> for Counts {
    fn from(r: CountRow) -> Self {
        Counts {
            total: r.total,
            done: r.done,
            learning: r.learning,
            skipped: r.skipped,
            favorite: r.favorite > 0,
            updated_at: r.updated_at,
        }
    }
}

/// Counts of one user on each roadmap, in one statement. `total` and the statuses range over the
/// same set, the live topics less the repeats of another topic of their roadmap (one subject
/// counts once), so `done == total` is reachable; archived rows and rows of deleted or repeated
/// topics count nowhere. Roadmaps that do not exist are absent from the map.
pub async fn counts(
    db: &impl ConnectionTrait,
    user_id: UserId,
    roadmap_ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, Counts>, AppError> {
    if roadmap_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = Sql::new(db.get_database_backend());
    push_counts(&mut q, user_id, roadmap_ids, None);
    let rows = CountRow::find_by_statement(q.build()).all(db).await?;
    Ok(rows.into_iter().map(|r| (r.roadmap_id, r.into())).collect())
}

/// Appends the `SELECT` of [`counts`] (the columns of [`CountRow`]). `rows`, when given, writes
/// the relation the statuses are counted over instead of the user's live rows in `progress`: a
/// parenthesised subquery of `topic_id, roadmap_id, status, updated_at`, the user's live rows on
/// `roadmap_ids` only (a write counts what it is about to store this way, in its own statement).
pub(super) fn push_counts(
    q: &mut Sql,
    user_id: UserId,
    roadmap_ids: &[RoadmapId],
    rows: Option<&dyn Fn(&mut Sql)>,
) {
    // Each side is aggregated per roadmap before the 1:1 joins, so the plan stays linear even
    // when the planner's statistics are stale (right after an import, say). Progress on deleted
    // topics is left out by probing the (nearly always empty) partial index of deleted topics
    // rather than joining every row to `topics`: 5x cheaper at 2,000 rows. A topic never changes
    // roadmap, so a progress row's roadmap_id is its topic's.
    let ids = || roadmap_ids.iter().copied();
    q.push(
        "SELECT r.id AS roadmap_id, COALESCE(c.total, 0) AS total, \
         COALESCE(s.done, 0) AS done, COALESCE(s.learning, 0) AS learning, \
         COALESCE(s.skipped, 0) AS skipped, s.updated_at AS updated_at, \
         CAST(CASE WHEN f.roadmap_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS favorite \
         FROM roadmaps r \
         LEFT JOIN (SELECT roadmap_id, COUNT(*) AS total FROM topics \
         WHERE deleted_at IS NULL AND id NOT IN (",
    )
    .push(REPEATED_TOPICS)
    .push(") AND roadmap_id IN ")
    .bind_list(ids())
    .push(
        " GROUP BY roadmap_id) c ON c.roadmap_id = r.id \
         LEFT JOIN (SELECT p.roadmap_id AS roadmap_id, \
         SUM(CASE WHEN p.status = 'DONE' THEN 1 ELSE 0 END) AS done, \
         SUM(CASE WHEN p.status = 'LEARNING' THEN 1 ELSE 0 END) AS learning, \
         SUM(CASE WHEN p.status = 'SKIPPED' THEN 1 ELSE 0 END) AS skipped, \
         MAX(p.updated_at) AS updated_at FROM ",
    );
    match rows {
        Some(rows) => {
            rows(q);
            q.push(" p WHERE p.topic_id NOT IN (")
                .push(&uncounted_topics())
                .push(")");
        }
        None => {
            q.push("progress p WHERE p.topic_id NOT IN (")
                .push(&uncounted_topics())
                .push(") AND p.user_id = ")
                .bind(user_id)
                .push(" AND p.archived_at IS NULL AND p.roadmap_id IN ")
                .bind_list(ids());
        }
    }
    q.push(
        " GROUP BY p.roadmap_id) s ON s.roadmap_id = r.id \
         LEFT JOIN favorite_roadmaps f ON f.roadmap_id = r.id AND f.user_id = ",
    )
    .bind(user_id)
    .push(" WHERE r.id IN ")
    .bind_list(ids());
}

/// Counts of one user on one roadmap (all zero when it does not exist).
pub(super) async fn counts_of(
    db: &impl ConnectionTrait,
    user_id: UserId,
    roadmap_id: RoadmapId,
) -> Result<Counts, AppError> {
    Ok(counts(db, user_id, &[roadmap_id])
        .await?
        .remove(&roadmap_id)
        .unwrap_or_default())
}

/// Statuses of one user on the live topics of each roadmap, in one statement.
pub async fn statuses(
    db: &impl ConnectionTrait,
    user_id: UserId,
    roadmap_ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, HashMap<TopicKey, ProgressStatus>>, AppError> {
    let mut out: HashMap<RoadmapId, HashMap<TopicKey, ProgressStatus>> =
        roadmap_ids.iter().map(|id| (*id, HashMap::new())).collect();
    if roadmap_ids.is_empty() {
        return Ok(out);
    }
    let rows = progress::Entity::find()
        .filter(progress::Column::UserId.eq(user_id))
        .filter(progress::Column::RoadmapId.is_in(roadmap_ids.iter().copied()))
        .filter(progress::Column::ArchivedAt.is_null())
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.roadmap_id)
            .or_default()
            .insert(row.topic_id, row.status);
    }
    Ok(out)
}
