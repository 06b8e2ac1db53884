//! Status writes: one status, several on one roadmap, a roadmap reset; each with its history.
//!
//! Every status write is one transaction under the per-user lock of [`super::locks`]: a learner's
//! changes first read the stored times of their topics and skip the changes older than them
//! ([`super::merge`]), which needs the user's writes ordered. The upsert (or the delete, for
//! `PENDING`) returns each row it changed with the status it had just before, read inside
//! `DO UPDATE` from the latest committed version (`previous_status`), and the history events are
//! written from that, at the change's own time.
//!
//! Round trips of one `setTopicStatus` ([`set_status`]) on PostgreSQL: the live topic, read by
//! the statement that takes the locks (`locks::user_lock_exprs`); the link group with the stored
//! times and the learner's statistics (`merge::groups_and_stored`); then the upsert, the history, the statistics and the counts
//! in one statement (`write_at_once`, for writes of up to 100 rows). On SQLite, and for larger
//! writes, those are steps: the upsert, the history with the statistics (`history_writes`), the
//! counts.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::{roadmaps, topics};
use sea_orm::sea_query::Condition;
use sea_orm::ActiveEnum;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};

use super::counts::counts;
use super::history_writes::insert_events;
use super::locks::{lock_user, user_lock_exprs, write_turn};
use super::lookups::{find_in, live_topic, live_topic_locking};
use super::merge;
use super::types::{
    stored_status, Counts, LinkedWrite, ProgressStatus, Skipped, StatusChange, WriteOutcome,
};
use super::write_at_once;
use super::write_plan::{self as plan, event, Groups, Row, Stored};
use super::CHUNK;
use crate::auth::CatalogAccess;
use crate::catalog::links::linked_members;
use crate::db::sql::Sql;
use crate::error::AppError;

/// A validated change: a live topic of the roadmap and the status wanted.
pub(super) struct Wanted<'a> {
    pub topic: &'a topics::Model,
    pub status: ProgressStatus,
    /// When the change was made ([`Timing`] says how it is used); `None` means now.
    pub at: Option<DateTime<Utc>>,
}

/// How a status write is timed, and whether older changes lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timing {
    /// A learner's changes (`setTopicStatus`, `setTopicStatuses`): each `at` (the device's
    /// clock, default now) is the change's time in the row (`changed_at`) and in the history, and
    /// a change older than the stored one is skipped (see [`super::merge`]).
    NewestWins,
    /// An import: replaces what is stored, as a change made now; `at` (the document's time,
    /// never later than now) only sets `updated_at`, as before offline merge.
    Replace,
}

/// What [`apply_in`] did.
pub(super) struct Applied {
    /// The changes made, in the order wanted.
    pub changes: Vec<StatusChange>,
    /// The changes not applied (a newer one is stored), in the order wanted.
    pub skipped: Vec<Skipped>,
    /// The statuses set on linked topics of other roadmaps, by roadmap (no history events).
    pub linked: BTreeMap<RoadmapId, Vec<StatusChange>>,
    /// The counts after the write on the roadmap and on those of `linked`, when the write
    /// counted them itself (PostgreSQL: [`write_at_once`]).
    pub counts: Option<HashMap<RoadmapId, Counts>>,
}

