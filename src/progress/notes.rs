//! Private notes on topics: the check of a note, the write (newest wins), and the per-roadmap read.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::{topic_notes, topics};
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

use super::locks::{lock_user, write_turn};
use super::merge;
use super::types::Skipped;
use crate::error::{AppError, Field, Input};

/// Longest private note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Notes one learner may keep, on all topics together.
pub const MAX_NOTES_PER_USER: i64 = 5_000;
/// Characters of all of one learner's notes together.
pub const MAX_NOTE_CHARS_PER_USER: i64 = 1_000_000;

/// Refuses a write (inside its transaction, after it) that left the learner with more notes, or
/// more characters of notes, than the per-user quota; the caller's transaction then rolls back.
pub(super) async fn check_quota(
    db: &impl ConnectionTrait,
    user_id: UserId,
    field: Input,
) -> Result<(), AppError> {
    use sea_orm::sea_query::Expr;
    use sea_orm::QuerySelect;
    let (count, chars): (i64, i64) = topic_notes::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "count")
        .column_as(Expr::cust("COALESCE(SUM(LENGTH(note)), 0)"), "chars")
        .filter(topic_notes::Column::UserId.eq(user_id))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, 0));
    if count > MAX_NOTES_PER_USER || chars > MAX_NOTE_CHARS_PER_USER {
        return Err(AppError::bad_input(
            field,
            format!(
                "your notes may hold at most {MAX_NOTES_PER_USER} notes and \
                 {MAX_NOTE_CHARS_PER_USER} characters in all: shorten or clear some first"
            ),
        ));
    }
    Ok(())
}

/// Checks a note and normalises "nothing" (null, empty, blank) to `None`.
pub fn check_note(
    note: Option<String>,
    field: impl Into<Field>,
) -> Result<Option<String>, AppError> {
    let Some(note) = note else { return Ok(None) };
    if note.trim().is_empty() {
        return Ok(None);
    }
    crate::text::text(&note, MAX_NOTE_CHARS).map_err(|r| r.at(field))?;
    Ok(Some(note))
}

/// What [`merge_note`] did.
pub(super) enum NoteMerge {
    /// The note was set or cleared; `changed` is false when clearing a note there was not.
    Written { changed: bool },
    /// A newer note is stored (its text): nothing was written.
    Skipped { stored: String, skipped: Skipped },
}

/// Sets or clears a learner's note unless a note written later is stored (offline merge, see
/// [`super::merge`]): one transaction under the user's lock, so the comparison and the write
/// cannot be split by another device's write. `at` is when the learner made the change (their
/// device's clock); `None` is the time the write got the lock.
pub(super) async fn merge_note(
    db: &DatabaseConnection,
    user_id: UserId,
    topic: &topics::Model,
    note: Option<&str>,
    at: Option<DateTime<Utc>>,
) -> Result<NoteMerge, AppError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_user(&txn, user_id).await?;
    let now = merge::micros(Utc::now());
    let at = at.unwrap_or(now);
    let stored = topic_notes::Entity::find_by_id((user_id, topic.id.clone()))
        .one(&txn)
        .await?;
    if let Some(row) = stored {
        let stored_at = row.changed_at.unwrap_or(row.updated_at);
        if let Some(skipped) = merge::skip(&topic.id, at, stored_at, None) {
            txn.commit().await?;
            return Ok(NoteMerge::Skipped {
                stored: row.note,
                skipped,
            });
        }
    }
    let changed = set_note(&txn, user_id, topic, note, now, at).await?;
    if note.is_some() {
        check_quota(&txn, user_id, Input::Note).await?;
    }
    txn.commit().await?;
    Ok(NoteMerge::Written { changed })
}

/// Sets or clears a note (one statement), with the server time of the write (`updated_at`) and
/// the time of the change (`changed_at`). Returns whether anything changed.
pub(super) async fn set_note(
    db: &impl ConnectionTrait,
    user_id: UserId,
    topic: &topics::Model,
    note: Option<&str>,
    updated_at: DateTime<Utc>,
    changed_at: DateTime<Utc>,
) -> Result<bool, AppError> {
    let affected = match note {
        Some(note) => {
            topic_notes::Entity::insert(topic_notes::ActiveModel {
                user_id: Set(user_id),
                topic_id: Set(topic.id.clone()),
                roadmap_id: Set(topic.roadmap_id),
                note: Set(note.to_owned()),
                updated_at: Set(updated_at),
                changed_at: Set(Some(changed_at)),
            })
            .on_conflict(
                OnConflict::columns([topic_notes::Column::UserId, topic_notes::Column::TopicId])
                    .update_columns([
                        topic_notes::Column::RoadmapId,
                        topic_notes::Column::Note,
                        topic_notes::Column::UpdatedAt,
                        topic_notes::Column::ChangedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?
        }
        None => {
            topic_notes::Entity::delete_many()
                .filter(topic_notes::Column::UserId.eq(user_id))
                .filter(topic_notes::Column::TopicId.eq(topic.id.clone()))
                .exec(db)
                .await?
                .rows_affected
        }
    };
    Ok(affected > 0)
}

/// Notes of one user on each roadmap, in one statement.
pub async fn notes(
    db: &impl ConnectionTrait,
    user_id: UserId,
    roadmap_ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, HashMap<TopicKey, String>>, AppError> {
    let mut out: HashMap<RoadmapId, HashMap<TopicKey, String>> =
        roadmap_ids.iter().map(|id| (*id, HashMap::new())).collect();
    if roadmap_ids.is_empty() {
        return Ok(out);
    }
    let rows = topic_notes::Entity::find()
        .filter(topic_notes::Column::UserId.eq(user_id))
        .filter(topic_notes::Column::RoadmapId.is_in(roadmap_ids.iter().copied()))
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.roadmap_id)
            .or_default()
            .insert(row.topic_id, row.note);
    }
    Ok(out)
}
