//! Status writes: one status, several on one roadmap, a roadmap reset; each with its history.
//!
//! Status writes rely on the progress row's own lock: the upsert (or the delete, for `PENDING`)
//! returns each row it changed with the status it had just before, read inside `DO UPDATE` from
//! the latest committed version (`previous_status`), and the history events are written from that.
//! So nothing is read before the write, and a concurrent writer of the same topic is simply ordered
//! by the row lock. Batch writes also take the per-user lock of [`super::locks`].
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{progress_events, roadmaps, topics};
use sea_orm::sea_query::Condition;
use sea_orm::ActiveEnum;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, TransactionTrait};

use super::counts::counts_of;
use super::locks::{lock_user, write_turn};
use super::lookups::find_in;
use super::types::{stored_status, ProgressStatus, StatusChange, WriteOutcome};
use super::CHUNK;
use crate::db::sql::Sql;
use crate::error::AppError;

/// A validated change: a live topic of the roadmap and the status wanted.
pub(super) struct Wanted<'a> {
    pub topic: &'a topics::Model,
    pub status: ProgressStatus,
    /// When the status was set (imports keep the document's time); `None` means now.
    pub at: Option<DateTime<Utc>>,
}

/// Applies the changes inside `txn`. Returns the changes made, in the order wanted.
///
/// The writes report what they changed and the status each row had just before (for an upsert,
/// `previous_status` as set inside `DO UPDATE`, from the latest committed row), so the history is
/// exact without reading first, even beside a concurrent `setTopicStatus`, which takes no
/// per-user lock. A status a topic already has matches nothing: no write, no event.
pub(super) async fn apply_in(
    txn: &impl ConnectionTrait,
    user_id: i32,
    roadmap: &roadmaps::Model,
    wanted: &[Wanted<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<StatusChange>, AppError> {
    let backend = txn.get_database_backend();
    let (clears, upserts): (Vec<&Wanted>, Vec<&Wanted>) = wanted
        .iter()
        .partition(|w| w.status == ProgressStatus::Pending);
    let mut from: HashMap<String, ProgressStatus> = HashMap::new();
    for chunk in upserts.chunks(CHUNK) {
        let mut q = Sql::new(backend);
        push_upsert(
            &mut q,
            user_id,
            roadmap.id,
            chunk
                .iter()
                .map(|w| (w.topic.id.as_str(), w.status, w.at.unwrap_or(now).min(now))),
        );
        read_changed(txn, q, &mut from).await?;
    }
    for chunk in clears.chunks(CHUNK) {
        let mut q = Sql::new(backend);
        push_clear(&mut q, user_id, chunk.iter().map(|w| w.topic.id.as_str()));
        read_changed(txn, q, &mut from).await?;
    }

    let mut changes = Vec::new();
    let mut events = Vec::new();
    for w in wanted {
        let Some(&was) = from.get(&w.topic.id) else {
            continue;
        };
        let change = StatusChange {
            topic_id: w.topic.id.clone(),
            from: was,
            to: w.status,
        };
        events.push(event(
            user_id,
            roadmap,
            &change,
            Some(w.topic.title.clone()),
            now,
        ));
        changes.push(change);
    }
    insert_events(txn, events).await?;
    Ok(changes)
}

/// Runs a write built by [`push_upsert`] or [`push_clear`] and records, per topic it changed, the
/// status the topic had before.
async fn read_changed(
    txn: &impl ConnectionTrait,
    q: Sql,
    from: &mut HashMap<String, ProgressStatus>,
) -> Result<(), AppError> {
    for row in txn.query_all(q.build()).await? {
        let topic: String = row.try_get("", "topic_id")?;
        let was: String = row.try_get("", "from_status")?;
        from.insert(topic, stored_status(&was));
    }
    Ok(())
}

/// `INSERT … ON CONFLICT DO UPDATE` of statuses (not `PENDING`) for one user, returning
/// `topic_id` and `from_status` for every row it changed. An archived row is overwritten and was
/// no status (`PENDING`).
fn push_upsert<'a>(
    q: &mut Sql,
    user_id: i32,
    roadmap_id: i32,
    rows: impl IntoIterator<Item = (&'a str, ProgressStatus, DateTime<Utc>)>,
) {
    q.push(
        "INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at, changed_at) \
         VALUES ",
    );
    for (i, (topic_id, status, at)) in rows.into_iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(")
            .bind(user_id)
            .push(", ")
            .bind(topic_id)
            .push(", ")
            .bind(roadmap_id)
            .push(", ")
            .bind(status.to_value())
            .push(", ")
            .bind(at)
            .push(", ")
            .bind(at)
            .push(")");
    }
    q.push(
        " ON CONFLICT (user_id, topic_id) DO UPDATE SET \
         previous_status = CASE WHEN progress.archived_at IS NULL THEN progress.status END, \
         status = excluded.status, updated_at = excluded.updated_at, \
         changed_at = excluded.changed_at, \
         roadmap_id = excluded.roadmap_id, archived_at = NULL \
         WHERE progress.archived_at IS NOT NULL OR progress.status <> excluded.status \
         RETURNING topic_id, COALESCE(previous_status, 'PENDING') AS from_status",
    );
}

/// Deletes the live statuses of one user on the topics, returning `topic_id` and `from_status`
/// for every row it removed.
fn push_clear<'a>(q: &mut Sql, user_id: i32, topic_ids: impl IntoIterator<Item = &'a str>) {
    q.push("DELETE FROM progress WHERE user_id = ")
        .bind(user_id)
        .push(" AND archived_at IS NULL AND topic_id IN ")
        .bind_list(topic_ids)
        .push(" RETURNING topic_id, status AS from_status");
}

async fn insert_events(
    txn: &impl ConnectionTrait,
    events: Vec<progress_events::ActiveModel>,
) -> Result<(), AppError> {
    for chunk in events.chunks(CHUNK) {
        progress_events::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Sets statuses of live topics of one roadmap, all or nothing, in one transaction.
pub(super) async fn set_statuses(
    db: &DatabaseConnection,
    user_id: i32,
    roadmap: &roadmaps::Model,
    wanted: &[Wanted<'_>],
) -> Result<WriteOutcome, AppError> {
    let now = Utc::now();
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_user(&txn, user_id).await?;
    let changes = apply_in(&txn, user_id, roadmap, wanted, now).await?;
    let counts = counts_of(&txn, user_id, roadmap.id).await?;
    txn.commit().await?;
    Ok(WriteOutcome {
        roadmap_id: roadmap.id,
        changes,
        counts,
        at: now,
    })
}

/// Sets one status: the fast path of `setTopicStatus`. The upsert (or, for `PENDING`, the delete)
/// and the history event are one statement on PostgreSQL, so one round trip and one implicit
/// transaction; the row lock the upsert takes orders concurrent writers of the same topic, and
/// `previous_status` (set from the latest committed row inside `DO UPDATE`) gives the event its
/// exact `from`. Setting the status a topic already has matches no row: no write, no event.
/// SQLite cannot write in a CTE: there the same two statements run in one transaction, behind
/// this process's writer queue. Counts are read after the commit.
pub(super) async fn set_status(
    db: &DatabaseConnection,
    user_id: i32,
    roadmap: &roadmaps::Model,
    topic: &topics::Model,
    status: ProgressStatus,
) -> Result<WriteOutcome, AppError> {
    let now = Utc::now();
    let backend = db.get_database_backend();
    let changes = match backend {
        DbBackend::Postgres => {
            // The write as a CTE; the event row is inserted from what it returned.
            let mut q = Sql::new(backend);
            q.push("WITH w AS (");
            if status == ProgressStatus::Pending {
                push_clear(&mut q, user_id, [topic.id.as_str()]);
            } else {
                push_upsert(
                    &mut q,
                    user_id,
                    roadmap.id,
                    [(topic.id.as_str(), status, now)],
                );
            }
            q.push(
                ") INSERT INTO progress_events (user_id, roadmap_id, topic_id, from_status, \
                 to_status, created_at, topic_title, roadmap_title) SELECT ",
            )
            .bind(user_id)
            .push(", ")
            .bind(roadmap.id)
            .push(", ")
            .bind(topic.id.clone())
            .push(", w.from_status, ")
            .bind(status.to_value())
            .push(", ")
            .bind(now)
            .push(", ")
            .bind(topic.title.clone())
            .push(", ")
            .bind(roadmap.title.clone())
            .push(" FROM w RETURNING from_status");
            match db.query_one(q.build()).await? {
                Some(row) => vec![StatusChange {
                    topic_id: topic.id.clone(),
                    from: stored_status(&row.try_get::<String>("", "from_status")?),
                    to: status,
                }],
                None => Vec::new(),
            }
        }
        _ => {
            // The batch path with one change: its first statement is the write, so SQLite takes
            // its write lock before anything is read.
            let _turn = write_turn(db).await;
            let txn = db.begin().await?;
            let wanted = [Wanted {
                topic,
                status,
                at: None,
            }];
            let changes = apply_in(&txn, user_id, roadmap, &wanted, now).await?;
            txn.commit().await?;
            changes
        }
    };
    let counts = counts_of(db, user_id, roadmap.id).await?;
    Ok(WriteOutcome {
        roadmap_id: roadmap.id,
        changes,
        counts,
        at: now,
    })
}

/// A history row for one change; `topic_title` is `None` only for a topic that no longer exists.
fn event(
    user_id: i32,
    roadmap: &roadmaps::Model,
    change: &StatusChange,
    topic_title: Option<String>,
    at: DateTime<Utc>,
) -> progress_events::ActiveModel {
    progress_events::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        roadmap_id: Set(roadmap.id),
        topic_id: Set(change.topic_id.clone()),
        from_status: Set(change.from),
        to_status: Set(change.to),
        created_at: Set(at),
        topic_title: Set(topic_title),
        roadmap_title: Set(Some(roadmap.title.clone())),
    }
}

/// Clears every status of the user on the roadmap (rows of deleted topics too: a reset starts
/// over), recording each in the history.
pub(super) async fn reset_roadmap(
    db: &DatabaseConnection,
    user_id: i32,
    roadmap: &roadmaps::Model,
) -> Result<WriteOutcome, AppError> {
    let now = Utc::now();
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_user(&txn, user_id).await?;
    // The delete reports what it removed (a concurrent setTopicStatus takes no user lock, so
    // anything read before it could be stale), then the titles are looked up for the history.
    let mut q = Sql::new(txn.get_database_backend());
    q.push("DELETE FROM progress WHERE user_id = ")
        .bind(user_id)
        .push(" AND roadmap_id = ")
        .bind(roadmap.id)
        .push(" AND archived_at IS NULL RETURNING topic_id, status AS from_status");
    let mut removed: HashMap<String, ProgressStatus> = HashMap::new();
    read_changed(&txn, q, &mut removed).await?;
    let mut removed: Vec<(String, ProgressStatus)> = removed.into_iter().collect();
    removed.sort_by(|a, b| a.0.cmp(&b.0));
    let ids: Vec<String> = removed.iter().map(|(id, _)| id.clone()).collect();
    // Deleted topics too: their rows were cleared as well, and keep their title in the history.
    let mut titles: HashMap<String, String> =
        find_in::<topics::Entity, _>(&txn, topics::Column::Id, &ids, Condition::all())
            .await?
            .into_iter()
            .map(|t| (t.id, t.title))
            .collect();
    let mut changes = Vec::new();
    let mut events = Vec::new();
    for (topic_id, from) in removed {
        let change = StatusChange {
            topic_id,
            from,
            to: ProgressStatus::Pending,
        };
        events.push(event(
            user_id,
            roadmap,
            &change,
            titles.remove(&change.topic_id),
            now,
        ));
        changes.push(change);
    }
    insert_events(&txn, events).await?;
    let counts = counts_of(&txn, user_id, roadmap.id).await?;
    txn.commit().await?;
    Ok(WriteOutcome {
        roadmap_id: roadmap.id,
        changes,
        counts,
        at: now,
    })
}
