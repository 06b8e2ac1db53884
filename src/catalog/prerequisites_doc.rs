//! `prerequisites` in the roadmap document: each topic lists the keys of the topics best learned
//! before it, as `setTopicPrerequisites` sets them. A key of a topic of the same document names a
//! prerequisite on the roadmap; any other key names a topic of another roadmap (topic keys are
//! global, so the key alone is the reference).
//!
//! Export writes each live topic's live prerequisites in key order; those on other roadmaps only
//! when the exporter may read them (what `Topic.prerequisites` shows them). Import and fork make
//! each topic's prerequisites that the writer may read equal to its list: a document is checked
//! first as `setTopicPrerequisites` checks its input (at most [`MAX_PREREQUISITES`], not the topic
//! itself, no cycle among the document's topics: `BAD_USER_INPUT` naming the topic); a key of
//! another roadmap is kept only when it names a live topic on a roadmap the writer may read, and is
//! otherwise left out and listed in the import report (`unresolvedPrerequisites`, `topic: key`);
//! after the writes, a cycle closed through other roadmaps' edges is refused (`BAD_USER_INPUT`
//! naming the topic; the caller's transaction rolls back). Prerequisites the writer may not read
//! are left as they are, and so are those of topics the document leaves out (they come back with
//! the topic, as progress does). Writes take the prerequisite lock (see `prerequisites`).
use std::collections::{HashMap, HashSet};

use entity::ids::{RoadmapId, TopicKey};
use entity::{roadmaps, topics};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};

use super::document::{RoadmapDocument, TopicNode};
use super::is_valid_topic_key;
use super::prerequisites::{self, MAX_PREREQUISITES};
use super::revisions::Actor;
use crate::auth::CatalogAccess;
use crate::db::sql::Sql;
use crate::error::AppError;

/// Keys per `IN (…)` list and rows per multi-row INSERT (five parameters a row).
const CHUNK: usize = 400;

/// What a write of prerequisites did.
#[derive(Debug, Default)]
pub struct Written {
    /// (topic, before, after) for each topic whose prerequisites changed, in document order.
    pub changed: Vec<(TopicKey, Vec<TopicKey>, Vec<TopicKey>)>,
    /// `topic: key` for each key left out: no live topic the writer may read.
    pub unresolved: Vec<String>,
}

/// The document's own rules for prerequisites (see the module docs); errors name the topic and
/// carry the document path of the entry at fault, so the caller can point at its line.
pub fn validate(doc: &RoadmapDocument) -> Result<(), AppError> {
    let mut found = Vec::new();
    with_paths(&doc.topics, "topics", &mut found);
    for (path, n) in &found {
        if n.prerequisites.len() > MAX_PREREQUISITES {
            return Err(refuse(
                format!("{path}.prerequisites"),
                n,
                format!(
                    "{} listed; a topic may name at most {MAX_PREREQUISITES}",
                    n.prerequisites.len()
                ),
            ));
        }
        for (i, p) in n.prerequisites.iter().enumerate() {
            let at = format!("{path}.prerequisites[{i}]");
            if !is_valid_topic_key(p.as_str()) {
                return Err(refuse(
                    at,
                    n,
                    format!("`{p}` must be 1-64 letters, digits, `-` or `_`"),
                ));
            }
            if *p == n.id {
                return Err(refuse(at, n, "a topic cannot be its own prerequisite"));
            }
        }
    }
    let keys: HashSet<&str> = found.iter().map(|(_, n)| n.id.as_str()).collect();
    let edges: Vec<(&str, &str)> = found
        .iter()
        .flat_map(|(_, n)| {
            n.prerequisites
                .iter()
                .filter(|p| keys.contains(p.as_str()))
                .map(|p| (n.id.as_str(), p.as_str()))
        })
        .collect();
    let Some(cycle) = find_cycle(found.iter().map(|(_, n)| n.id.as_str()), &edges) else {
        return Ok(());
    };
    let title: HashMap<&str, &str> = found
        .iter()
        .map(|(_, n)| (n.id.as_str(), n.title.as_str()))
        .collect();
    let Some((path, n)) = found.iter().find(|(_, n)| n.id.as_str() == cycle[0]) else {
        return Ok(()); // a cycle starts at a topic of the document
    };
    let i = n
        .prerequisites
        .iter()
        .position(|p| Some(p.as_str()) == cycle.get(1).map(String::as_str))
        .unwrap_or(0);
    Err(refuse(
        format!("{path}.prerequisites[{i}]"),
        n,
        cycle_words(&cycle, &title),
    ))
}

