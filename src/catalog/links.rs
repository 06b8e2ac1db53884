//! Reads of link groups (`topic_links`). A topic may point at one root topic it is "the same
//! as" (`group_id` is the root's key; a root's own row has `group_id = topic_id`); a group is a
//! root and the topics pointing at it, and exists only while its root is live (a topic not
//! deleted on a roadmap not deleted): every read here joins the root, and
//! [`dissolve_dead_groups`] removes the rows of groups whose root was deleted. Here: the other
//! members of some topics' groups (for the progress fan-out), per roadmap the linked topics and
//! the root of each of its topics (`Topic.linkedTopics`, `Topic.sameAs`), and which topics repeat
//! another of their own roadmap (counted once). Pointing a topic takes learners' statuses, so it
//! lives with progress (`progress::links`).
use std::collections::HashMap;
use std::sync::Arc;

use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::roadmaps;
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::batch::roadmaps_by_id;
use crate::auth::{CatalogAccess, Tracker};
use crate::db::sql::Sql;
use crate::error::AppError;

/// Topics per `IN` list: well under SQLite's bound-parameter limit.
const CHUNK: usize = 500;

/// A live topic of a group, with its roadmap.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct LinkedTopic {
    pub topic_id: TopicKey,
    pub roadmap_id: RoadmapId,
}

#[derive(FromQueryResult)]
struct LinkRow {
    source_id: TopicKey,
    topic_id: TopicKey,
    roadmap_id: RoadmapId,
}

/// Topics that repeat a subject already counted on their own roadmap: a topic pointing at a live
/// root of its own roadmap (such as "Redis" twice in Backend), or at a root that another live
/// topic of its roadmap with a smaller key points at too (the two copies of a repeat in a fork
/// both point at the source's root). Every count leaves them out, so each subject counts once
/// per roadmap. An SQL subquery selecting topic keys, for `… NOT IN (REPEATED_TOPICS)`.
///
/// The pointing topic's roadmap is a scalar subquery rather than a join: joined, SQLite's planner
/// (without statistics) drove the join from `topics` and read the whole table (745 pages, ~2 ms
/// at 10,400 topics) inside every status write's counts; this way it walks the links only.
pub const REPEATED_TOPICS: &str = "SELECT l.topic_id FROM topic_links l \
     WHERE l.group_id <> l.topic_id AND EXISTS (SELECT 1 FROM topic_links l2 \
     JOIN topics b ON b.id = l2.topic_id \
     WHERE l2.group_id = l.group_id \
     AND b.roadmap_id = (SELECT a.roadmap_id FROM topics a WHERE a.id = l.topic_id) \
     AND b.deleted_at IS NULL \
     AND (l2.topic_id = l.group_id OR l2.topic_id < l.topic_id))";

/// Topics no count includes: deleted ones and repeats ([`REPEATED_TOPICS`]). An SQL subquery
/// selecting topic keys.
pub fn uncounted_topics() -> String {
    format!("SELECT id FROM topics WHERE deleted_at IS NOT NULL UNION {REPEATED_TOPICS}")
}

/// Removes the groups whose root is deleted (the topic, or its roadmap: deleted on its own, with
/// its team or with its owner's account) and the roots nothing points at any more: each topic
/// that pointed at a dead root stands alone, keeping the statuses it showed (its own rows, equal
/// by fan-out), so nothing any learner sees changes. Called in the transaction of every deletion;
/// one statement over the roots.
pub async fn dissolve_dead_groups(txn: &impl ConnectionTrait) -> Result<(), AppError> {
    txn.execute_unprepared(
        "DELETE FROM topic_links WHERE group_id IN (SELECT l.group_id FROM topic_links l \
         JOIN topics t ON t.id = l.group_id JOIN roadmaps r ON r.id = t.roadmap_id \
         WHERE l.topic_id = l.group_id \
         AND (t.deleted_at IS NOT NULL OR r.deleted_at IS NOT NULL))",
    )
    .await?;
    dissolve_lone_roots(txn).await
}

