//! Forking: a copy of a roadmap (metadata, topic tree in order, legend marks, resources,
//! prerequisites) that the forking learner owns, PRIVATE until they share it. A prerequisite among
//! the copied topics points at the copy; one on another roadmap the learner may read is kept as
//! it is (`prerequisites_doc`). Each copied topic remembers its source
//! (`topics.forked_from_id`) and the fork remembers the source's last revision, so the changes made
//! upstream since then can be listed (`upstream`). Linking the copies with their sources, so
//! progress carries over, is the progress domain's part: [`ForkedRoadmap::pairs`] says what to
//! link.
use std::collections::{HashMap, HashSet};

use entity::enums::{RoadmapStatus, Visibility};
use entity::ids::{RevisionId, RoadmapId, TopicKey};
use entity::{roadmap_revisions, roadmaps};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use super::document;
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
    let mut doc = export::document_of(txn, source, &actor.catalog()).await?;
    doc.roadmap.slug = slug.trim().to_owned();
    doc.roadmap.order = service::next_sort_order(txn).await?;
    doc.roadmap.status = RoadmapStatus::Published;
    doc.roadmap.structured_data.date_modified = Some(export::date_modified_now());
    document::validate_meta(&doc.roadmap, "")?;
    let flat = doc.flatten();
    check_topic_count(false, flat.len(), Input::Roadmap)?;

    let when = now();
    let mut row = roadmap_row(&doc.roadmap, when);
    ownership.apply(&mut row);
    row.forked_from_id = Set(Some(source.id));
    row.forked_at_revision = Set(Some(last_revision(txn, source.id).await?));
    let fork = row
        .insert(txn)
        .await
        .map_err(|e| slug_error(e, &doc.roadmap.slug))?;
    service::set_tags(txn, fork.id, &doc.roadmap.tags).await?;
    service::set_related(
        txn,
        &actor.catalog(),
        fork.id,
        &doc.roadmap.related_roadmaps,
    )
    .await?;

    // Fresh keys (topic ids are global); parents come before children in `flat`, so the parent
    // of every row is inserted in an earlier statement or earlier in the same one.
    let keys: HashMap<&TopicKey, TopicKey> = flat
        .iter()
        .map(|(_, _, n)| (&n.id, new_topic_key()))
        .collect();
    let mut topic_rows = Vec::with_capacity(flat.len());
    let mut resources = Vec::new();
    let mut pairs = Vec::with_capacity(flat.len());
    for (parent, position, node) in &flat {
        let key = keys[&node.id].clone();
        let parent = parent.map(|p| &keys[p]);
        let mut t = topic_row(fork.id, parent, *position, node, when);
        t.id = Set(key.clone());
        t.forked_from_id = Set(Some(node.id.clone()));
        topic_rows.push(t);
        resources.extend(resource_rows(&key, &node.resources, when));
        pairs.push((key, node.id.clone()));
    }
    insert_topics(txn, topic_rows).await?;
    insert_resources(txn, resources).await?;
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
    super::prerequisites_doc::write(txn, actor, fork.id, &copied, &own).await?;
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