fn refuse(path: String, n: &TopicNode, what: impl std::fmt::Display) -> AppError {
    AppError::bad_input(path, format!("topic `{}`: prerequisites: {what}", n.id))
}

fn cycle_words(cycle: &[String], title: &HashMap<&str, &str>) -> String {
    let named: Vec<String> = cycle
        .iter()
        .map(|k| format!("“{}”", title.get(k.as_str()).copied().unwrap_or(k.as_str())))
        .collect();
    format!(
        "that would make a cycle of prerequisites: {} (each needs the next)",
        named.join(" → ")
    )
}

/// Every topic with its document path (`topics[0].children[2]`), in document order.
fn with_paths<'a>(nodes: &'a [TopicNode], path: &str, out: &mut Vec<(String, &'a TopicNode)>) {
    for (i, n) in nodes.iter().enumerate() {
        let here = format!("{path}[{i}]");
        let children = format!("{here}.children");
        out.push((here, n));
        with_paths(&n.children, &children, out);
    }
}

/// A cycle of `edges` (topic → prerequisite) as `[a, b, …, a]`, looking from each of `starts`
/// in turn (depth first, edges in the order given, so the answer is deterministic); `None` when
/// there is none.
pub(super) fn find_cycle<'a>(
    starts: impl IntoIterator<Item = &'a str>,
    edges: &[(&'a str, &'a str)],
) -> Option<Vec<String>> {
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
    }
    // true: on the path being walked; false: done, no cycle through it.
    let mut on_path: HashMap<&str, bool> = HashMap::new();
    for start in starts {
        if on_path.contains_key(start) {
            continue;
        }
        on_path.insert(start, true);
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some(&(node, i)) = stack.last() {
            let Some(&n) = next.get(node).and_then(|outs| outs.get(i)) else {
                on_path.insert(node, false);
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            match on_path.get(n) {
                Some(true) => {
                    let from = stack.iter().position(|(k, _)| *k == n).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        stack[from..].iter().map(|(k, _)| (*k).to_owned()).collect();
                    cycle.push(n.to_owned());
                    return Some(cycle);
                }
                Some(false) => {}
                None => {
                    on_path.insert(n, true);
                    stack.push((n, 0));
                }
            }
        }
    }
    None
}

/// The live prerequisites of a roadmap's live topics, by topic key, each list in key order: those
/// on the roadmap itself, and those on other roadmaps that `reader` may read (two statements).
pub async fn stored(
    db: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
    reader: &CatalogAccess,
) -> Result<HashMap<TopicKey, Vec<TopicKey>>, AppError> {
    let maps = prerequisites::by_roadmap(db, &[roadmap_id]).await?;
    let Some(map) = maps.get(&roadmap_id) else {
        return Ok(HashMap::new());
    };
    Ok(map
        .prerequisites
        .iter()
        .map(|(key, list)| {
            let mut keys: Vec<TopicKey> = list
                .iter()
                .filter(|l| {
                    l.roadmap_id == roadmap_id
                        || map
                            .roadmaps
                            .get(&l.roadmap_id)
                            .is_some_and(|r| reader.can_read(r))
                })
                .map(|l| l.topic_id.clone())
                .collect();
            keys.sort_unstable();
            (key.clone(), keys)
        })
        .filter(|(_, keys)| !keys.is_empty())
        .collect())
}

