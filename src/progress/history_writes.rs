//! Writing a status write's history events and the statistics that follow from them
//! ([`super::stats`]), in the write's transaction, in as few statements as the backend allows:
//! on PostgreSQL the events are inserted by a CTE of the statistics' `UPDATE` (one statement); on
//! SQLite, which has no data-modifying CTEs, an `INSERT` and then the `UPDATE`. With the
//! statistics the write already read (`SeenStats`), the `UPDATE` is guarded by them and
//! nothing is read first; when the guard finds them moved, they are read under the lock and
//! stored again, so they stay exact.
use chrono::{DateTime, Utc};
use entity::ids::UserId;
use sea_orm::{ActiveEnum, ConnectionTrait, DbBackend};

use super::stats::{self, SeenStats};
use super::types::ProgressStatus;
use super::write_plan::Event;
use super::CHUNK;
use crate::db::sql::Sql;
use crate::error::AppError;

/// Writes the history events of one user's write and brings their statistics up to date, in
/// `txn` (the caller holds the user's write lock). `seen`: the statistics as the write read
/// them, if it did.
pub(super) async fn insert_events(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    events: &[Event],
    seen: Option<&SeenStats>,
) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let times: Vec<DateTime<Utc>> = events.iter().map(|e| e.at).collect();
    let backend = txn.get_database_backend();
    let planned = seen.and_then(|s| Some((s, stats::extend(s, &times)?)));
    if let (DbBackend::Postgres, Some((seen, runs)), true) =
        (backend, planned.as_ref(), events.len() <= CHUNK)
    {
        // The events, then the statistics, in one statement. The events are written whether the
        // guard holds or not; when it does not, the statistics are read again (with them).
        let mut q = Sql::new(backend);
        q.push("WITH e AS (");
        push_events(&mut q, events);
        q.push(") ");
        stats::push_store(
            &mut q,
            user_id,
            *runs,
            now,
            new_done(events, now),
            Some(seen),
        );
        if txn.execute(q.build()).await?.rows_affected() == 0 {
            stats::record_read(txn, user_id, &times, now).await?;
        }
        return Ok(());
    }
    for chunk in events.chunks(CHUNK) {
        let mut q = Sql::new(backend);
        push_events(&mut q, chunk);
        txn.execute(q.build()).await?;
    }
    stats::record(txn, user_id, &times, now, seen).await
}

/// `INSERT INTO progress_events` of the events (never empty).
pub(super) fn push_events(q: &mut Sql, events: &[Event]) {
    q.push(
        "INSERT INTO progress_events (user_id, roadmap_id, topic_id, from_status, to_status, \
         created_at, topic_title, roadmap_title, cause) VALUES ",
    );
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(")
            .bind(e.user_id)
            .push(", ")
            .bind(e.roadmap_id)
            .push(", ")
            .bind(&e.change.topic_id)
            .push(", ")
            .bind(e.change.from.to_value())
            .push(", ")
            .bind(e.change.to.to_value())
            .push(", ")
            .bind(e.at)
            .push(", ")
            .bind(e.topic_title.clone())
            .push(", ")
            .bind(e.roadmap_title.as_str())
            .push(", NULL)");
    }
}

/// The events that count in `done_30d` at `now` (a learner's own DONE changes in the window).
pub(super) fn new_done(events: &[Event], now: DateTime<Utc>) -> i64 {
    let since = stats::done_window_start(now);
    events
        .iter()
        .filter(|e| e.change.to == ProgressStatus::Done && e.at >= since)
        .count() as i64
}
