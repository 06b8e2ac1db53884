//! Reads across the user's roadmaps: the roadmaps they follow (`me.progress`), their history
//! (`me.activity`) and what the streak is computed from.
use chrono::{DateTime, Utc};
use entity::ids::{ProgressEventId, RoadmapId, TopicKey, UserId};
use entity::progress_events;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter};

use super::counts::CountRow;
use super::types::{stored_status, Counts, ProgressStatus};
use crate::auth::CatalogAccess;
use crate::catalog::links::{uncounted_topics, REPEATED_TOPICS};
use crate::db::sql::Sql;
use crate::error::AppError;

// ---------------------------------------------------------------------------------------------
// The user's roadmaps (`me.progress`)

#[derive(FromQueryResult)]
struct CountOnly {
    n: i64,
}

/// Appends the roadmaps a user has progress on or has favourited, one row per roadmap with the
/// time it was last updated (its favourite time when it has no progress). `with_counts` adds the
/// columns of `CountRow`, computed in the same pass over the user's progress rows (the same
/// sets as [`counts`](super::counts::counts): live topics, rows not archived).
fn push_my_roadmaps(q: &mut Sql, user_id: UserId, access: &CatalogAccess, with_counts: bool) {
    q.push("SELECT x.roadmap_id AS roadmap_id, COALESCE(MAX(x.progress_at), MAX(x.favorite_at)) AS sort_at");
    if with_counts {
        // Totals only for the rows returned; the subquery is an index-only count.
        q.push(
            ", CAST(COALESCE(SUM(x.done), 0) AS BIGINT) AS done, \
             CAST(COALESCE(SUM(x.learning), 0) AS BIGINT) AS learning, \
             CAST(COALESCE(SUM(x.skipped), 0) AS BIGINT) AS skipped, \
             MAX(x.progress_at) AS updated_at, \
             CAST(COUNT(x.favorite_at) AS BIGINT) AS favorite, \
             (SELECT COUNT(*) FROM topics t WHERE t.roadmap_id = x.roadmap_id \
             AND t.deleted_at IS NULL AND t.id NOT IN (",
        )
        .push(REPEATED_TOPICS)
        .push(")) AS total");
    } else {
        q.push(", CAST(COUNT(x.favorite_at) AS BIGINT) AS favorite");
    }
    q.push(
        " FROM (SELECT p.roadmap_id AS roadmap_id, MAX(p.updated_at) AS progress_at, \
         NULL AS favorite_at, \
         SUM(CASE WHEN p.status = 'DONE' THEN 1 ELSE 0 END) AS done, \
         SUM(CASE WHEN p.status = 'LEARNING' THEN 1 ELSE 0 END) AS learning, \
         SUM(CASE WHEN p.status = 'SKIPPED' THEN 1 ELSE 0 END) AS skipped \
         FROM progress p WHERE p.topic_id NOT IN (",
    )
    .push(&uncounted_topics())
    .push(") AND p.user_id = ")
    .bind(user_id)
    .push(
        " AND p.archived_at IS NULL GROUP BY p.roadmap_id \
         UNION ALL SELECT f.roadmap_id, NULL, f.created_at, 0, 0, 0 FROM favorite_roadmaps f \
         WHERE f.user_id = ",
    )
    .bind(user_id)
    .push(") x JOIN roadmaps r ON r.id = x.roadmap_id WHERE ")
    .push(&access.sql_filter("r"));
    q.push(" GROUP BY x.roadmap_id");
}

pub async fn my_roadmaps_count(
    db: &impl ConnectionTrait,
    user_id: UserId,
    access: &CatalogAccess,
) -> Result<u64, AppError> {
    let mut q = Sql::new(db.get_database_backend());
    q.push("SELECT COUNT(*) AS n FROM (");
    push_my_roadmaps(&mut q, user_id, access, false);
    q.push(") c");
    Ok(CountOnly::find_by_statement(q.build())
        .one(db)
        .await?
        .map(|r| r.n.max(0) as u64)
        .unwrap_or(0))
}

/// One page of the user's roadmaps, most recently updated first, each with its counts: one
/// statement, so a dashboard of 50 roadmaps does not aggregate the user's rows a second time.
pub async fn my_roadmaps_page(
    db: &impl ConnectionTrait,
    user_id: UserId,
    access: &CatalogAccess,
    offset: u64,
    limit: u64,
) -> Result<Vec<(RoadmapId, Counts)>, AppError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(db.get_database_backend());
    push_my_roadmaps(&mut q, user_id, access, true);
    q.push(" ORDER BY sort_at DESC, x.roadmap_id DESC LIMIT ")
        .bind(limit as i64)
        .push(" OFFSET ")
        .bind(offset as i64);
    Ok(CountRow::find_by_statement(q.build())
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.roadmap_id, r.into()))
        .collect())
}