/// Makes the prerequisites of each topic of `lists` (topic key, wanted keys; repeats count
/// once) that the actor may read equal to its list, on the roadmap `roadmap_id` whose topics'
/// keys are `own`, in the caller's transaction, after the topics are written (see the module
/// docs).
pub(super) async fn write(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    roadmap_id: RoadmapId,
    lists: &[(TopicKey, Vec<TopicKey>)],
    own: &HashSet<&str>,
) -> Result<Written, AppError> {
    let access = actor.catalog();
    let before = stored(txn, roadmap_id, &access).await?;
    let none = Vec::new();
    let changed: Vec<&(TopicKey, Vec<TopicKey>)> = lists
        .iter()
        .filter(|(t, want)| before.get(t).unwrap_or(&none) != want)
        .collect();
    let mut out = Written::default();
    if changed.is_empty() {
        return Ok(out);
    }
    prerequisites::lock(txn).await?;
    let foreign: Vec<&str> = changed
        .iter()
        .flat_map(|(_, want)| want.iter().map(TopicKey::as_str))
        .filter(|k| !own.contains(k))
        .collect();
    let far = readable_elsewhere(txn, &access, roadmap_id, &foreign).await?;
    let at = |key: &TopicKey| {
        if own.contains(key.as_str()) {
            Some(roadmap_id)
        } else {
            far.get(key.as_str()).copied()
        }
    };
    let mut rows: Vec<(&TopicKey, TopicKey, RoadmapId)> = Vec::new();
    for (topic, want) in changed {
        let old = before.get(topic).unwrap_or(&none);
        let found = resolve(want, old, at);
        rows.extend(found.added.into_iter().map(|(key, r)| (topic, key, r)));
        out.unresolved
            .extend(found.unresolved.iter().map(|key| format!("{topic}: {key}")));
        delete_gone(txn, topic, old, &found.kept).await?;
        if found.kept != *old {
            out.changed.push((topic.clone(), old.clone(), found.kept));
        }
    }
    insert_rows(txn, roadmap_id, &rows).await?;
    if !rows.is_empty() {
        check_no_cycle(txn, roadmap_id, lists).await?;
    }
    Ok(out)
}

/// One topic's wanted prerequisites, sorted with repeats once, by where they live.
struct Resolved {
    /// The keys it keeps: each wanted key on a roadmap `at` names.
    kept: Vec<TopicKey>,
    /// Of those, the ones it did not have before, with their roadmap: rows to insert.
    added: Vec<(TopicKey, RoadmapId)>,
    /// The wanted keys `at` names no roadmap for (no live topic the writer may read).
    unresolved: Vec<TopicKey>,
}

/// Splits `want` by `at`, the roadmap of a key the writer may point at (None: not one).
fn resolve(
    want: &[TopicKey],
    old: &[TopicKey],
    at: impl Fn(&TopicKey) -> Option<RoadmapId>,
) -> Resolved {
    let mut want = want.to_vec();
    want.sort_unstable();
    want.dedup();
    let mut found = Resolved {
        kept: Vec::with_capacity(want.len()),
        added: Vec::new(),
        unresolved: Vec::new(),
    };
    for key in want {
        match at(&key) {
            Some(r) => {
                if !old.contains(&key) {
                    found.added.push((key.clone(), r));
                }
                found.kept.push(key);
            }
            None => found.unresolved.push(key),
        }
    }
    found
}

/// Deletes the topic's prerequisites in `old` that are not `kept` (one statement, if any).
async fn delete_gone(
    txn: &impl ConnectionTrait,
    topic: &TopicKey,
    old: &[TopicKey],
    kept: &[TopicKey],
) -> Result<(), AppError> {
    let gone: Vec<&str> = old
        .iter()
        .filter(|k| !kept.contains(k))
        .map(TopicKey::as_str)
        .collect();
    if !gone.is_empty() {
        let mut q = Sql::new(txn.get_database_backend());
        q.push("DELETE FROM topic_prerequisites WHERE topic_id = ")
            .bind(topic.as_str())
            .push(" AND prerequisite_id IN ")
            .bind_list(gone.iter().copied());
        txn.execute(q.build()).await?;
    }
    Ok(())
}

/// Inserts (topic, prerequisite, the prerequisite's roadmap) rows for topics of `roadmap_id`,
/// [`CHUNK`] rows a statement.
async fn insert_rows(
    txn: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
    rows: &[(&TopicKey, TopicKey, RoadmapId)],
) -> Result<(), AppError> {
    let now = super::export::now();
    for chunk in rows.chunks(CHUNK) {
        let mut q = Sql::new(txn.get_database_backend());
        q.push(
            "INSERT INTO topic_prerequisites (topic_id, prerequisite_id, topic_roadmap_id, \
             prerequisite_roadmap_id, created_at) VALUES ",
        );
        for (n, (topic, key, r)) in chunk.iter().enumerate() {
            q.push(if n > 0 { ", (" } else { "(" })
                .bind(*topic)
                .push(", ")
                .bind(key.as_str())
                .push(", ")
                .bind(roadmap_id)
                .push(", ")
                .bind(*r)
                .push(", ")
                .bind(now)
                .push(")");
        }
        txn.execute(q.build()).await?;
    }
    Ok(())
}

