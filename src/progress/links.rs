//! "Same as" links: a topic's editor may say it is the same as one root topic; learners' status
//! on any topic of the group (the root and the topics pointing at it) is then their status on all
//! of them.
//!
//! A link is its owner's claim about their own topic. Only editors of the pointing topic's
//! roadmap set or clear the pointer (admins: any), and setting it changes only that topic: for
//! every learner who can follow both roadmaps, the topic takes the root's status (the root is
//! never written here), each change recorded in the learner's history with the cause `LINKED`.
//! The target must be readable, live, and a root itself (no chains), so no call can join two
//! topics its caller does not edit through a third. Clearing a pointer changes no status; clearing
//! a root's (it has none) detaches every topic pointing at it, so an owner can always cut their
//! topic loose from others' claims. A topic that is given a pointer stops being a root: the
//! topics pointing at it stand alone. Progress stays one row per (user, topic): status writes fan
//! out to the group (see `status_writes`), so every reader is a plain read. Pointing waits for the
//! status writes under way and holds new ones back until it commits (`locks::lock_links`).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::{progress_events, roadmaps, topic_links, topics};
use sea_orm::sea_query::Condition;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    TransactionTrait,
};

use super::locks::{lock_links, write_turn};
use super::lookups::find_in;
use super::merge::micros;
use super::types::stored_status;
use super::CHUNK;
use crate::auth::{CatalogAccess, Editor, Tracker};
use crate::catalog::links::{dissolve_lone_roots, point};
use crate::db::sql::Sql;
use crate::error::{AppError, Input, Words};

/// The `progress_events.cause` of a status taken from a root by `setTopicSameAs`.
pub const CAUSE_LINKED: &str = "LINKED";

/// Points the topic `key` (input field `topicId`) at the root `target` (field `sameAsId`), or
/// clears its pointer (`None`); returns the topic with its roadmap. Editors of the topic's
/// roadmap and admins: `NOT_FOUND` for a topic or target the editor cannot read, `FORBIDDEN` for
/// a topic they can read but not edit, `BAD_USER_INPUT` (field `sameAsId`) for the topic itself
/// or a target that points at another topic.
pub async fn set_same_as(
    db: &DatabaseConnection,
    editor: &Editor,
    key: &TopicKey,
    target: Option<&TopicKey>,
) -> Result<(topics::Model, roadmaps::Model), AppError> {
    let (topic, roadmap) = readable_topic(db, editor, key, Input::Topic).await?;
    if !editor.may_edit(&roadmap) {
        return Err(AppError::Forbidden(
            "Only the editors of a topic's roadmap may say what it is the same as".into(),
        ));
    }
    if target == Some(key) {
        return Err(AppError::bad_input(
            Input::SameAs,
            Words::named(Input::SameAs).then(": a topic cannot be the same as itself"),
        ));
    }
    let target = match target {
        Some(t) => Some(readable_topic(db, editor, t, Input::SameAs).await?),
        None => None,
    };
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_links(&txn).await?;
    let now = micros(Utc::now());
    match &target {
        None => {
            // Its own pointer, and the pointers of others at it: it stands alone.
            let mut q = Sql::new(txn.get_database_backend());
            q.push("DELETE FROM topic_links WHERE topic_id = ")
                .bind(key)
                .push(" OR group_id = ")
                .bind(key);
            txn.execute(q.build()).await?;
        }
        Some((root, _)) => {
            let row = topic_links::Entity::find_by_id(root.id.clone())
                .one(&txn)
                .await?;
            if row.is_some_and(|l| l.group_id != l.topic_id) {
                return Err(AppError::bad_input(
                    Input::SameAs,
                    Words::named(Input::SameAs).then(
                        ": that topic is itself the same as another topic; point at a \
                         topic that points nowhere",
                    ),
                ));
            }
            // It stops being a root: the topics pointing at it stand alone.
            let mut q = Sql::new(txn.get_database_backend());
            q.push("DELETE FROM topic_links WHERE group_id = ")
                .bind(key)
                .push(" AND topic_id <> ")
                .bind(key);
            txn.execute(q.build()).await?;
            point(&txn, &[(key, &root.id)], now).await?;
            adopt_root_status(&txn, &[key], now, History::Record).await?;
        }
    }
    dissolve_lone_roots(&txn).await?;
    txn.commit().await?;
    Ok((topic, roadmap))
}

