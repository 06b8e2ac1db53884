//! Forking: a copy of a roadmap (metadata, topic tree in order, legend marks, resources,
//! prerequisites) that the forking learner owns, PRIVATE until they share it. A prerequisite among
//! the copied topics points at the copy; one on another roadmap the learner may read is kept as
//! it is (`prerequisites_doc`). Each copied topic remembers its source
//! (`topics.forked_from_id`) and the fork remembers the source's last revision, so the changes made
//! upstream since then can be listed (`upstream`). Linking the copies with their sources, so
//! progress carries over, is the progress domain's part: [`ForkedRoadmap::pairs`] says what to
//! link.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::enums::{RoadmapStatus, Visibility};
use entity::ids::{RevisionId, RoadmapId, TopicKey};
use entity::{roadmap_revisions, roadmaps};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use super::document::{self, RoadmapDocument, RoadmapMeta, TopicNode};
use super::export::{self, now};
use super::import::{insert_resources, insert_topics};
use super::ownership::{check_roadmap_quota, check_topic_count, Ownership};
use super::revisions::{self, Actor, Edit, Entity};
use super::roadmap_editing::slug_error;
use super::roadmaps as service;
use super::rows::{resource_rows, roadmap_row, topic_row};
use super::topic_editing::new_topic_key;
use crate::error::{AppError, Input};

/// What a fork made.
pub struct ForkedRoadmap {
    pub roadmap: roadmaps::Model,
    /// (copy, source) topic keys, in tree order.
    pub pairs: Vec<(TopicKey, TopicKey)>,
}

/// The slug a fork gets when none is asked for: `<source slug>-<username>`, cut to the 64
/// characters a slug may have and lower-cased like every slug.
pub fn default_slug(source_slug: &str, username: &str) -> String {
    let name: String = username
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut slug = format!("{source_slug}-{name}");
    slug.truncate(64);
    slug.trim_end_matches('-').to_owned()
}

/// The id of the source's newest revision (0 when it has none): the fork's starting point.
async fn last_revision(
    txn: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
) -> Result<RevisionId, AppError> {
    Ok(roadmap_revisions::Entity::find()
        .filter(roadmap_revisions::Column::RoadmapId.eq(roadmap_id))
        .order_by_desc(roadmap_revisions::Column::Id)
        .one(txn)
        .await?
        .map_or(RevisionId(0), |r| r.id))
}

/// Copies `source` (which the caller has checked the actor may read) into a new roadmap the
/// actor owns, in the caller's transaction.
pub async fn fork(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    source: &roadmaps::Model,
    slug: String,
) -> Result<ForkedRoadmap, AppError> {
    let owner_id = actor
        .user_id
        .ok_or_else(|| AppError::Unauthenticated("You must be signed in to fork".into()))?;
    let ownership = Ownership {
        owner_id: Some(owner_id),
        team_id: None,
        visibility: Visibility::Private,
    };
    check_roadmap_quota(txn, &ownership, Some(owner_id), actor.max_owned_roadmaps).await?;
    let doc = fork_document(txn, actor, source, slug).await?;
    let flat = doc.flatten();
    check_topic_count(false, flat.len(), Input::Roadmap)?;

    let when = now();
    let fork = insert_roadmap(txn, actor, source, &ownership, &doc.roadmap, when).await?;
    // Fresh keys (topic ids are global), by the source's key.
    let keys: HashMap<&TopicKey, TopicKey> = flat
        .iter()
        .map(|(_, _, n)| (&n.id, new_topic_key()))
        .collect();
    let pairs = copy_topics(txn, fork.id, &flat, &keys, when).await?;
    copy_prerequisites(txn, actor, fork.id, &flat, &keys).await?;
    revisions::record(
        txn,
        fork.id,
        actor,
        Edit::ForkRoadmap,
        Entity::Roadmap,
        &fork.id.to_string(),
        json!({ "after": { "slug": fork.slug, "forkedFrom": source.slug,
                "topicsCopied": pairs.len() } }),
    )
    .await?;
    Ok(ForkedRoadmap {
        roadmap: fork,
        pairs,
    })
}

