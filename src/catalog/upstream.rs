//! What changed upstream since a fork: the source's topics added, changed and removed after the
//! fork was made, read from the source's revisions (every edit and import records one) and
//! classified against the two trees as they are now, so a topic added and then removed upstream
//! is not listed, and one changed and then removed is listed once, as removed. Only the
//! revisions the source still keeps are read (see the retention rule in `revisions`): a change
//! older than the oldest kept revision is not listed.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::ids::{RevisionId, RoadmapId, TopicKey};
use entity::{roadmap_revisions, roadmaps, topics};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;

use crate::error::AppError;

/// Revisions read per call: enough for years of edits of one roadmap; older ones are left out.
const MAX_REVISIONS: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A topic the source gained after the fork (the fork has no copy of it).
    Added,
    /// A topic the fork copied whose source changed (content, place, resources).
    Changed,
    /// A topic the fork copied that the source no longer has.
    Removed,
}

#[derive(Debug, Clone)]
pub struct UpstreamChange {
    pub kind: ChangeKind,
    /// The source topic's key.
    pub topic_id: TopicKey,
    /// Its title now (the last one it had, when removed).
    pub title: String,
    /// When it last changed upstream.
    pub at: DateTime<Utc>,
}

/// Topic keys a revision touched.
fn touched(rev: &roadmap_revisions::Model) -> Vec<String> {
    let ids = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().or_else(|| i.get("id").and_then(Value::as_str)))
                .map(str::to_owned)
                .collect(),
            Some(Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    };
    let d = &rev.diff;
    match rev.entity_type.as_str() {
        "TOPIC" => {
            let mut out = vec![rev.entity_id.clone()];
            out.extend(ids(d.get("deletedIds")));
            out
        }
        "RESOURCE" => [d.get("after"), d.get("before")]
            .into_iter()
            .filter_map(|side| side?.get("topicId")?.as_str().map(str::to_owned))
            .take(1)
            .collect(),
        // Imports list what they added, changed and removed.
        _ => ["added", "changed", "removed"]
            .iter()
            .flat_map(|k| ids(d.get(*k)))
            .collect(),
    }
}

/// The changes upstream of `fork` since it was made, newest first; empty when it is not a fork
/// or its source is gone. Three statements whatever the number of changes.
pub async fn changes(
    db: &impl ConnectionTrait,
    fork: &roadmaps::Model,
    source_id: RoadmapId,
) -> Result<Vec<UpstreamChange>, AppError> {
    let since = fork.forked_at_revision.unwrap_or(RevisionId(0));
    let revs = roadmap_revisions::Entity::find()
        .filter(roadmap_revisions::Column::RoadmapId.eq(source_id))
        .filter(roadmap_revisions::Column::Id.gt(since))
        .order_by_desc(roadmap_revisions::Column::Id)
        .limit(MAX_REVISIONS)
        .all(db)
        .await?;
    let mut last_change: HashMap<String, DateTime<Utc>> = HashMap::new();
    for rev in &revs {
        for key in touched(rev) {
            // Newest first: the first time a key is seen is its latest change.
            last_change.entry(key).or_insert(rev.created_at);
        }
    }
    if last_change.is_empty() {
        return Ok(Vec::new());
    }
    // Both trees, deleted topics included: a copy the fork's owner deleted still says what it
    // was copied from, and a removed source topic still has its title.
    let rows = topics::Entity::find()
        .filter(
            topics::Column::RoadmapId
                .eq(source_id)
                .or(topics::Column::RoadmapId.eq(fork.id)),
        )
        .all(db)
        .await?;
    let copied: HashSet<&str> = rows
        .iter()
        .filter(|t| t.roadmap_id == fork.id)
        .filter_map(|t| t.forked_from_id.as_ref().map(TopicKey::as_str))
        .collect();
    let source: HashMap<&str, &topics::Model> = rows
        .iter()
        .filter(|t| t.roadmap_id == source_id)
        .map(|t| (t.id.as_str(), t))
        .collect();
    let mut out: Vec<UpstreamChange> = last_change
        .into_iter()
        .filter_map(|(key, at)| {
            let topic = source.get(key.as_str())?;
            let live = topic.deleted_at.is_none();
            let kind = match (copied.contains(key.as_str()), live) {
                (false, true) => ChangeKind::Added,
                (false, false) => return None,
                (true, true) => ChangeKind::Changed,
                (true, false) => ChangeKind::Removed,
            };
            Some(UpstreamChange {
                kind,
                title: topic.title.clone(),
                topic_id: topic.id.clone(),
                at,
            })
        })
        .collect();
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.topic_id.cmp(&b.topic_id)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rev(entity: &str, id: &str, diff: Value) -> roadmap_revisions::Model {
        roadmap_revisions::Model {
            id: RevisionId(1),
            roadmap_id: RoadmapId(1),
            user_id: None,
            actor: "a".into(),
            mutation: "m".into(),
            entity_type: entity.into(),
            entity_id: id.into(),
            diff,
            bytes: 0,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn reads_the_topics_each_kind_of_revision_touched() {
        assert_eq!(
            touched(&rev("TOPIC", "a", json!({ "deletedIds": ["a", "b"] }))),
            ["a", "a", "b"]
        );
        assert_eq!(
            touched(&rev(
                "RESOURCE",
                "7",
                json!({ "after": { "topicId": "t" } })
            )),
            ["t"]
        );
        let import = json!({ "added": ["n"], "changed": { "c": {} }, "removed": [{ "id": "r" }] });
        assert_eq!(touched(&rev("ROADMAP", "1", import)), ["n", "c", "r"]);
        assert!(touched(&rev("ROADMAP", "1", json!({ "after": {} }))).is_empty());
    }
}
