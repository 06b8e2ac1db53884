//! Progress reads and writes. Only this layer talks to SeaORM.
//!
//! Status writes rely on the progress row's own lock: the upsert (or the delete, for `PENDING`)
//! returns each row it changed with the status it had just before, read inside `DO UPDATE` from
//! the latest committed version (`previous_status`), and the history events are written from that.
//! So nothing is read before the write, and a concurrent writer of the same topic is simply ordered
//! by the row lock. Batch writes (several statuses, reset, import) still take a per-user advisory
//! lock on PostgreSQL, so two of them for one user do not interleave; SQLite opens each write
//! transaction with a write, which takes the database write lock at once (a read first would make
//! the later upgrade fail with SQLITE_BUSY instead of waiting).
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{favorite_roadmaps, progress, progress_events, roadmaps, topic_notes, topics};
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, TransactionTrait,
};

use super::types::ProgressStatus;
use crate::auth::CatalogAccess;
use crate::db::sql::Sql;
use crate::error::AppError;

/// Longest private note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Most changes one `setTopicStatuses` call may carry.
pub const MAX_BATCH: usize = 500;
/// Rows per multi-row statement: well under SQLite's bound-parameter limit.
const CHUNK: usize = 500;
/// Namespace of the per-user advisory locks (PostgreSQL), so they cannot collide with others.
const LOCK_NAMESPACE: i32 = 0x5052_4f47; // "PROG"

/// A user's counts on one roadmap, over its live topics only.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub total: i64,
    pub done: i64,
    pub learning: i64,
    pub skipped: i64,
    pub favorite: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Counts {
    pub fn pending(&self) -> i64 {
        (self.total - self.done - self.learning - self.skipped).max(0)
    }
}

/// One status that changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusChange {
    pub topic_id: String,
    pub from: ProgressStatus,
    pub to: ProgressStatus,
}

/// What a write did on one roadmap.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    pub roadmap_id: i32,
    pub changes: Vec<StatusChange>,
    pub counts: Counts,
    pub at: DateTime<Utc>,
}

fn parse_status(s: &str) -> ProgressStatus {
    // An unknown stored value counts as no status rather than failing every read.
    ProgressStatus::parse(s).unwrap_or(ProgressStatus::Pending)
}

/// SQLite has one writer at a time, and a writer that finds the database locked sleeps in its
/// busy handler with growing back-off while later writers may get in first: under load that makes
/// a long latency tail. Progress writers of this process therefore queue here first (FIFO) and
/// then meet the database lock free, or held only briefly by another module's write.
static SQLITE_WRITERS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits for this process's turn to write (SQLite only; PostgreSQL locks per user instead).
async fn write_turn(db: &impl ConnectionTrait) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    match db.get_database_backend() {
        DbBackend::Sqlite => Some(SQLITE_WRITERS.lock().await),
        _ => None,
    }
}

/// Takes the per-user write lock for the rest of the transaction (see the module docs).
async fn lock_user(txn: &impl ConnectionTrait, user_id: i32) -> Result<(), AppError> {
    let backend = txn.get_database_backend();
    let mut q = Sql::new(backend);
    match backend {
        DbBackend::Postgres => {
            q.push("SELECT pg_advisory_xact_lock(")
                .bind(LOCK_NAMESPACE)
                .push(", ")
                .bind(user_id)
                .push(")");
        }
        _ => {
            // Matches no row (topic ids are never empty) but is a write, so SQLite takes its
            // write lock here, waiting up to busy_timeout, before anything is read.
            q.push("UPDATE progress SET status = status WHERE user_id = ")
                .bind(user_id)
                .push(" AND topic_id = ''");
        }
    }
    txn.execute(q.build()).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Lookups

/// A live topic with its roadmap; `None` when the topic is missing, deleted, or its roadmap is a
/// draft the caller may not see.
pub async fn live_topic(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    key: &str,
) -> Result<Option<(topics::Model, roadmaps::Model)>, AppError> {
    let row = topics::Entity::find_by_id(key.to_owned())
        .filter(topics::Column::DeletedAt.is_null())
        .find_also_related(roadmaps::Entity)
        .one(db)
        .await?;
    Ok(match row {
        Some((t, Some(r))) if access.can_read(&r) => Some((t, r)),
        _ => None,
    })
}

/// A roadmap the caller may read.
pub async fn roadmap(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    id: i32,
) -> Result<Option<roadmaps::Model>, AppError> {
    Ok(roadmaps::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| access.can_read(r)))
}

