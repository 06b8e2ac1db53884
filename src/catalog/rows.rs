//! New rows of the catalogue tables, built from document parts: the one place that says what a
//! fresh roadmap, topic or resource row holds, whether an admin creates it or an import does.
use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey};
use entity::{resources, roadmaps, topics};
use sea_orm::ActiveValue::{NotSet, Set};

use super::document::{ResourceDoc, RoadmapMeta, TopicNode};
use super::export::apply_meta;

/// A new roadmap row (version 1) holding `meta`.
pub(crate) fn roadmap_row(meta: &RoadmapMeta, now: DateTime<Utc>) -> roadmaps::ActiveModel {
    let mut row = roadmaps::ActiveModel {
        id: NotSet,
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        share_token: Set(Some(super::ownership::new_share_token())),
        ..Default::default()
    };
    apply_meta(&mut row, meta);
    row
}

/// A new topic row (version 1) for `n` at `position` under `parent`; its resources are separate
/// rows (`resource_rows`).
pub(crate) fn topic_row(
    roadmap_id: RoadmapId,
    parent: Option<&TopicKey>,
    position: i32,
    n: &TopicNode,
    now: DateTime<Utc>,
) -> topics::ActiveModel {
    topics::ActiveModel {
        id: Set(n.id.clone()),
        roadmap_id: Set(roadmap_id),
        parent_id: Set(parent.cloned()),
        kind: Set(n.kind),
        title: Set(n.title.clone()),
        description: Set(n.description.clone()),
        position: Set(position),
        legend: Set(n.legend),
        version: Set(1),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        forked_from_id: Set(None),
    }
}

/// A new resource row of a topic at `position`; the database assigns its id.
pub(crate) fn resource_row(
    topic_id: &TopicKey,
    r: &ResourceDoc,
    position: i32,
    now: DateTime<Utc>,
) -> resources::ActiveModel {
    resources::ActiveModel {
        id: NotSet,
        topic_id: Set(topic_id.clone()),
        kind: Set(r.kind),
        title: Set(r.title.clone()),
        url: Set(r.url.clone()),
        position: Set(position),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Rows for a topic's resources, positions from 0 in document order.
pub(crate) fn resource_rows(
    topic_id: &TopicKey,
    list: &[ResourceDoc],
    now: DateTime<Utc>,
) -> Vec<resources::ActiveModel> {
    list.iter()
        .enumerate()
        .map(|(i, r)| resource_row(topic_id, r, i as i32, now))
        .collect()
}
