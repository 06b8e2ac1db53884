//! Reads of link groups (`topic_links`): topics that teach one subject on several roadmaps share
//! an opaque `group_id`. Here: the other members of some topics' groups (for the progress
//! fan-out) and, per roadmap, the linked topics of each of its topics (for `Topic.linkedTopics`).
//! Linking itself merges learners' statuses, so it lives with progress (`progress::links`).
use std::collections::HashMap;
use std::sync::Arc;

use entity::roadmaps;
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::batch::roadmaps_by_id;
use crate::db::sql::Sql;
use crate::error::AppError;

/// Topics per `IN` list: well under SQLite's bound-parameter limit.
const CHUNK: usize = 500;

/// A live topic of a group, with its roadmap.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct LinkedTopic {
    pub topic_id: String,
    pub roadmap_id: i32,
}

#[derive(FromQueryResult)]
struct LinkRow {
    source_id: String,
    topic_id: String,
    roadmap_id: i32,
}

/// The linked topics of one roadmap's topics, and the roadmaps they are on (in any state: the
/// caller applies its `CatalogAccess`).
#[derive(Debug, Default)]
pub struct LinkMap {
    /// By topic key: the other live topics of its group, by roadmap id then key.
    pub by_topic: HashMap<String, Vec<LinkedTopic>>,
    pub roadmaps: HashMap<i32, Arc<roadmaps::Model>>,
}

/// Appends the rows (`source_id`, `topic_id`, `roadmap_id`): for each topic `l.topic_id` with a
/// group, each other live topic of the group on a roadmap that is not deleted.
fn push_links(q: &mut Sql) {
    q.push(
        "SELECT l.topic_id AS source_id, m.topic_id AS topic_id, t.roadmap_id AS roadmap_id \
         FROM topic_links l \
         JOIN topic_links m ON m.group_id = l.group_id AND m.topic_id <> l.topic_id \
         JOIN topics t ON t.id = m.topic_id AND t.deleted_at IS NULL \
         JOIN roadmaps r ON r.id = t.roadmap_id AND r.deleted_at IS NULL",
    );
}

/// The other live topics of the groups of `topic_ids` on the roadmaps that `reader` (SQL over the
/// roadmaps table aliased `r`) admits, by topic (topics without a group are absent): one
/// statement per 500 topics.
pub async fn linked_members(
    db: &impl ConnectionTrait,
    topic_ids: &[&str],
    reader: &str,
) -> Result<HashMap<String, Vec<LinkedTopic>>, AppError> {
    let mut out: HashMap<String, Vec<LinkedTopic>> = HashMap::new();
    for chunk in topic_ids.chunks(CHUNK) {
        let mut q = Sql::new(db.get_database_backend());
        push_links(&mut q);
        q.push(" WHERE l.topic_id IN ")
            .bind_list(chunk.iter().copied())
            .push(" AND ")
            .push(reader)
            .push(" ORDER BY l.topic_id, t.roadmap_id, m.topic_id");
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
    roadmap_ids: &[i32],
) -> Result<HashMap<i32, Arc<LinkMap>>, AppError> {
    let mut maps: HashMap<i32, LinkMap> = roadmap_ids
        .iter()
        .map(|id| (*id, LinkMap::default()))
        .collect();
    if roadmap_ids.is_empty() {
        return Ok(HashMap::new());
    }
    #[derive(FromQueryResult)]
    struct Row {
        source_roadmap: i32,
        source_id: String,
        topic_id: String,
        roadmap_id: i32,
    }
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT s.roadmap_id AS source_roadmap, x.source_id, x.topic_id, x.roadmap_id \
         FROM topics s JOIN (",
    );
    push_links(&mut q);
    q.push(") x ON x.source_id = s.id WHERE s.deleted_at IS NULL AND s.roadmap_id IN ")
        .bind_list(roadmap_ids.iter().copied())
        .push(" ORDER BY x.source_id, x.roadmap_id, x.topic_id");
    let rows = Row::find_by_statement(q.build()).all(db).await?;
    let mut wanted: Vec<i32> = rows.iter().map(|r| r.roadmap_id).collect();
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

/// The live topics of a group (on roadmaps that are not deleted), by roadmap id then key.
pub async fn group_members(
    db: &impl ConnectionTrait,
    group_id: &str,
) -> Result<Vec<LinkedTopic>, AppError> {
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT t.id AS topic_id, t.roadmap_id AS roadmap_id FROM topic_links l \
         JOIN topics t ON t.id = l.topic_id AND t.deleted_at IS NULL \
         JOIN roadmaps r ON r.id = t.roadmap_id AND r.deleted_at IS NULL WHERE l.group_id = ",
    )
    .bind(group_id)
    .push(" ORDER BY t.roadmap_id, t.id");
    Ok(LinkedTopic::find_by_statement(q.build()).all(db).await?)
}
