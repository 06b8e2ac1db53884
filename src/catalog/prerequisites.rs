//! Prerequisites (`topic_prerequisites`): a topic names the topics best learned before it, on its
//! own roadmap or on any other its editor can read. Only the editors of the topic's roadmap set
//! them (the whole list at once, at most [`MAX_PREREQUISITES`]); the edges never form a cycle.
//!
//! Setting runs in one transaction: the roadmap row is touched first (the edit check, as every
//! topic edit), then on PostgreSQL one advisory lock serialises every prerequisite write (a cycle
//! can run across roadmaps, so a per-roadmap lock could not stop two editors closing one between
//! them; SQLite has one writer anyway). The old edges go, the cycle check reads what the new ones
//! would reach in one recursive statement, and the new edges are written. Reads leave out
//! soft-deleted topics and deleted roadmaps; the viewer's gate is the caller's to apply.
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use entity::ids::{RoadmapId, TopicKey};
use entity::{roadmaps, topics};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, TransactionTrait,
};
use serde_json::json;

use super::batch::roadmaps_by_id;
use super::links::LinkedTopic;
use super::revisions::{self, Actor, Edit, Entity};
use super::roadmap_editing::touch;
use super::topics::require_live;
use crate::db::sql::Sql;
use crate::error::{AppError, Field, Input, Words};

/// Prerequisites a topic may name.
pub const MAX_PREREQUISITES: usize = 20;

/// The end of a recursive query whose seed (`reach(id) AS (SELECT … `, written by the caller)
/// names some topics: every live edge reachable from them, as `topic_id`, `prerequisite_id`, in
/// order. Cycle checks read the graph through it.
pub(super) const REACHABLE_EDGES: &str =
    " UNION SELECT e.prerequisite_id FROM topic_prerequisites e \
     JOIN reach r ON e.topic_id = r.id \
     JOIN topics t ON t.id = e.prerequisite_id AND t.deleted_at IS NULL) \
     SELECT e.topic_id AS topic_id, e.prerequisite_id AS prerequisite_id \
     FROM topic_prerequisites e JOIN reach r ON e.topic_id = r.id \
     JOIN topics t ON t.id = e.prerequisite_id AND t.deleted_at IS NULL \
     ORDER BY e.topic_id, e.prerequisite_id";

/// Namespace of the prerequisite write lock (PostgreSQL advisory lock).
const LOCK_NAMESPACE: i32 = 0x5052_4551; // "PREQ"

/// The prerequisites and the unlocked topics of one roadmap's topics, with the roadmaps of the
/// topics at the other end (in any state: the caller applies the viewer's gate).
#[derive(Debug, Default)]
pub struct PrerequisiteMap {
    /// By topic key: the live topics it needs.
    pub prerequisites: HashMap<TopicKey, Vec<LinkedTopic>>,
    /// By topic key: the live topics that need it.
    pub unlocks: HashMap<TopicKey, Vec<LinkedTopic>>,
    pub roadmaps: HashMap<RoadmapId, Arc<roadmaps::Model>>,
}

#[derive(FromQueryResult)]
struct EdgeRow {
    /// 0: `source_id` needs `other_id`; 1: `other_id` needs `source_id`.
    unlocks: i32,
    source_roadmap: RoadmapId,
    source_id: TopicKey,
    other_id: TopicKey,
    other_roadmap: RoadmapId,
}

/// Appends one side of the live edges of the topics of `roadmap_ids`, found by the roadmap id
/// kept on the edge: `near` is the end on those roadmaps, `far` the other.
fn push_side(q: &mut Sql, unlocks: bool, near: &str, far: &str, roadmap_ids: &[RoadmapId]) {
    q.push(if unlocks { "SELECT 1" } else { "SELECT 0" })
        .push(&format!(
            " AS unlocks, e.{near}_roadmap_id AS source_roadmap, e.{near}_id AS source_id, \
             e.{far}_id AS other_id, e.{far}_roadmap_id AS other_roadmap \
             FROM topic_prerequisites e \
             JOIN topics n ON n.id = e.{near}_id AND n.deleted_at IS NULL \
             JOIN topics f ON f.id = e.{far}_id AND f.deleted_at IS NULL \
             JOIN roadmaps fr ON fr.id = e.{far}_roadmap_id AND fr.deleted_at IS NULL \
             WHERE e.{near}_roadmap_id IN "
        ))
        .bind_list(roadmap_ids.iter().copied());
}