/// Applies the changes inside `txn`, under the user's lock (so the stored times read for
/// [`Timing::NewestWins`] cannot change before the write).
///
/// A change to a linked topic is written to every live topic of its group on a roadmap the
/// learner can follow (see `catalog::links`), with one history event, for the topic named. Under
/// [`Timing::NewestWins`] the stored time is the newest of the group's, so a change older than
/// any of them is skipped.
///
/// The writes report what they changed and the status each row had just before (for an upsert,
/// `previous_status` as set inside `DO UPDATE`, from the latest committed row), so the history is
/// exact without reading first. A status a topic already has matches nothing: no write, no event.
pub(super) async fn apply_in(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    roadmap: &roadmaps::Model,
    wanted: &[Wanted<'_>],
    now: DateTime<Utc>,
    timing: Timing,
) -> Result<Applied, AppError> {
    // The statistics, when read with the stored statuses under the lock; otherwise the history
    // writes read them (`stats::record_read`).
    let (groups, stored, seen) = match timing {
        Timing::Replace => (
            followed_groups(txn, user_id, wanted).await?,
            Stored::new(),
            None,
        ),
        Timing::NewestWins if wanted.len() <= merge::GROUPS_AND_STORED_MAX => {
            let ids: Vec<&TopicKey> = wanted.iter().map(|w| &w.topic.id).collect();
            let read = merge::groups_and_stored(txn, user_id, &ids).await?;
            (read.groups, read.stored, read.stats)
        }
        Timing::NewestWins => {
            let groups = followed_groups(txn, user_id, wanted).await?;
            let stored = stored_in_groups(txn, user_id, wanted, &groups).await?;
            (groups, stored, None)
        }
    };
    let seen = seen.as_ref();
    let (timed, skipped) = match timing {
        Timing::Replace => (plan::replace(wanted, now), Vec::new()),
        Timing::NewestWins => {
            let merged = plan::newest_wins(wanted, &groups, &stored, now);
            restate(txn, user_id, &merged.restated).await?;
            (merged.timed, merged.skipped)
        }
    };
    let rows = plan::rows_to_write(&timed, roadmap.id, &groups);
    if timing == Timing::NewestWins && write_at_once::fits(txn.get_database_backend(), rows.len()) {
        // `stored` was read under the lock: it says what the writes will change.
        let from = plan::predicted_from(&rows, &stored);
        let report = plan::report(user_id, roadmap, &timed, &rows, &from);
        let mut ids = vec![roadmap.id];
        ids.extend(report.linked.keys().copied());
        let planned = write_at_once::Planned {
            user_id,
            rows: &rows,
            from: &from,
            events: &report.events,
            roadmap_ids: &ids,
        };
        let counts = write_at_once::write(txn, &planned, seen, now).await?;
        return Ok(Applied {
            changes: report.changes,
            skipped,
            linked: report.linked,
            counts: Some(counts),
        });
    }
    let from = write_rows(txn, user_id, &rows).await?;
    let report = plan::report(user_id, roadmap, &timed, &rows, &from);
    insert_events(txn, user_id, &report.events, seen).await?;
    Ok(Applied {
        changes: report.changes,
        skipped,
        linked: report.linked,
        counts: None,
    })
}

/// The topics linked to each wanted one, onto the roadmaps this learner can follow only: another
/// learner's PRIVATE fork does not make every change of this one cost a row (see
/// `links::refresh` for when one opens up).
async fn followed_groups(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    wanted: &[Wanted<'_>],
) -> Result<Groups, AppError> {
    let ids: Vec<&TopicKey> = wanted.iter().map(|w| &w.topic.id).collect();
    linked_members(txn, &ids, user_id).await
}

/// The stored status and time of every wanted topic and every topic of their groups.
async fn stored_in_groups(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    wanted: &[Wanted<'_>],
    groups: &Groups,
) -> Result<Stored, AppError> {
    let mut all: Vec<&TopicKey> = wanted.iter().map(|w| &w.topic.id).collect();
    all.extend(groups.values().flatten().map(|m| &m.topic_id));
    all.sort_unstable();
    all.dedup();
    merge::stored_statuses(txn, user_id, &all).await
}

/// Writes the rows (upserts, then clears for `PENDING`), in chunks; the status each topic it
/// changed had before.
async fn write_rows(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    rows: &[Row<'_>],
) -> Result<HashMap<TopicKey, ProgressStatus>, AppError> {
    let backend = txn.get_database_backend();
    let (clears, upserts): (Vec<&Row>, Vec<&Row>) = rows
        .iter()
        .partition(|r| r.status == ProgressStatus::Pending);
    let mut from: HashMap<TopicKey, ProgressStatus> = HashMap::new();
    for chunk in upserts.chunks(CHUNK) {
        let mut q = Sql::new(backend);
        push_upsert(&mut q, user_id, chunk);
        read_changed(txn, q, &mut from).await?;
    }
    for chunk in clears.chunks(CHUNK) {
        let mut q = Sql::new(backend);
        push_clear(&mut q, user_id, chunk.iter().map(|r| r.topic_id));
        read_changed(txn, q, &mut from).await?;
    }
    Ok(from)
}

/// Moves the `changed_at` of live rows of the user forward without changing their status (no
/// event, `updated_at` kept: nothing a count or the history shows changed).
async fn restate(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    rows: &[(&TopicKey, DateTime<Utc>)],
) -> Result<(), AppError> {
    for chunk in rows.chunks(CHUNK / 2) {
        let mut q = Sql::new(txn.get_database_backend());
        q.push("UPDATE progress SET changed_at = CASE topic_id");
        for (topic_id, at) in chunk {
            q.push(" WHEN ").bind(*topic_id).push(" THEN ").bind(*at);
        }
        q.push(" END WHERE user_id = ")
            .bind(user_id)
            .push(" AND archived_at IS NULL AND topic_id IN ")
            .bind_list(chunk.iter().map(|(t, _)| *t));
        txn.execute(q.build()).await?;
    }
    Ok(())
}

/// Runs a write built by [`push_upsert`] or [`push_clear`] and records, per topic it changed, the
/// status the topic had before.
async fn read_changed(
    txn: &impl ConnectionTrait,
    q: Sql,
    from: &mut HashMap<TopicKey, ProgressStatus>,
) -> Result<(), AppError> {
    for row in txn.query_all(q.build()).await? {
        let topic: TopicKey = row.try_get("", "topic_id")?;
        let was: String = row.try_get("", "from_status")?;
        from.insert(topic, stored_status(&was)?);
    }
    Ok(())
}

/// `INSERT … ON CONFLICT DO UPDATE` of statuses (not `PENDING`) for one user, each row with its
/// roadmap, `updated_at` and `changed_at`, returning `topic_id` and `from_status` for every row it
/// changed. An archived row is overwritten and was no status (`PENDING`).
pub(super) fn push_upsert(q: &mut Sql, user_id: UserId, rows: &[&Row<'_>]) {
    q.push(
        "INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at, changed_at) \
         VALUES ",
    );
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(").bind(user_id).push(", ");
        push_row_values(q, r);
        q.push(", ").bind(r.changed_at).push(")");
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

/// Appends a row's `topic_id, roadmap_id, status, updated_at`, bound.
pub(super) fn push_row_values(q: &mut Sql, r: &Row<'_>) {
    q.bind(r.topic_id)
        .push(", ")
        .bind(r.roadmap_id)
        .push(", ")
        .bind(r.status.to_value())
        .push(", ")
        .bind(r.updated_at);
}

/// Deletes the live statuses of one user on the topics, returning `topic_id` and `from_status`
/// for every row it removed.
pub(super) fn push_clear<'a>(
    q: &mut Sql,
    user_id: UserId,
    topic_ids: impl IntoIterator<Item = &'a TopicKey>,
) {
    q.push("DELETE FROM progress WHERE user_id = ")
        .bind(user_id)
        .push(" AND archived_at IS NULL AND topic_id IN ")
        .bind_list(topic_ids)
        .push(" RETURNING topic_id, status AS from_status");
}

/// Sets one status (`setTopicStatus`): [`set_statuses`] with the live topic looked up inside the
/// transaction, on PostgreSQL by the statement that takes the user's locks (one round trip for
/// both); `None`, writing nothing, when there is no such topic for the caller.
pub(super) async fn set_status(
    db: &DatabaseConnection,
    user_id: UserId,
    access: &CatalogAccess,
    key: &TopicKey,
    status: ProgressStatus,
    at: Option<DateTime<Utc>>,
) -> Result<Option<(topics::Model, roadmaps::Model, WriteOutcome)>, AppError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    let found = match txn.get_database_backend() {
        DbBackend::Postgres => {
            live_topic_locking(&txn, access, key, user_lock_exprs(user_id)).await?
        }
        _ => {
            lock_user(&txn, user_id).await?;
            live_topic(&txn, access, key).await?
        }
    };
    // Not found: the transaction rolls back when dropped, having written nothing.
    let Some((topic, roadmap)) = found else {
        return Ok(None);
    };
    let wanted = [Wanted {
        topic: &topic,
        status,
        at,
    }];
    let out = write_locked(txn, user_id, &roadmap, &wanted).await?;
    Ok(Some((topic, roadmap, out)))
}

/// Sets statuses of live topics of one roadmap, all or nothing, in one transaction under the
/// user's lock; a change older than the stored one is skipped ([`Timing::NewestWins`]). Changes
/// without `at` take the time at which the write got the lock, so they never lose to an earlier
/// write of this server. `setTopicStatus` is this with one change whose topic is looked up
/// inside the transaction ([`set_status`]).
pub(super) async fn set_statuses(
    db: &DatabaseConnection,
    user_id: UserId,
    roadmap: &roadmaps::Model,
    wanted: &[Wanted<'_>],
) -> Result<WriteOutcome, AppError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_user(&txn, user_id).await?;
    write_locked(txn, user_id, roadmap, wanted).await
}

/// The rest of [`set_statuses`] once `txn` holds the user's locks: the changes, the counts, the
/// commit.
async fn write_locked(
    txn: DatabaseTransaction,
    user_id: UserId,
    roadmap: &roadmaps::Model,
    wanted: &[Wanted<'_>],
) -> Result<WriteOutcome, AppError> {
    let now = merge::micros(Utc::now());
    let applied = apply_in(&txn, user_id, roadmap, wanted, now, Timing::NewestWins).await?;
    let (counts, linked) = match applied.counts {
        Some(all) => split_counts(all, roadmap.id, applied.linked),
        None => counts_after(&txn, user_id, roadmap.id, applied.linked).await?,
    };
    txn.commit().await?;
    Ok(WriteOutcome {
        roadmap_id: roadmap.id,
        changes: applied.changes,
        skipped: applied.skipped,
        counts,
        at: now,
        linked,
    })
}

/// The user's counts on a roadmap and on each roadmap a write changed through links, in one
/// statement.
pub(super) async fn counts_after(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    roadmap_id: RoadmapId,
    linked: BTreeMap<RoadmapId, Vec<StatusChange>>,
) -> Result<(Counts, Vec<LinkedWrite>), AppError> {
    let mut ids = vec![roadmap_id];
    ids.extend(linked.keys().copied());
    let all = counts(txn, user_id, &ids).await?;
    Ok(split_counts(all, roadmap_id, linked))
}

/// The counts on a roadmap, and the changes on each roadmap a write changed through links with
/// the counts there.
fn split_counts(
    mut all: HashMap<RoadmapId, Counts>,
    roadmap_id: RoadmapId,
    linked: BTreeMap<RoadmapId, Vec<StatusChange>>,
) -> (Counts, Vec<LinkedWrite>) {
    let linked = linked
        .into_iter()
        .map(|(roadmap_id, changes)| LinkedWrite {
            roadmap_id,
            changes,
            counts: all.get(&roadmap_id).copied().unwrap_or_default(),
        })
        .collect();
    (all.remove(&roadmap_id).unwrap_or_default(), linked)
}

/// Clears every status of the user on the roadmap (rows of deleted topics too: a reset starts
/// over), recording each in the history.
pub(super) async fn reset_roadmap(
    db: &DatabaseConnection,
    user_id: UserId,
    roadmap: &roadmaps::Model,
) -> Result<WriteOutcome, AppError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_user(&txn, user_id).await?;
    let now = merge::micros(Utc::now());
    // The delete reports what it removed, so the history names exactly the rows it cleared;
    // then the titles are looked up for the history.
    let mut q = Sql::new(txn.get_database_backend());
    q.push("DELETE FROM progress WHERE user_id = ")
        .bind(user_id)
        .push(" AND roadmap_id = ")
        .bind(roadmap.id)
        .push(" AND archived_at IS NULL RETURNING topic_id, status AS from_status");
    let mut removed: HashMap<TopicKey, ProgressStatus> = HashMap::new();
    read_changed(&txn, q, &mut removed).await?;
    let mut removed: Vec<(TopicKey, ProgressStatus)> = removed.into_iter().collect();
    removed.sort_by(|a, b| a.0.cmp(&b.0));
    let ids: Vec<TopicKey> = removed.iter().map(|(id, _)| id.clone()).collect();
    // Deleted topics too: their rows were cleared as well, and keep their title in the history.
    let mut titles: HashMap<TopicKey, String> =
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
    insert_events(&txn, user_id, &events, None).await?;
    let linked = clear_linked(&txn, user_id, roadmap.id).await?;
    let (counts, linked) = counts_after(&txn, user_id, roadmap.id, linked).await?;
    txn.commit().await?;
    Ok(WriteOutcome {
        roadmap_id: roadmap.id,
        changes,
        skipped: Vec::new(),
        counts,
        at: now,
        linked,
    })
}

#[derive(sea_orm::FromQueryResult)]
struct ClearedRow {
    topic_id: TopicKey,
    roadmap_id: RoadmapId,
    from_status: String,
}

/// After a reset: clears the user's statuses on the topics of other roadmaps linked to the
/// roadmap's live topics (no history events), in one statement; what it cleared, by roadmap.
async fn clear_linked(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    roadmap_id: RoadmapId,
) -> Result<BTreeMap<RoadmapId, Vec<StatusChange>>, AppError> {
    use sea_orm::FromQueryResult;
    let mut q = Sql::new(txn.get_database_backend());
    q.push("DELETE FROM progress WHERE user_id = ")
        .bind(user_id)
        .push(" AND archived_at IS NULL AND roadmap_id <> ")
        .bind(roadmap_id)
        .push(
            " AND topic_id IN (SELECT m.topic_id FROM topics s \
             JOIN topic_links l ON l.topic_id = s.id \
             JOIN topics gt ON gt.id = l.group_id AND gt.deleted_at IS NULL \
             JOIN roadmaps gr ON gr.id = gt.roadmap_id AND gr.deleted_at IS NULL \
             JOIN topic_links m ON m.group_id = l.group_id AND m.topic_id <> l.topic_id \
             JOIN topics t ON t.id = m.topic_id AND t.deleted_at IS NULL \
             WHERE s.deleted_at IS NULL AND s.roadmap_id = ",
        )
        .bind(roadmap_id)
        .push(") RETURNING topic_id, roadmap_id, status AS from_status");
    let mut out: BTreeMap<RoadmapId, Vec<StatusChange>> = BTreeMap::new();
    for r in ClearedRow::find_by_statement(q.build()).all(txn).await? {
        out.entry(r.roadmap_id).or_default().push(StatusChange {
            topic_id: r.topic_id,
            from: stored_status(&r.from_status)?,
            to: ProgressStatus::Pending,
        });
    }
    for changes in out.values_mut() {
        changes.sort_by(|a, b| a.topic_id.cmp(&b.topic_id));
    }
    Ok(out)
}