/// The source as the actor reads it, made into the fork's document: the slug asked for, the next
/// sort order, published, modified now; its metadata checked as an import's is.
async fn fork_document(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    source: &roadmaps::Model,
    slug: String,
) -> Result<RoadmapDocument, AppError> {
    let mut doc = export::document_of(txn, source, &actor.catalog()).await?;
    doc.roadmap.slug = slug.trim().to_owned();
    doc.roadmap.order = service::next_sort_order(txn).await?;
    doc.roadmap.status = RoadmapStatus::Published;
    doc.roadmap.structured_data.date_modified = Some(export::date_modified_now());
    document::validate_meta(&doc.roadmap, "")?;
    Ok(doc)
}

/// Inserts the fork's roadmap row (which remembers its source and the source's last revision),
/// its tags and its related roadmaps (those the actor may read).
async fn insert_roadmap(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    source: &roadmaps::Model,
    ownership: &Ownership,
    meta: &RoadmapMeta,
    when: DateTime<Utc>,
) -> Result<roadmaps::Model, AppError> {
    let mut row = roadmap_row(meta, when);
    ownership.apply(&mut row);
    row.forked_from_id = Set(Some(source.id));
    row.forked_at_revision = Set(Some(last_revision(txn, source.id).await?));
    let fork = row
        .insert(txn)
        .await
        .map_err(|e| slug_error(e, &meta.slug))?;
    service::set_tags(txn, fork.id, &meta.tags).await?;
    service::set_related(txn, &actor.catalog(), fork.id, &meta.related_roadmaps).await?;
    Ok(fork)
}

/// Inserts the copies of `flat`'s topics under their new `keys`, each remembering its source,
/// with their resources; returns the (copy, source) pairs in tree order. Parents come before
/// children in `flat`, so the parent of every row is inserted in an earlier statement or earlier
/// in the same one.
async fn copy_topics(
    txn: &impl ConnectionTrait,
    fork_id: RoadmapId,
    flat: &[(Option<&TopicKey>, i32, &TopicNode)],
    keys: &HashMap<&TopicKey, TopicKey>,
    when: DateTime<Utc>,
) -> Result<Vec<(TopicKey, TopicKey)>, AppError> {
    let mut topic_rows = Vec::with_capacity(flat.len());
    let mut resources = Vec::new();
    let mut pairs = Vec::with_capacity(flat.len());
    for (parent, position, node) in flat {
        let key = keys[&node.id].clone();
        let parent = parent.map(|p| &keys[p]);
        let mut t = topic_row(fork_id, parent, *position, node, when);
        t.id = Set(key.clone());
        t.forked_from_id = Set(Some(node.id.clone()));
        topic_rows.push(t);
        resources.extend(resource_rows(&key, &node.resources, when));
        pairs.push((key, node.id.clone()));
    }
    insert_topics(txn, topic_rows).await?;
    insert_resources(txn, resources).await?;
    Ok(pairs)
}

/// Writes the copies' prerequisites: one among the copied topics points at its copy, any other
/// is kept as it is (`prerequisites_doc::write` keeps it only when the actor may read it).
async fn copy_prerequisites(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    fork_id: RoadmapId,
    flat: &[(Option<&TopicKey>, i32, &TopicNode)],
    keys: &HashMap<&TopicKey, TopicKey>,
) -> Result<(), AppError> {
    let copied: Vec<(TopicKey, Vec<TopicKey>)> = flat
        .iter()
        .map(|(_, _, node)| {
            let needs = node
                .prerequisites
                .iter()
                .map(|p| keys.get(p).cloned().unwrap_or_else(|| p.clone()))
                .collect::<Vec<_>>();
            (keys[&node.id].clone(), sorted(needs))
        })
        .collect();
    let own: HashSet<&str> = keys.values().map(TopicKey::as_str).collect();
    super::prerequisites_doc::write(txn, actor, fork_id, &copied, &own).await?;
    Ok(())
}

fn sorted(mut keys: Vec<TopicKey>) -> Vec<TopicKey> {
    keys.sort_unstable();
    keys
}

#[cfg(test)]
mod tests {
    use super::default_slug;

    #[test]
    fn default_slugs_are_valid_slugs() {
        assert_eq!(default_slug("backend", "Ada_L"), "backend-ada-l");
        let long = default_slug(&"a".repeat(60), "someone");
        assert_eq!(long.len(), 64);
        assert!(!default_slug(&"a".repeat(63), "x-").ends_with('-'));
    }
}