/// For each `(new_topic, source_topic)` of a fork: points `new_topic` at the source's root (the
/// source itself, or the root the source points at: no chains) and gives it every learner's
/// status on that root (no history: the topics are new, nobody saw them change). A fixed number
/// of statements per 500 pairs, inside the caller's transaction, after the link lock. No
/// authorisation here: the caller checks (the forker edits the fork and reads the source).
pub async fn link_pairs(
    txn: &impl ConnectionTrait,
    pairs: &[(TopicKey, TopicKey)],
) -> Result<(), AppError> {
    if pairs.is_empty() {
        return Ok(());
    }
    lock_links(txn).await?;
    let now = micros(Utc::now());
    for chunk in pairs.chunks(CHUNK) {
        let sources: Vec<&TopicKey> = chunk.iter().map(|(_, s)| s).collect();
        let root_of: HashMap<TopicKey, TopicKey> = find_in::<topic_links::Entity, _>(
            txn,
            topic_links::Column::TopicId,
            &sources,
            Condition::all(),
        )
        .await?
        .into_iter()
        .map(|l| (l.topic_id, l.group_id))
        .collect();
        // A topic named twice goes where its last pair says.
        let mut at: HashMap<&TopicKey, &TopicKey> = HashMap::new();
        for (n, s) in chunk {
            at.insert(n, root_of.get(s).unwrap_or(s));
        }
        let mut joined: Vec<(&TopicKey, &TopicKey)> = at.into_iter().collect();
        joined.sort_unstable();
        point(txn, &joined, now).await?;
        let targets: Vec<&TopicKey> = joined.iter().map(|(n, _)| *n).collect();
        adopt_root_status(txn, &targets, now, History::Skip).await?;
    }
    Ok(())
}

/// Whether [`adopt_root_status`] writes history events.
#[derive(Clone, Copy, PartialEq, Eq)]
enum History {
    Record,
    Skip,
}

#[derive(FromQueryResult)]
struct Taken {
    user_id: UserId,
    topic_id: TopicKey,
    roadmap_id: RoadmapId,
    from_status: String,
    to_status: String,
}

/// For every learner who can follow both the roadmap of a pointing topic in `targets` and its
/// root's, the topic takes the root's status (no row on the root: the topic's row goes, as
/// `PENDING`), keeping the root's change time. Two statements per 500 targets, whatever the
/// number of learners; with [`History::Record`] each change is a history event (`LINKED`).
async fn adopt_root_status(
    txn: &impl ConnectionTrait,
    targets: &[&TopicKey],
    now: DateTime<Utc>,
    history: History,
) -> Result<(), AppError> {
    let backend = txn.get_database_backend();
    let root_join = "JOIN topics rt ON rt.id = nl.group_id AND rt.deleted_at IS NULL \
                     JOIN roadmaps rr ON rr.id = rt.roadmap_id AND rr.deleted_at IS NULL";
    let mut taken = Vec::new();
    for chunk in targets.chunks(CHUNK) {
        let mut q = Sql::new(backend);
        q.push("DELETE FROM progress WHERE archived_at IS NULL AND topic_id IN ")
            .bind_list(chunk.iter().copied())
            .push(" AND EXISTS (SELECT 1 FROM topic_links nl ")
            .push(root_join)
            .push(" WHERE nl.topic_id = progress.topic_id AND nl.group_id <> nl.topic_id AND ");
        CatalogAccess::push_learner_tracks(&mut q, "rr", Tracker::EachRow("progress.user_id"))
            .push(
                " AND NOT EXISTS (SELECT 1 FROM progress w WHERE w.topic_id = rt.id \
                 AND w.user_id = progress.user_id AND w.archived_at IS NULL)) \
                 RETURNING user_id, topic_id, roadmap_id, status AS from_status, \
                 'PENDING' AS to_status",
            );
        taken.extend(Taken::find_by_statement(q.build()).all(txn).await?);

        let mut q = Sql::new(backend);
        q.push(
            "INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at, \
             changed_at) SELECT w.user_id, n.id, n.roadmap_id, w.status, ",
        )
        .bind(now)
        .push(
            ", COALESCE(w.changed_at, w.updated_at) FROM topics n \
             JOIN roadmaps nr ON nr.id = n.roadmap_id AND nr.deleted_at IS NULL \
             JOIN topic_links nl ON nl.topic_id = n.id AND nl.group_id <> nl.topic_id ",
        )
        .push(root_join)
        .push(
            " JOIN progress w ON w.topic_id = rt.id AND w.archived_at IS NULL \
             WHERE n.deleted_at IS NULL AND n.id IN ",
        )
        .bind_list(chunk.iter().copied())
        .push(" AND ");
        CatalogAccess::push_learner_tracks(&mut q, "nr", Tracker::EachRow("w.user_id"))
            .push(" AND ");
        CatalogAccess::push_learner_tracks(&mut q, "rr", Tracker::EachRow("w.user_id"))
            .push(UPSERT_TAIL)
            .push(
                " RETURNING user_id, topic_id, roadmap_id, \
             COALESCE(previous_status, 'PENDING') AS from_status, status AS to_status",
            );
        taken.extend(Taken::find_by_statement(q.build()).all(txn).await?);
    }
    if history == History::Record {
        record_taken(txn, taken, now).await?;
    }
    Ok(())
}