/// Writes the pointers `(topic, root)` (replacing a topic's old one) and the roots' own rows (a
/// root has a row of its own while anything points at it), in batched upserts.
pub async fn point(
    txn: &impl ConnectionTrait,
    pairs: &[(&TopicKey, &TopicKey)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let mut rows: Vec<(&TopicKey, &TopicKey)> = pairs.iter().map(|(_, r)| (*r, *r)).collect();
    rows.sort_unstable();
    rows.dedup();
    rows.extend(pairs.iter().copied());
    // Three values a row: well under SQLite's bound-parameter limit.
    for chunk in rows.chunks(CHUNK / 2) {
        let mut q = Sql::new(txn.get_database_backend());
        q.push("INSERT INTO topic_links (topic_id, group_id, created_at) VALUES ");
        for (i, (topic, root)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(*topic)
                .push(", ")
                .bind(*root)
                .push(", ")
                .bind(now)
                .push(")");
        }
        q.push(
            " ON CONFLICT (topic_id) DO UPDATE SET group_id = excluded.group_id, \
             created_at = excluded.created_at WHERE topic_links.group_id <> excluded.group_id",
        );
        txn.execute(q.build()).await?;
    }
    Ok(())
}

/// Removes the rows of roots that no topic points at any more.
pub async fn dissolve_lone_roots(txn: &impl ConnectionTrait) -> Result<(), AppError> {
    txn.execute_unprepared(
        "DELETE FROM topic_links WHERE topic_id = group_id AND topic_id NOT IN \
         (SELECT p.group_id FROM topic_links p WHERE p.group_id <> p.topic_id)",
    )
    .await?;
    Ok(())
}

/// The linked topics of one roadmap's topics, and the roadmaps they are on (in any state: the
/// caller applies its `CatalogAccess`).
#[derive(Debug, Default)]
pub struct LinkMap {
    /// By topic key: the other live topics of its group, by roadmap id then key.
    pub by_topic: HashMap<TopicKey, Vec<LinkedTopic>>,
    /// By topic key: the root it is the same as (only for topics that point at a live root).
    pub same_as: HashMap<TopicKey, LinkedTopic>,
    pub roadmaps: HashMap<RoadmapId, Arc<roadmaps::Model>>,
}

/// Appends the rows (`source_id`, `topic_id`, `roadmap_id`, `root_id`): for each topic
/// `l.topic_id` in a group whose root is live, each other live topic of the group on a roadmap
/// that is not deleted, and the group's root.
fn push_links(q: &mut Sql) {
    q.push(
        "SELECT l.topic_id AS source_id, m.topic_id AS topic_id, t.roadmap_id AS roadmap_id, \
         l.group_id AS root_id \
         FROM topic_links l \
         JOIN topics gt ON gt.id = l.group_id AND gt.deleted_at IS NULL \
         JOIN roadmaps gr ON gr.id = gt.roadmap_id AND gr.deleted_at IS NULL \
         JOIN topic_links m ON m.group_id = l.group_id AND m.topic_id <> l.topic_id \
         JOIN topics t ON t.id = m.topic_id AND t.deleted_at IS NULL \
         JOIN roadmaps r ON r.id = t.roadmap_id AND r.deleted_at IS NULL",
    );
}

/// The query of [`linked_members`] (columns `source_id`, `topic_id`, `roadmap_id`, `root_id`), not
/// ordered, for a statement that reads more with it (a status write reads the stored statuses
/// of the group in the same statement). `topic_ids` is never empty.
pub fn push_linked_members(q: &mut Sql, topic_ids: &[&TopicKey], learner: UserId) {
    push_links(q);
    q.push(" WHERE l.topic_id IN ")
        .bind_list(topic_ids.iter().copied())
        .push(" AND ");
    CatalogAccess::push_learner_tracks(q, "r", Tracker::Learner(learner));
}

/// The other live topics of the groups of `topic_ids` on the roadmaps that `reader` (SQL over the
/// roadmaps table aliased `r`) admits, by topic (topics without a group are absent): one
/// statement per 500 topics.
pub async fn linked_members(
    db: &impl ConnectionTrait,
    topic_ids: &[&TopicKey],
    learner: UserId,
) -> Result<HashMap<TopicKey, Vec<LinkedTopic>>, AppError> {
    let mut out: HashMap<TopicKey, Vec<LinkedTopic>> = HashMap::new();
    for chunk in topic_ids.chunks(CHUNK) {
        let mut q = Sql::new(db.get_database_backend());
        push_linked_members(&mut q, chunk, learner);
        q.push(" ORDER BY l.topic_id, t.roadmap_id, m.topic_id");
        for r in LinkRow::find_by_statement(q.build()).all(db).await? {
            out.entry(r.source_id).or_default().push(LinkedTopic {
                topic_id: r.topic_id,
                roadmap_id: r.roadmap_id,
            });
        }
    }
    Ok(out)
}

/// For each roadmap, the linked topics of its live topics, with their roadmaps: two statements
/// whatever the number of roadmaps and topics (an empty map for a roadmap without links).
pub async fn linked_by_roadmap(
    db: &impl ConnectionTrait,
    roadmap_ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, Arc<LinkMap>>, AppError> {
    let mut maps: HashMap<RoadmapId, LinkMap> = roadmap_ids
        .iter()
        .map(|id| (*id, LinkMap::default()))
        .collect();
    if roadmap_ids.is_empty() {
        return Ok(HashMap::new());
    }
    #[derive(FromQueryResult)]
    struct Row {
        source_roadmap: RoadmapId,
        source_id: TopicKey,
        topic_id: TopicKey,
        roadmap_id: RoadmapId,
        root_id: TopicKey,
    }
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT s.roadmap_id AS source_roadmap, x.source_id, x.topic_id, x.roadmap_id, \
         x.root_id \
         FROM topics s JOIN (",
    );
    push_links(&mut q);
    q.push(") x ON x.source_id = s.id WHERE s.deleted_at IS NULL AND s.roadmap_id IN ")
        .bind_list(roadmap_ids.iter().copied())
        .push(" ORDER BY x.source_id, x.roadmap_id, x.topic_id");
    let rows = Row::find_by_statement(q.build()).all(db).await?;
    let mut wanted: Vec<RoadmapId> = rows.iter().map(|r| r.roadmap_id).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let found = if wanted.is_empty() {
        HashMap::new()
    } else {
        roadmaps_by_id(db, &wanted).await?
    };
    for r in rows {
        let Some(map) = maps.get_mut(&r.source_roadmap) else {
            continue;
        };
        if let Some(m) = found.get(&r.roadmap_id) {
            map.roadmaps.insert(r.roadmap_id, m.clone());
        }
        if r.topic_id == r.root_id {
            map.same_as.insert(
                r.source_id.clone(),
                LinkedTopic {
                    topic_id: r.topic_id.clone(),
                    roadmap_id: r.roadmap_id,
                },
            );
        }
        map.by_topic
            .entry(r.source_id)
            .or_default()
            .push(LinkedTopic {
                topic_id: r.topic_id,
                roadmap_id: r.roadmap_id,
            });
    }
    Ok(maps.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
}

/// The repeats of one roadmap: topic key → the key of the live topic of the same roadmap it is the
/// same as (for the document's `sameAs`). One statement.
pub async fn repeats_of(
    db: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
) -> Result<HashMap<TopicKey, TopicKey>, AppError> {
    #[derive(FromQueryResult)]
    struct Row {
        topic_id: TopicKey,
        group_id: TopicKey,
    }
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT l.topic_id AS topic_id, l.group_id AS group_id FROM topic_links l \
         JOIN topics a ON a.id = l.topic_id \
         JOIN topics rt ON rt.id = l.group_id AND rt.roadmap_id = a.roadmap_id \
         AND rt.deleted_at IS NULL WHERE l.group_id <> l.topic_id AND a.roadmap_id = ",
    )
    .bind(roadmap_id);
    Ok(Row::find_by_statement(q.build())
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.topic_id, r.group_id))
        .collect())
}
