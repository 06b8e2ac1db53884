//! A status write's rows, history, statistics and counts in one statement, on PostgreSQL.
//!
//! Under the user's lock the stored statuses the write read ([`super::merge::groups_and_stored`])
//! are what the write will find, so what the upsert and the clear will change is known before
//! they run (`write_plan::predicted_from`): the history events and the statistics follow from it,
//! and so do the counts after the write, counted over the rows as they will be. One statement
//! with data-modifying CTEs then writes the rows, the events and the statistics and returns the
//! counts, where the separate steps took three round trips (four with a clear), each costing the
//! server and PostgreSQL a send, a wake-up and a statement.
//!
//! The rows the upsert and the clear return are checked against the prediction. One writer does
//! not take the learner's lock: deleting a roadmap archives every learner's rows on it at once
//! (`catalog::roadmap_editing::archive_progress`). When that commits between the read and the
//! write, the write answers `CONFLICT` and rolls back, so the history stays exact; sent again, it
//! finds the topic gone (`NOT_FOUND`).
//!
//! SQLite has no data-modifying CTEs (and no round trips): it keeps the separate steps.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};

use super::counts::push_counts;
use super::history_writes::{new_done, push_events};
use super::stats::{self, SeenStats};
use super::status_writes::{push_clear, push_row_values, push_upsert};
use super::types::{stored_status, Counts, ProgressStatus};
use super::write_plan::{Event, Row};
use crate::db::sql::Sql;
use crate::error::AppError;

/// Most rows (and so events) written in one statement this way; a larger write takes the steps.
const MOST_ROWS: usize = 100;

/// Whether a write of `rows` rows goes in one statement.
pub(super) fn fits(backend: DbBackend, rows: usize) -> bool {
    backend == DbBackend::Postgres && rows <= MOST_ROWS
}

/// One row of the statement's answer: a changed topic (`W`), whether the statistics were stored
/// (`S`), or one roadmap's counts after the write (`C`).
#[derive(FromQueryResult)]
struct Answer {
    kind: String,
    topic_id: Option<TopicKey>,
    from_status: Option<String>,
    stats_stored: Option<i64>,
    roadmap_id: Option<RoadmapId>,
    total: Option<i64>,
    done: Option<i64>,
    learning: Option<i64>,
    skipped: Option<i64>,
    favorite: Option<i64>,
    updated_at: Option<DateTime<Utc>>,
}

/// One user's write, planned in memory: `rows` (upserts, and clears for `PENDING`), `from`
/// ([`super::write_plan::predicted_from`] of them), the history `events`, and the roadmaps whose
/// counts the caller reports.
pub(super) struct Planned<'p> {
    pub user_id: UserId,
    pub rows: &'p [Row<'p>],
    pub from: &'p HashMap<TopicKey, ProgressStatus>,
    pub events: &'p [Event],
    pub roadmap_ids: &'p [RoadmapId],
}

/// Writes `planned`, brings the user's statistics up to date (`seen`: as the write read them),
/// and returns the user's counts on `planned.roadmap_ids` after the write. The caller holds the
/// user's lock and checked [`fits`].
pub(super) async fn write(
    txn: &impl ConnectionTrait,
    planned: &Planned<'_>,
    seen: Option<&SeenStats>,
    now: DateTime<Utc>,
) -> Result<HashMap<RoadmapId, Counts>, AppError> {
    let events = planned.events;
    let times: Vec<DateTime<Utc>> = events.iter().map(|e| e.at).collect();
    // The statistics go in the statement when they extend in place what the write read under
    // the lock.
    let stats = match (events.is_empty(), seen) {
        (false, Some(seen)) => stats::extend(seen, &times).map(|runs| Stats {
            seen,
            runs,
            new_done: new_done(events, now),
            now,
        }),
        _ => None,
    };
    let mut q = Sql::new(txn.get_database_backend());
    push_statement(&mut q, planned, stats.as_ref());
    let answer = Answer::find_by_statement(q.build()).all(txn).await?;
    let (changed, stats_stored, counts) = read_answer(answer)?;
    if &changed != planned.from {
        // A roadmap's deletion archived rows under the write (see the module docs). Returning the
        // error rolls the write back.
        tracing::warn!(
            user_id = %planned.user_id,
            expected = planned.from.len(),
            made = changed.len(),
            "progress changed under a status write; refused with CONFLICT"
        );
        return Err(AppError::Conflict {
            message: "the roadmap changed while this change was being saved (nothing was saved); \
                      send it again"
                .into(),
            field: None,
        });
    }
    if !events.is_empty() && !stats_stored {
        // The statistics moved since the write read them (a new time zone takes no write lock)
        // or it read none: read them under the lock and store them again, as `history_writes`
        // does.
        stats::record_read(txn, planned.user_id, &times, now).await?;
    }
    Ok(counts)
}