/// Live topics of one roadmap among `keys`, by id.
pub async fn live_topics_in(
    db: &impl ConnectionTrait,
    roadmap_id: i32,
    keys: &[String],
) -> Result<HashMap<String, topics::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(CHUNK) {
        let rows = topics::Entity::find()
            .filter(topics::Column::Id.is_in(chunk.iter().cloned()))
            .filter(topics::Column::RoadmapId.eq(roadmap_id))
            .filter(topics::Column::DeletedAt.is_null())
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|t| (t.id.clone(), t)));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Counts and per-roadmap reads

#[derive(FromQueryResult)]
struct CountRow {
    roadmap_id: i32,
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
/// same set, the live topics, so `done == total` is reachable; archived rows and rows of deleted
/// topics count nowhere. Roadmaps that do not exist are absent from the map.
pub async fn counts(
    db: &impl ConnectionTrait,
    user_id: i32,
    roadmap_ids: &[i32],
) -> Result<HashMap<i32, Counts>, AppError> {
    if roadmap_ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Each side is aggregated per roadmap before the 1:1 joins, so the plan stays linear even
    // when the planner's statistics are stale (right after an import, say). Progress on deleted
    // topics is left out by probing the (nearly always empty) partial index of deleted topics
    // rather than joining every row to `topics`: 5x cheaper at 2,000 rows. A topic never changes
    // roadmap, so a progress row's roadmap_id is its topic's.
    let ids = || roadmap_ids.iter().copied();
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT r.id AS roadmap_id, COALESCE(c.total, 0) AS total, \
         COALESCE(s.done, 0) AS done, COALESCE(s.learning, 0) AS learning, \
         COALESCE(s.skipped, 0) AS skipped, s.updated_at AS updated_at, \
         CAST(CASE WHEN f.roadmap_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS favorite \
         FROM roadmaps r \
         LEFT JOIN (SELECT roadmap_id, COUNT(*) AS total FROM topics \
         WHERE deleted_at IS NULL AND roadmap_id IN ",
    )
    .bind_list(ids())
    .push(
        " GROUP BY roadmap_id) c ON c.roadmap_id = r.id \
         LEFT JOIN (SELECT p.roadmap_id AS roadmap_id, \
         SUM(CASE WHEN p.status = 'DONE' THEN 1 ELSE 0 END) AS done, \
         SUM(CASE WHEN p.status = 'LEARNING' THEN 1 ELSE 0 END) AS learning, \
         SUM(CASE WHEN p.status = 'SKIPPED' THEN 1 ELSE 0 END) AS skipped, \
         MAX(p.updated_at) AS updated_at \
         FROM progress p WHERE p.topic_id NOT IN (SELECT id FROM topics WHERE deleted_at IS NOT NULL) \
         AND p.user_id = ",
    )
    .bind(user_id)
    .push(" AND p.archived_at IS NULL AND p.roadmap_id IN ")
    .bind_list(ids())
    .push(
        " GROUP BY p.roadmap_id) s ON s.roadmap_id = r.id \
         LEFT JOIN favorite_roadmaps f ON f.roadmap_id = r.id AND f.user_id = ",
    )
    .bind(user_id)
    .push(" WHERE r.id IN ")
    .bind_list(ids());
    let rows = CountRow::find_by_statement(q.build()).all(db).await?;
    Ok(rows.into_iter().map(|r| (r.roadmap_id, r.into())).collect())
}

/// Statuses of one user on the live topics of each roadmap, in one statement.
pub async fn statuses(
    db: &impl ConnectionTrait,
    user_id: i32,
    roadmap_ids: &[i32],
) -> Result<HashMap<i32, HashMap<String, ProgressStatus>>, AppError> {
    let mut out: HashMap<i32, HashMap<String, ProgressStatus>> =
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
            .insert(row.topic_id, parse_status(&row.status));
    }
    Ok(out)
}

/// Notes of one user on each roadmap, in one statement.
pub async fn notes(
    db: &impl ConnectionTrait,
    user_id: i32,
    roadmap_ids: &[i32],
) -> Result<HashMap<i32, HashMap<String, String>>, AppError> {
    let mut out: HashMap<i32, HashMap<String, String>> =
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

// ---------------------------------------------------------------------------------------------
// Status writes

/// A validated change: a live topic of the roadmap and the status wanted.
pub struct Wanted<'a> {
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
async fn apply_in(
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
        from.insert(topic, parse_status(&was));
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
    q.push("INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at) VALUES ");
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
            .bind(status.as_str())
            .push(", ")
            .bind(at)
            .push(")");
    }
    q.push(
        " ON CONFLICT (user_id, topic_id) DO UPDATE SET \
         previous_status = CASE WHEN progress.archived_at IS NULL THEN progress.status END, \
         status = excluded.status, updated_at = excluded.updated_at, \
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
pub async fn set_statuses(
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
    let counts = counts(&txn, user_id, &[roadmap.id])
        .await?
        .remove(&roadmap.id)
        .unwrap_or_default();
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
pub async fn set_status(
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
            .bind(status.as_str())
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
                    from: parse_status(&row.try_get::<String>("", "from_status")?),
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
    let counts = counts(db, user_id, &[roadmap.id])
        .await?
        .remove(&roadmap.id)
        .unwrap_or_default();
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
        from_status: Set(change.from.as_str().to_owned()),
        to_status: Set(change.to.as_str().to_owned()),
        created_at: Set(at),
        topic_title: Set(topic_title),
        roadmap_title: Set(Some(roadmap.title.clone())),
    }
}

/// Clears every status of the user on the roadmap (rows of deleted topics too: a reset starts
/// over), recording each in the history.
pub async fn reset_roadmap(
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
    let mut titles: HashMap<String, String> = HashMap::new();
    for chunk in removed.chunks(CHUNK) {
        let found = topics::Entity::find()
            .filter(topics::Column::Id.is_in(chunk.iter().map(|(id, _)| id.clone())))
            .all(&txn)
            .await?;
        titles.extend(found.into_iter().map(|t| (t.id, t.title)));
    }
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
    let counts = counts(&txn, user_id, &[roadmap.id])
        .await?
        .remove(&roadmap.id)
        .unwrap_or_default();
    txn.commit().await?;
    Ok(WriteOutcome {
        roadmap_id: roadmap.id,
        changes,
        counts,
        at: now,
    })
}

// ---------------------------------------------------------------------------------------------
// Notes and favourites

/// Checks a note and normalises "nothing" (null, empty, blank) to `None`.
pub fn check_note(note: Option<String>, field: &str) -> Result<Option<String>, AppError> {
    let Some(note) = note else { return Ok(None) };
    if note.trim().is_empty() {
        return Ok(None);
    }
    let n = note.chars().count();
    if n > MAX_NOTE_CHARS {
        return Err(AppError::bad_input(
            field,
            format!("a note may have at most {MAX_NOTE_CHARS} characters (this one has {n})"),
        ));
    }
    Ok(Some(note))
}

/// Sets or clears a note (one statement). Returns whether anything changed.
pub async fn set_note(
    db: &impl ConnectionTrait,
    user_id: i32,
    topic: &topics::Model,
    note: Option<&str>,
    at: DateTime<Utc>,
) -> Result<bool, AppError> {
    let affected = match note {
        Some(note) => {
            topic_notes::Entity::insert(topic_notes::ActiveModel {
                user_id: Set(user_id),
                topic_id: Set(topic.id.clone()),
                roadmap_id: Set(topic.roadmap_id),
                note: Set(note.to_owned()),
                updated_at: Set(at),
            })
            .on_conflict(
                OnConflict::columns([topic_notes::Column::UserId, topic_notes::Column::TopicId])
                    .update_columns([
                        topic_notes::Column::RoadmapId,
                        topic_notes::Column::Note,
                        topic_notes::Column::UpdatedAt,
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

/// Adds or removes a favourite; returns whether anything changed, and the counts after.
pub async fn set_favorite(
    db: &DatabaseConnection,
    user_id: i32,
    roadmap_id: i32,
    favorite: bool,
) -> Result<(bool, Counts), AppError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let changed = if favorite {
        favorite_roadmaps::Entity::insert(favorite_roadmaps::ActiveModel {
            user_id: Set(user_id),
            roadmap_id: Set(roadmap_id),
            created_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::columns([
                favorite_roadmaps::Column::UserId,
                favorite_roadmaps::Column::RoadmapId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?
            > 0
    } else {
        favorite_roadmaps::Entity::delete_many()
            .filter(favorite_roadmaps::Column::UserId.eq(user_id))
            .filter(favorite_roadmaps::Column::RoadmapId.eq(roadmap_id))
            .exec(&txn)
            .await?
            .rows_affected
            > 0
    };
    let counts = counts(&txn, user_id, &[roadmap_id])
        .await?
        .remove(&roadmap_id)
        .unwrap_or_default();
    txn.commit().await?;
    Ok((changed, counts))
}

// ---------------------------------------------------------------------------------------------
// The user's roadmaps (`me.progress`)

#[derive(FromQueryResult)]
struct CountOnly {
    n: i64,
}

/// Appends the roadmaps a user has progress on or has favourited, one row per roadmap with the
/// time it was last updated (its favourite time when it has no progress). `with_counts` adds the
/// columns of [`CountRow`], computed in the same pass over the user's progress rows (the same
/// sets as [`counts`]: live topics, rows not archived).
fn push_my_roadmaps(q: &mut Sql, user_id: i32, access: &CatalogAccess, with_counts: bool) {
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
             AND t.deleted_at IS NULL) AS total",
        );
    }
    q.push(
        " FROM (SELECT p.roadmap_id AS roadmap_id, MAX(p.updated_at) AS progress_at, \
         NULL AS favorite_at, \
         SUM(CASE WHEN p.status = 'DONE' THEN 1 ELSE 0 END) AS done, \
         SUM(CASE WHEN p.status = 'LEARNING' THEN 1 ELSE 0 END) AS learning, \
         SUM(CASE WHEN p.status = 'SKIPPED' THEN 1 ELSE 0 END) AS skipped \
         FROM progress p WHERE p.topic_id NOT IN (SELECT id FROM topics WHERE deleted_at IS NOT NULL) \
         AND p.user_id = ",
    )
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
    user_id: i32,
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
    user_id: i32,
    access: &CatalogAccess,
    offset: u64,
    limit: u64,
) -> Result<Vec<(i32, Counts)>, AppError> {
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

// ---------------------------------------------------------------------------------------------
// History and streak

#[derive(Debug, Clone, FromQueryResult)]
pub struct ActivityRow {
    pub id: i64,
    pub roadmap_id: i32,
    pub topic_id: String,
    pub from_status: String,
    pub to_status: String,
    pub created_at: DateTime<Utc>,
    pub topic_title: Option<String>,
    pub roadmap_title: Option<String>,
    pub roadmap_slug: Option<String>,
}

impl ActivityRow {
    pub fn from(&self) -> ProgressStatus {
        parse_status(&self.from_status)
    }
    pub fn to(&self) -> ProgressStatus {
        parse_status(&self.to_status)
    }
}

pub async fn activity_count(db: &impl ConnectionTrait, user_id: i32) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait;
    Ok(progress_events::Entity::find()
        .filter(progress_events::Column::UserId.eq(user_id))
        .count(db)
        .await?)
}

/// History, newest first, with titles resolved (current titles; the snapshot when a row is gone).
pub async fn activity_page(
    db: &impl ConnectionTrait,
    user_id: i32,
    offset: u64,
    limit: u64,
) -> Result<Vec<ActivityRow>, AppError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT e.id AS id, e.roadmap_id AS roadmap_id, e.topic_id AS topic_id, \
         e.from_status AS from_status, e.to_status AS to_status, e.created_at AS created_at, \
         COALESCE(t.title, e.topic_title) AS topic_title, \
         COALESCE(r.title, e.roadmap_title) AS roadmap_title, r.slug AS roadmap_slug \
         FROM progress_events e LEFT JOIN topics t ON t.id = e.topic_id \
         LEFT JOIN roadmaps r ON r.id = e.roadmap_id WHERE e.user_id = ",
    )
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
    user_id: i32,
) -> Result<Vec<i64>, AppError> {
    let backend = db.get_database_backend();
    let mut q = Sql::new(backend);
    match backend {
        DbBackend::Postgres => q.push(
            "SELECT DISTINCT CAST(FLOOR(EXTRACT(EPOCH FROM created_at) / 900) AS BIGINT) AS bucket \
             FROM progress_events WHERE user_id = ",
        ),
        _ => q.push(
            "SELECT DISTINCT CAST(strftime('%s', created_at) AS INTEGER) / 900 AS bucket \
             FROM progress_events WHERE user_id = ",
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

/// The user's IANA time zone name as stored (validated on write; UTC when unset).
pub async fn time_zone(db: &impl ConnectionTrait, user_id: i32) -> Result<String, AppError> {
    Ok(entity::users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|u| u.time_zone)
        .unwrap_or_else(|| "UTC".to_owned()))
}

// ---------------------------------------------------------------------------------------------
// Export and import

#[derive(Debug, Clone, FromQueryResult)]
pub struct ExportRow {
    pub roadmap_id: i32,
    pub slug: String,
    pub roadmap_title: String,
    pub topic_id: String,
    pub topic_title: String,
    pub status: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub note_updated_at: Option<DateTime<Utc>>,
}

/// Everything to export: every live topic with a status or a note, plus favourites without any.
pub async fn export_rows(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<(Vec<ExportRow>, Vec<roadmaps::Model>), AppError> {
    let backend = db.get_database_backend();
    // Statuses and notes in one pass: the union of their (user, topic) keys, joined back to both.
    let mut q = Sql::new(backend);
    q.push(
        "SELECT r.id AS roadmap_id, r.slug AS slug, r.title AS roadmap_title, \
         t.id AS topic_id, t.title AS topic_title, p.status AS status, p.updated_at AS updated_at, \
         n.note AS note, n.updated_at AS note_updated_at \
         FROM topics t JOIN roadmaps r ON r.id = t.roadmap_id AND r.deleted_at IS NULL \
         LEFT JOIN progress p ON p.topic_id = t.id AND p.user_id = ",
    )
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
    let fav_ids: Vec<i32> = favs.iter().map(|f| f.roadmap_id).collect();
    let fav_roadmaps = if fav_ids.is_empty() {
        Vec::new()
    } else {
        roadmaps::Entity::find()
            .filter(roadmaps::Column::Id.is_in(fav_ids))
            .filter(roadmaps::Column::DeletedAt.is_null())
            .all(db)
            .await?
    };
    Ok((rows, fav_roadmaps))
}

/// Roadmaps the caller may read, by slug.
pub async fn roadmaps_by_slug(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    slugs: &[String],
) -> Result<HashMap<String, roadmaps::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in slugs.chunks(CHUNK) {
        let rows = roadmaps::Entity::find()
            .filter(roadmaps::Column::Slug.is_in(chunk.iter().cloned()))
            .filter(access.condition())
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|r| (r.slug.clone(), r)));
    }
    Ok(out)
}

/// Live topics by id (any roadmap).
pub async fn live_topics_by_id(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashMap<String, topics::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(CHUNK) {
        let rows = topics::Entity::find()
            .filter(topics::Column::Id.is_in(chunk.iter().cloned()))
            .filter(topics::Column::DeletedAt.is_null())
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|t| (t.id.clone(), t)));
    }
    Ok(out)
}

/// One roadmap's share of a validated import.
pub struct ImportPart<'a> {
    pub roadmap: &'a roadmaps::Model,
    pub favorite: bool,
    pub statuses: Vec<Wanted<'a>>,
    pub notes: Vec<NoteWanted<'a>>,
}

pub struct NoteWanted<'a> {
    pub topic: &'a topics::Model,
    /// The note to set, or `None` to clear it.
    pub note: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

pub struct ImportOutcome {
    pub writes: Vec<WriteOutcome>,
    pub notes_changed: u64,
    pub favorites_added: u64,
    /// Roadmaps whose notes or favourite changed but no status did.
    pub touched: HashSet<i32>,
}

/// Applies a validated import in one transaction.
pub async fn import(
    db: &DatabaseConnection,
    user_id: i32,
    parts: &[ImportPart<'_>],
) -> Result<ImportOutcome, AppError> {
    let now = Utc::now();
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_user(&txn, user_id).await?;
    let mut writes = Vec::new();
    let mut notes_changed = 0;
    let mut favorites_added = 0;
    let mut touched = HashSet::new();
    for part in parts {
        let changes = apply_in(&txn, user_id, part.roadmap, &part.statuses, now).await?;
        for n in &part.notes {
            let at = n.at.unwrap_or(now).min(now);
            if set_note(&txn, user_id, n.topic, n.note.as_deref(), at).await? {
                notes_changed += 1;
                touched.insert(part.roadmap.id);
            }
        }
        if part.favorite {
            let added = favorite_roadmaps::Entity::insert(favorite_roadmaps::ActiveModel {
                user_id: Set(user_id),
                roadmap_id: Set(part.roadmap.id),
                created_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    favorite_roadmaps::Column::UserId,
                    favorite_roadmaps::Column::RoadmapId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            if added > 0 {
                favorites_added += added;
                touched.insert(part.roadmap.id);
            }
        }
        if !changes.is_empty() {
            touched.insert(part.roadmap.id);
        }
        writes.push(WriteOutcome {
            roadmap_id: part.roadmap.id,
            changes,
            counts: Counts::default(),
            at: now,
        });
    }
    let ids: Vec<i32> = writes.iter().map(|w| w.roadmap_id).collect();
    let mut all = counts(&txn, user_id, &ids).await?;
    for w in &mut writes {
        w.counts = all.remove(&w.roadmap_id).unwrap_or_default();
    }
    txn.commit().await?;
    Ok(ImportOutcome {
        writes,
        notes_changed,
        favorites_added,
        touched,
    })
}
