//! The rows `exportMyProgress` is built from.
use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::{favorite_roadmaps, roadmaps};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};

use crate::auth::CatalogAccess;
use crate::db::sql::Sql;
use crate::error::AppError;

#[derive(Debug, Clone, FromQueryResult)]
pub struct ExportRow {
    pub roadmap_id: RoadmapId,
    pub slug: String,
    pub roadmap_title: String,
    pub topic_id: TopicKey,
    pub topic_title: String,
    pub status: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub note_updated_at: Option<DateTime<Utc>>,
}

/// Everything to export: every live topic with a status or a note, plus favourites without any,
/// on the roadmaps `access` may track (a status fanned out to a topic linked on a roadmap the
/// learner cannot see stays out: its slug and titles are not theirs to read, and an import of
/// the document would refuse the unknown roadmap).
pub async fn export_rows(
    db: &impl ConnectionTrait,
    user_id: UserId,
    access: &CatalogAccess,
) -> Result<(Vec<ExportRow>, Vec<roadmaps::Model>), AppError> {
    let access = access.tracking();
    let backend = db.get_database_backend();
    // Statuses and notes in one pass: the union of their (user, topic) keys, joined back to both.
    let mut q = Sql::new(backend);
    q.push(
        "SELECT r.id AS roadmap_id, r.slug AS slug, r.title AS roadmap_title, \
         t.id AS topic_id, t.title AS topic_title, p.status AS status, p.updated_at AS updated_at, \
         n.note AS note, n.updated_at AS note_updated_at \
         FROM topics t JOIN roadmaps r ON r.id = t.roadmap_id AND ",
    )
    .push(&access.sql_filter("r"))
    .push(" LEFT JOIN progress p ON p.topic_id = t.id AND p.user_id = ")
    .bind(user_id)
    .push(
        " AND p.archived_at IS NULL LEFT JOIN topic_notes n ON n.topic_id = t.id AND n.user_id = ",
    )
    .bind(user_id)
    .push(
        " WHERE t.deleted_at IS NULL AND (p.topic_id IS NOT NULL OR n.topic_id IS NOT NULL) \
         ORDER BY r.slug, t.position, t.id",
    );
    let rows = ExportRow::find_by_statement(q.build()).all(db).await?;
    let favs = favorite_roadmaps::Entity::find()
        .filter(favorite_roadmaps::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let fav_ids: Vec<RoadmapId> = favs.iter().map(|f| f.roadmap_id).collect();
    let fav_roadmaps = if fav_ids.is_empty() {
        Vec::new()
    } else {
        roadmaps::Entity::find()
            .filter(roadmaps::Column::Id.is_in(fav_ids))
            .filter(access.condition())
            .all(db)
            .await?
    };
    Ok((rows, fav_roadmaps))
}