/// The statistics a write stores in its statement, guarded by those the write read.
struct Stats<'a> {
    seen: &'a SeenStats,
    runs: stats::Runs,
    new_done: i64,
    now: DateTime<Utc>,
}

/// Appends the statement of [`write`]: the counts after the write, then the CTEs that write,
/// then the answer's rows (see [`Answer`]).
fn push_statement(q: &mut Sql, planned: &Planned<'_>, stats: Option<&Stats>) {
    let user_id = planned.user_id;
    let (clears, upserts): (Vec<&Row>, Vec<&Row>) = planned
        .rows
        .iter()
        .partition(|r| r.status == ProgressStatus::Pending);
    q.push("WITH c AS (");
    let after = |q: &mut Sql| rows_after_write(q, planned);
    push_counts(q, user_id, planned.roadmap_ids, Some(&after));
    q.push(")");
    if !upserts.is_empty() {
        q.push(", up AS (");
        push_upsert(q, user_id, &upserts);
        q.push(")");
    }
    if !clears.is_empty() {
        q.push(", cl AS (");
        push_clear(q, user_id, clears.iter().map(|r| r.topic_id));
        q.push(")");
    }
    if !planned.events.is_empty() {
        q.push(", e AS (");
        push_events(q, planned.events);
        q.push(")");
    }
    if let Some(s) = stats {
        q.push(", s AS (");
        stats::push_store(q, user_id, s.runs, s.now, s.new_done, Some(s.seen));
        q.push(" RETURNING id)");
    }
    // The counts first: their columns give the union its types.
    q.push(
        " SELECT 'C' AS kind, NULL AS topic_id, NULL AS from_status, \
         CAST(NULL AS BIGINT) AS stats_stored, roadmap_id, total, done, learning, skipped, \
         favorite, updated_at FROM c",
    );
    for (cte, present) in [("up", !upserts.is_empty()), ("cl", !clears.is_empty())] {
        if present {
            q.push(
                " UNION ALL SELECT 'W', topic_id, from_status, NULL, NULL, NULL, NULL, NULL, \
                 NULL, NULL, NULL FROM ",
            )
            .push(cte);
        }
    }
    if stats.is_some() {
        q.push(
            " UNION ALL SELECT 'S', NULL, NULL, (SELECT COUNT(*) FROM s), NULL, NULL, NULL, \
             NULL, NULL, NULL, NULL",
        );
    }
}

/// What the statement answered: the status each changed topic had before, whether the
/// statistics were stored, the counts by roadmap.
#[allow(clippy::type_complexity)]
fn read_answer(
    answer: Vec<Answer>,
) -> Result<
    (
        HashMap<TopicKey, ProgressStatus>,
        bool,
        HashMap<RoadmapId, Counts>,
    ),
    AppError,
> {
    let mut changed = HashMap::new();
    let mut stats_stored = false;
    let mut counts = HashMap::new();
    for a in answer {
        match (a.kind.as_str(), a.topic_id, a.from_status, a.roadmap_id) {
            ("W", Some(topic), Some(was), _) => {
                changed.insert(topic, stored_status(&was)?);
            }
            ("S", ..) => stats_stored = a.stats_stored.unwrap_or(0) > 0,
            ("C", _, _, Some(roadmap_id)) => {
                counts.insert(
                    roadmap_id,
                    Counts {
                        total: a.total.unwrap_or(0),
                        done: a.done.unwrap_or(0),
                        learning: a.learning.unwrap_or(0),
                        skipped: a.skipped.unwrap_or(0),
                        favorite: a.favorite.unwrap_or(0) > 0,
                        updated_at: a.updated_at,
                    },
                );
            }
            _ => {}
        }
    }
    Ok((changed, stats_stored, counts))
}

/// The user's live rows on the planned roadmaps as they will be after the write: the stored ones
/// less those it changes, and the changed ones with their new status (a clear leaves none).
fn rows_after_write(q: &mut Sql, planned: &Planned<'_>) {
    let from = planned.from;
    q.push("(SELECT topic_id, roadmap_id, status, updated_at FROM progress WHERE user_id = ")
        .bind(planned.user_id)
        .push(" AND archived_at IS NULL AND roadmap_id IN ")
        .bind_list(planned.roadmap_ids.iter().copied());
    if !from.is_empty() {
        q.push(" AND topic_id NOT IN ")
            .bind_list(from.keys().cloned());
    }
    for r in planned
        .rows
        .iter()
        .filter(|r| r.status != ProgressStatus::Pending && from.contains_key(r.topic_id))
    {
        q.push(" UNION ALL SELECT ");
        push_row_values(q, r);
    }
    q.push(")");
}