/// The first `limit` roadmaps a user tracks (has progress on or has favourited) that `access`
/// admits: favourites first, then the most recently active (progress, else favourite time).
/// One statement.
pub async fn tracked_roadmaps(
    db: &impl ConnectionTrait,
    user_id: UserId,
    access: &CatalogAccess,
    limit: u64,
) -> Result<Vec<RoadmapId>, AppError> {
    #[derive(FromQueryResult)]
    struct Row {
        roadmap_id: RoadmapId,
    }
    let mut q = Sql::new(db.get_database_backend());
    q.push("SELECT roadmap_id FROM (");
    push_my_roadmaps(&mut q, user_id, access, false);
    q.push(") t ORDER BY CASE WHEN favorite > 0 THEN 0 ELSE 1 END, sort_at DESC, roadmap_id DESC LIMIT ")
        .bind(limit as i64);
    Ok(Row::find_by_statement(q.build())
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.roadmap_id)
        .collect())
}

// ---------------------------------------------------------------------------------------------
// History and streak

#[derive(Debug, Clone, FromQueryResult)]
pub struct ActivityRow {
    pub id: ProgressEventId,
    pub roadmap_id: RoadmapId,
    pub topic_id: TopicKey,
    pub from_status: String,
    pub to_status: String,
    pub created_at: DateTime<Utc>,
    pub topic_title: Option<String>,
    pub roadmap_title: Option<String>,
    pub roadmap_slug: Option<String>,
    /// Why it changed: `None` for the learner's own change, `LINKED` for a link's.
    pub cause: Option<String>,
}

impl ActivityRow {
    /// Bytes it holds, roughly (for the learners' cache, which keeps history pages).
    pub fn weight(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        160 + self.topic_id.as_str().len()
            + self.from_status.len()
            + self.to_status.len()
            + text(&self.topic_title)
            + text(&self.roadmap_title)
            + text(&self.roadmap_slug)
            + text(&self.cause)
    }
    pub fn from(&self) -> Result<ProgressStatus, AppError> {
        stored_status(&self.from_status)
    }
    pub fn to(&self) -> Result<ProgressStatus, AppError> {
        stored_status(&self.to_status)
    }
}

pub async fn activity_count(db: &impl ConnectionTrait, user_id: UserId) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait;
    Ok(progress_events::Entity::find()
        .filter(progress_events::Column::UserId.eq(user_id))
        .count(db)
        .await?)
}

/// History, newest first. Titles are the snapshot written with each event (what the learner saw
/// when they made the change), never the live ones: a roadmap renamed or hidden since must not
/// show its new name. The slug is the live one, and only while `access` may read the roadmap now
/// (null once it is private, deleted, left with a team or behind a regenerated link). Events
/// written before snapshots existed fall back to the live titles under the same condition.
pub async fn activity_page(
    db: &impl ConnectionTrait,
    user_id: UserId,
    access: &CatalogAccess,
    offset: u64,
    limit: u64,
) -> Result<Vec<ActivityRow>, AppError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let readable = format!("(r.id IS NOT NULL AND {})", access.sql_filter("r"));
    let mut q = Sql::new(db.get_database_backend());
    q.push(&format!(
        "SELECT e.id AS id, e.roadmap_id AS roadmap_id, e.topic_id AS topic_id, \
         e.from_status AS from_status, e.to_status AS to_status, e.created_at AS created_at, \
         COALESCE(e.topic_title, CASE WHEN {readable} THEN t.title END) AS topic_title, \
         COALESCE(e.roadmap_title, CASE WHEN {readable} THEN r.title END) AS roadmap_title, \
         CASE WHEN {readable} THEN r.slug END AS roadmap_slug, e.cause AS cause \
         FROM progress_events e LEFT JOIN topics t ON t.id = e.topic_id \
         LEFT JOIN roadmaps r ON r.id = e.roadmap_id WHERE e.user_id = "
    ))
    .bind(user_id)
    .push(" ORDER BY e.id DESC LIMIT ")
    .bind(limit as i64)
    .push(" OFFSET ")
    .bind(offset as i64);
    Ok(ActivityRow::find_by_statement(q.build()).all(db).await?)
}

#[derive(FromQueryResult)]
struct BucketRow {
    bucket: i64,
}

/// Seconds per activity bucket: every UTC offset in use is a multiple of 15 minutes, so a bucket
/// never straddles midnight in any time zone.
pub const BUCKET_SECS: i64 = 900;

/// The distinct 15-minute buckets (Unix seconds / 900) in which the user did anything.
pub async fn activity_buckets(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Vec<i64>, AppError> {
    let backend = db.get_database_backend();
    let mut q = Sql::new(backend);
    match backend {
        DbBackend::Postgres => q.push(
            "SELECT DISTINCT CAST(FLOOR(EXTRACT(EPOCH FROM created_at) / 900) AS BIGINT) AS bucket \
             FROM progress_events WHERE cause IS NULL AND user_id = ",
        ),
        _ => q.push(
            "SELECT DISTINCT CAST(strftime('%s', created_at) AS INTEGER) / 900 AS bucket \
             FROM progress_events WHERE cause IS NULL AND user_id = ",
        ),
    };
    q.bind(user_id);
    Ok(BucketRow::find_by_statement(q.build())
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.bucket)
        .collect())
}