/// For each roadmap, its topics' prerequisites and unlocked topics with their roadmaps: two
/// statements whatever the number of roadmaps and topics (one when no edge leaves the roadmaps).
pub async fn by_roadmap(
    db: &impl ConnectionTrait,
    roadmap_ids: &[RoadmapId],
) -> Result<HashMap<RoadmapId, Arc<PrerequisiteMap>>, AppError> {
    if roadmap_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut maps: HashMap<RoadmapId, PrerequisiteMap> = roadmap_ids
        .iter()
        .map(|id| (*id, PrerequisiteMap::default()))
        .collect();
    let mut q = Sql::new(db.get_database_backend());
    push_side(&mut q, false, "topic", "prerequisite", roadmap_ids);
    q.push(" UNION ALL ");
    push_side(&mut q, true, "prerequisite", "topic", roadmap_ids);
    q.push(" ORDER BY 1, 2, 3, 4");
    let rows = EdgeRow::find_by_statement(q.build()).all(db).await?;
    let mut others: Vec<RoadmapId> = rows.iter().map(|r| r.other_roadmap).collect();
    others.sort_unstable();
    others.dedup();
    let found = if others.is_empty() {
        HashMap::new()
    } else {
        roadmaps_by_id(db, &others).await?
    };
    for r in rows {
        let Some(map) = maps.get_mut(&r.source_roadmap) else {
            continue;
        };
        if let Some(m) = found.get(&r.other_roadmap) {
            map.roadmaps.insert(r.other_roadmap, m.clone());
        }
        let side = if r.unlocks == 0 {
            &mut map.prerequisites
        } else {
            &mut map.unlocks
        };
        side.entry(r.source_id).or_default().push(LinkedTopic {
            topic_id: r.other_id,
            roadmap_id: r.other_roadmap,
        });
    }
    Ok(maps.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
}

/// Replaces the prerequisites of the topic `key` (input `topicId`) with `wanted` (input
/// `prerequisiteIds`, in order; repeats count once); returns the topic's roadmap id. Refusals:
/// more than [`MAX_PREREQUISITES`], the topic itself, or a cycle → `BAD_USER_INPUT` (the cycle's
/// titles in order); a prerequisite that is not a live topic the actor may read → `NOT_FOUND`
/// naming its place; a topic the actor cannot edit → as every topic edit (`touch`).
pub async fn set(
    db: &DatabaseConnection,
    actor: &Actor,
    key: &TopicKey,
    wanted: &[TopicKey],
) -> Result<RoadmapId, AppError> {
    if wanted.len() > MAX_PREREQUISITES {
        return Err(AppError::bad_input(
            Input::Prerequisites,
            Words::named(Input::Prerequisites)
                .then(format!(" may hold at most {MAX_PREREQUISITES} topics")),
        ));
    }
    let mut ids: Vec<(usize, &TopicKey)> = Vec::with_capacity(wanted.len());
    for (i, id) in wanted.iter().enumerate() {
        if id == key {
            return Err(AppError::bad_input(
                Field::item(Input::Prerequisites, i),
                Words::named(Field::item(Input::Prerequisites, i))
                    .then(": a topic cannot be its own prerequisite"),
            ));
        }
        if !ids.iter().any(|(_, seen)| *seen == id) {
            ids.push((i, id));
        }
    }
    let roadmap_id = require_live(db, key).await?.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, actor, roadmap_id, false, None).await?;
    lock(&txn).await?;
    let topic = require_live(&txn, key).await?;
    let roadmap_of = check_readable(&txn, actor, &ids).await?;
    let before = current(&txn, key).await?;
    let mut q = Sql::new(txn.get_database_backend());
    q.push("DELETE FROM topic_prerequisites WHERE topic_id = ")
        .bind(key);
    txn.execute(q.build()).await?;
    if !ids.is_empty() {
        check_no_cycle(&txn, &topic, &ids).await?;
        let now = super::export::now();
        let mut q = Sql::new(txn.get_database_backend());
        q.push(
            "INSERT INTO topic_prerequisites (topic_id, prerequisite_id, topic_roadmap_id, \
             prerequisite_roadmap_id, created_at) VALUES ",
        );
        for (n, (_, id)) in ids.iter().enumerate() {
            let far = roadmap_of.get(*id).copied().unwrap_or(roadmap_id);
            q.push(if n > 0 { ", (" } else { "(" })
                .bind(key)
                .push(", ")
                .bind(*id)
                .push(", ")
                .bind(roadmap_id)
                .push(", ")
                .bind(far)
                .push(", ")
                .bind(now)
                .push(")");
        }
        txn.execute(q.build()).await?;
    }
    let after: Vec<TopicKey> = ids.iter().map(|(_, id)| (*id).clone()).collect();
    let mut sorted = after.clone();
    sorted.sort_unstable();
    if before != sorted {
        revisions::record(
            &txn,
            roadmap_id,
            actor,
            Edit::SetTopicPrerequisites,
            Entity::Topic,
            key.as_str(),
            json!({ "before": { "prerequisites": before }, "after": { "prerequisites": after } }),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(roadmap_id)
}

/// Waits for the other prerequisite writers (see the module docs).
pub(super) async fn lock(txn: &impl ConnectionTrait) -> Result<(), AppError> {
    if txn.get_database_backend() == DbBackend::Postgres {
        let mut q = Sql::new(DbBackend::Postgres);
        q.push("SELECT pg_advisory_xact_lock(")
            .bind(LOCK_NAMESPACE)
            .push(", 0)");
        txn.execute(q.build()).await?;
    }
    Ok(())
}

/// The prerequisites a topic has now, by key, in key order.
async fn current(txn: &impl ConnectionTrait, key: &TopicKey) -> Result<Vec<TopicKey>, AppError> {
    use entity::topic_prerequisites as tp;
    use sea_orm::QueryOrder;
    Ok(tp::Entity::find()
        .filter(tp::Column::TopicId.eq(key))
        .order_by_asc(tp::Column::PrerequisiteId)
        .all(txn)
        .await?
        .into_iter()
        .map(|r| r.prerequisite_id)
        .collect())
}

/// Every wanted prerequisite is a live topic on a live roadmap the actor may read; else
/// `NOT_FOUND` at its place in the list (one statement).
async fn check_readable(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[(usize, &TopicKey)],
) -> Result<HashMap<TopicKey, RoadmapId>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = topics::Entity::find()
        .filter(topics::Column::Id.is_in(ids.iter().map(|(_, id)| *id)))
        .filter(topics::Column::DeletedAt.is_null())
        .find_also_related(roadmaps::Entity)
        .all(txn)
        .await?;
    let access = actor.catalog();
    let readable: HashMap<TopicKey, RoadmapId> = rows
        .into_iter()
        .filter(|(_, r)| {
            r.as_ref()
                .is_some_and(|r| r.deleted_at.is_none() && access.can_read(r))
        })
        .map(|(t, _)| (t.id, t.roadmap_id))
        .collect();
    match ids.iter().find(|(_, id)| !readable.contains_key(*id)) {
        Some((i, id)) => {
            let field = Field::item(Input::Prerequisites, *i);
            Err(AppError::not_found_in(
                field.clone(),
                Words::named(field).then(format!(": no topic `{id}`")),
            ))
        }
        None => Ok(readable),
    }
}

/// Refuses the new edges `topic → ids` when one of `ids` already needs `topic`, directly or
/// through others (the topic's old edges are gone by now). One recursive statement reads the
/// live edges reachable from `ids`; a second the titles of a cycle found.
async fn check_no_cycle(
    txn: &impl ConnectionTrait,
    topic: &topics::Model,
    ids: &[(usize, &TopicKey)],
) -> Result<(), AppError> {
    #[derive(FromQueryResult)]
    struct Edge {
        topic_id: TopicKey,
        prerequisite_id: TopicKey,
    }
    let mut q = Sql::new(txn.get_database_backend());
    q.push(
        "WITH RECURSIVE reach(id) AS (SELECT id FROM topics WHERE deleted_at IS NULL AND id IN ",
    )
    .bind_list(ids.iter().map(|(_, id)| *id))
    .push(REACHABLE_EDGES);
    let edges: Vec<(TopicKey, TopicKey)> = Edge::find_by_statement(q.build())
        .all(txn)
        .await?
        .into_iter()
        .map(|e| (e.topic_id, e.prerequisite_id))
        .collect();
    let Some((at, path)) = ids
        .iter()
        .find_map(|(i, id)| path_to(&edges, id, &topic.id).map(|p| (*i, p)))
    else {
        return Ok(());
    };
    // The cycle, from the topic round to it again: the topic needs path[0], which needs …
    let mut cycle = vec![topic.id.clone()];
    cycle.extend(path);
    let rows = topics::Entity::find()
        .filter(topics::Column::Id.is_in(cycle.iter().cloned()))
        .all(txn)
        .await?;
    let title: HashMap<&str, &str> = rows
        .iter()
        .map(|t| (t.id.as_str(), t.title.as_str()))
        .collect();
    let named: Vec<String> = cycle
        .iter()
        .map(|k| format!("“{}”", title.get(k.as_str()).copied().unwrap_or(k.as_str())))
        .collect();
    let field = Field::item(Input::Prerequisites, at);
    Err(AppError::bad_input(
        field.clone(),
        Words::named(field).then(format!(
            ": that would make a cycle of prerequisites: {} (each needs the next)",
            named.join(" → ")
        )),
    ))
}

/// The shortest path of keys from `from` to `to` along `edges` (topic → prerequisite), `from`
/// and `to` included; `None` when `to` cannot be reached. Breadth first, so the cycle named is a
/// shortest one, and ties go to the smaller key (the edges are sorted).
pub fn path_to(
    edges: &[(TopicKey, TopicKey)],
    from: &TopicKey,
    to: &TopicKey,
) -> Option<Vec<TopicKey>> {
    let mut next: HashMap<&TopicKey, Vec<&TopicKey>> = HashMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
    }
    let mut came_from: HashMap<&TopicKey, &TopicKey> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = HashSet::from([from]);
    while let Some(cur) = queue.pop_front() {
        if cur == to {
            let mut path = vec![cur.clone()];
            let mut at = cur;
            while let Some(prev) = came_from.get(at) {
                path.push((*prev).clone());
                at = *prev;
            }
            path.reverse();
            return Some(path);
        }
        for n in next.get(cur).into_iter().flatten() {
            if seen.insert(*n) {
                came_from.insert(*n, cur);
                queue.push_back(*n);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::path_to;
    use entity::ids::TopicKey;

    fn k(key: &str) -> TopicKey {
        TopicKey(key.to_owned())
    }

    fn e(a: &str, b: &str) -> (TopicKey, TopicKey) {
        (k(a), k(b))
    }

    #[test]
    fn finds_the_shortest_path() {
        let edges = [e("b", "c"), e("c", "a"), e("b", "a"), e("x", "y")];
        assert_eq!(path_to(&edges, &k("b"), &k("a")).unwrap(), [k("b"), k("a")]);
        assert_eq!(path_to(&edges, &k("c"), &k("a")).unwrap(), [k("c"), k("a")]);
        assert_eq!(path_to(&edges, &k("a"), &k("a")).unwrap(), [k("a")]);
        assert!(path_to(&edges, &k("a"), &k("b")).is_none());
        assert!(path_to(&edges, &k("x"), &k("a")).is_none());
    }
}