/// The `ON CONFLICT` part of a write that brings a learner's row in line with another row:
/// an archived row is overwritten (it was no status), a row already showing the status at that
/// time is left alone.
const UPSERT_TAIL: &str = " ON CONFLICT (user_id, topic_id) DO UPDATE SET \
     previous_status = CASE WHEN progress.archived_at IS NULL THEN progress.status END, \
     updated_at = CASE WHEN progress.archived_at IS NULL \
     AND progress.status = excluded.status THEN progress.updated_at \
     ELSE excluded.updated_at END, \
     status = excluded.status, changed_at = excluded.changed_at, \
     roadmap_id = excluded.roadmap_id, archived_at = NULL \
     WHERE progress.archived_at IS NOT NULL OR progress.status <> excluded.status \
     OR COALESCE(progress.changed_at, progress.updated_at) <> excluded.changed_at";

/// Writes one `LINKED` history event per status a link changed (with the titles of now).
async fn record_taken(
    txn: &impl ConnectionTrait,
    taken: Vec<Taken>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let taken: Vec<Taken> = taken
        .into_iter()
        .filter(|t| t.from_status != t.to_status)
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    let topic_ids: Vec<&TopicKey> = taken.iter().map(|t| &t.topic_id).collect();
    let mut roadmap_ids: Vec<RoadmapId> = taken.iter().map(|t| t.roadmap_id).collect();
    roadmap_ids.sort_unstable();
    roadmap_ids.dedup();
    let topic_titles: HashMap<TopicKey, String> =
        find_in::<topics::Entity, _>(txn, topics::Column::Id, &topic_ids, Condition::all())
            .await?
            .into_iter()
            .map(|t| (t.id, t.title))
            .collect();
    let roadmap_titles: HashMap<RoadmapId, String> =
        find_in::<roadmaps::Entity, _>(txn, roadmaps::Column::Id, &roadmap_ids, Condition::all())
            .await?
            .into_iter()
            .map(|r| (r.id, r.title))
            .collect();
    let events: Vec<progress_events::ActiveModel> = taken
        .into_iter()
        .map(|t| -> Result<progress_events::ActiveModel, AppError> {
            Ok(progress_events::ActiveModel {
                id: NotSet,
                user_id: Set(t.user_id),
                roadmap_id: Set(t.roadmap_id),
                topic_title: Set(topic_titles.get(&t.topic_id).cloned()),
                roadmap_title: Set(roadmap_titles.get(&t.roadmap_id).cloned()),
                topic_id: Set(t.topic_id),
                from_status: Set(stored_status(&t.from_status)?),
                to_status: Set(stored_status(&t.to_status)?),
                created_at: Set(now),
                cause: Set(Some(CAUSE_LINKED.to_owned())),
            })
        })
        .collect::<Result<_, _>>()?;
    for chunk in events.chunks(CHUNK) {
        progress_events::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    // These entries are no learner's own write (no progress notice): the version is what makes
    // every process's kept histories (`me.activity`, in the learners' cache) stale. The link
    // rows written beside them bump it too, but not when they were already in place.
    crate::db::content_version::bump(txn).await?;
    Ok(())
}

/// One live topic readable to the editor, with its roadmap, or `NOT_FOUND` naming `field`.
async fn readable_topic(
    db: &impl ConnectionTrait,
    editor: &Editor,
    key: &TopicKey,
    field: Input,
) -> Result<(topics::Model, roadmaps::Model), AppError> {
    let row = topics::Entity::find_by_id(key.clone())
        .filter(topics::Column::DeletedAt.is_null())
        .find_also_related(roadmaps::Entity)
        .one(db)
        .await?;
    match row {
        Some((t, Some(r))) if r.deleted_at.is_none() && editor.catalog().can_read(&r) => Ok((t, r)),
        _ => Err(AppError::not_found_in(
            field,
            Words::named(field).then(format!(": no topic `{key}`")),
        )),
    }
}

/// Brings the linked topics of a roadmap in line with their groups, for every learner (the
/// roadmap's readership grew: published, or made UNLISTED or PUBLIC) or for one (who just
/// followed its link). Status writes fan out only onto roadmaps the learner can follow, so a
/// roadmap that opens up to someone must first receive their statuses. One statement.
pub async fn refresh(
    txn: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
    learner: Option<UserId>,
) -> Result<(), AppError> {
    lock_links(txn).await?;
    sync_roadmap(txn, roadmap_id, learner, micros(Utc::now())).await
}

/// For every learner with progress on the live group of a topic of the roadmap (on a roadmap
/// they can follow), writes the most recently changed status of the group
/// (`COALESCE(changed_at, updated_at)`, ties to the greater topic key; only live rows of live
/// topics) to that topic, keeping that change time: one statement, whatever the number of
/// learners. Rows already showing it are left alone. Repeats of a topic of their own roadmap are
/// written as well: they show their root's status.
async fn sync_roadmap(
    txn: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
    learner: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut q = Sql::new(txn.get_database_backend());
    q.push(
        "INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at, changed_at) \
         SELECT w.user_id, n.id, n.roadmap_id, w.status, ",
    )
    .bind(now)
    .push(
        ", COALESCE(w.changed_at, w.updated_at) \
         FROM topics n \
         JOIN roadmaps nr ON nr.id = n.roadmap_id AND nr.deleted_at IS NULL \
         JOIN topic_links nl ON nl.topic_id = n.id \
         JOIN topics gt ON gt.id = nl.group_id AND gt.deleted_at IS NULL \
         JOIN roadmaps gr ON gr.id = gt.roadmap_id AND gr.deleted_at IS NULL \
         JOIN topic_links wl ON wl.group_id = nl.group_id \
         JOIN topics wt ON wt.id = wl.topic_id AND wt.deleted_at IS NULL \
         JOIN progress w ON w.topic_id = wl.topic_id AND w.archived_at IS NULL \
         WHERE n.deleted_at IS NULL AND n.roadmap_id = ",
    )
    .bind(roadmap_id);
    if let Some(user) = learner {
        q.push(" AND w.user_id = ").bind(user);
    }
    // Only onto roadmaps each learner can follow (as status writes do).
    q.push(" AND ");
    CatalogAccess::push_learner_tracks(&mut q, "nr", Tracker::EachRow("w.user_id"));
    q.push(
        " AND NOT EXISTS (SELECT 1 FROM topic_links ol \
         JOIN topics ot ON ot.id = ol.topic_id AND ot.deleted_at IS NULL \
         JOIN progress o ON o.topic_id = ol.topic_id AND o.user_id = w.user_id \
         AND o.archived_at IS NULL \
         WHERE ol.group_id = nl.group_id \
         AND (COALESCE(o.changed_at, o.updated_at) > COALESCE(w.changed_at, w.updated_at) \
         OR (COALESCE(o.changed_at, o.updated_at) = COALESCE(w.changed_at, w.updated_at) \
         AND o.topic_id > w.topic_id)))",
    )
    .push(UPSERT_TAIL);
    txn.execute(q.build()).await?;
    Ok(())
}