/// Of `keys`, those naming a live topic of another live roadmap that `access` may read, with
/// that roadmap (one statement per [`CHUNK`] keys).
async fn readable_elsewhere(
    txn: &impl ConnectionTrait,
    access: &CatalogAccess,
    roadmap_id: RoadmapId,
    keys: &[&str],
) -> Result<HashMap<TopicKey, RoadmapId>, AppError> {
    let mut found = HashMap::new();
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    keys.dedup();
    for chunk in keys.chunks(CHUNK) {
        let rows = topics::Entity::find()
            .filter(topics::Column::Id.is_in(chunk.iter().copied()))
            .filter(topics::Column::DeletedAt.is_null())
            .filter(topics::Column::RoadmapId.ne(roadmap_id))
            .find_also_related(roadmaps::Entity)
            .all(txn)
            .await?;
        found.extend(
            rows.into_iter()
                .filter(|(_, r)| r.as_ref().is_some_and(|r| access.can_read(r)))
                .map(|(t, _)| (t.id, t.roadmap_id)),
        );
    }
    Ok(found)
}

/// Refuses a cycle through the roadmap's topics once its edges are written: one recursive
/// statement reads the live edges reachable from them (other roadmaps' included), a second the
/// titles of a cycle found. The topic named is the first of `lists` on the cycle.
async fn check_no_cycle(
    txn: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
    lists: &[(TopicKey, Vec<TopicKey>)],
) -> Result<(), AppError> {
    #[derive(FromQueryResult)]
    struct Edge {
        topic_id: String,
        prerequisite_id: String,
    }
    let mut q = Sql::new(txn.get_database_backend());
    q.push(
        "WITH RECURSIVE reach(id) AS (SELECT e.topic_id FROM topic_prerequisites e \
         JOIN topics n ON n.id = e.topic_id AND n.deleted_at IS NULL \
         WHERE e.topic_roadmap_id = ",
    )
    .bind(roadmap_id)
    .push(prerequisites::REACHABLE_EDGES);
    let rows = Edge::find_by_statement(q.build()).all(txn).await?;
    let edges: Vec<(&str, &str)> = rows
        .iter()
        .map(|e| (e.topic_id.as_str(), e.prerequisite_id.as_str()))
        .collect();
    let Some(mut cycle) = find_cycle(lists.iter().map(|(t, _)| t.as_str()), &edges) else {
        return Ok(());
    };
    // Start the cycle at the first of the written topics on it.
    let on_cycle: HashSet<&str> = cycle.iter().map(String::as_str).collect();
    if let Some(first) = lists
        .iter()
        .map(|(t, _)| t.as_str())
        .find(|t| on_cycle.contains(t))
    {
        if let Some(at) = cycle.iter().position(|k| k == first) {
            cycle.pop();
            cycle.rotate_left(at);
            cycle.push(first.to_owned());
        }
    }
    let named = topics::Entity::find()
        .filter(topics::Column::Id.is_in(cycle.iter().cloned()))
        .all(txn)
        .await?;
    let title: HashMap<&str, &str> = named
        .iter()
        .map(|t| (t.id.as_str(), t.title.as_str()))
        .collect();
    Err(AppError::bad_input(
        "topics",
        format!(
            "topic `{}`: prerequisites: {}",
            cycle[0],
            cycle_words(&cycle, &title)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::find_cycle;

    #[test]
    fn finds_a_cycle_from_the_first_start_that_reaches_one() {
        let edges = [("a", "b"), ("b", "c"), ("c", "b"), ("x", "a")];
        assert_eq!(find_cycle(["x", "a"], &edges).unwrap(), ["b", "c", "b"]);
        assert!(find_cycle(["a"], &[("a", "b"), ("b", "c"), ("a", "c")]).is_none());
        assert_eq!(find_cycle(["q"], &[("q", "q")]).unwrap(), ["q", "q"]);
    }
}
