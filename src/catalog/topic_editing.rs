//! Edits (by the roadmap's editors: see `auth::Editor`) of topics: create, update, move and delete.
//! Like roadmap edits, each runs in one transaction whose first statement touches the roadmap row
//! (its `updated_at` and date modified), which also queues concurrent edits of the same roadmap
//! behind each other, so sibling positions stay dense. A topic's resources are edited in
//! `resource_editing`.
use std::collections::HashMap;

use entity::ids::{RoadmapId, TopicKey};
use entity::{resources, topics};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveEnum;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::{json, Value};

use super::{LegendMark, TopicKind};
use crate::catalog::document::{self, ResourceDoc, TopicNode, MAX_DEPTH};
use crate::catalog::export::now;
use crate::catalog::ownership::topic_limit;
use crate::catalog::positions::{check_position, open_gap, renumber};
use crate::catalog::revisions::{self, Actor, Edit, Entity};
use crate::catalog::roadmap_editing::{stale, touch};
use crate::catalog::rows::{resource_rows, topic_row};
use crate::catalog::topics::{not_found, require_live};
use crate::error::{AppError, Input, Words};

const KEY_LEN: usize = 16;
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new random topic key: 16 base62 characters (about 95 bits).
pub fn new_topic_key() -> TopicKey {
    let mut rng = rand::thread_rng();
    TopicKey(
        (0..KEY_LEN)
            .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
            .collect(),
    )
}

fn snapshot(t: &topics::Model) -> Value {
    json!({
        "id": t.id,
        "parentId": t.parent_id,
        "position": t.position,
        "kind": t.kind,
        "title": t.title,
        "description": t.description,
        "legend": t.legend,
    })
}

/// The live topics of a roadmap, indexed for tree questions.
struct Live {
    by_id: HashMap<TopicKey, topics::Model>,
}

impl Live {
    async fn load(txn: &impl ConnectionTrait, roadmap_id: RoadmapId) -> Result<Self, AppError> {
        let rows = crate::catalog::export::live_topics(txn, roadmap_id).await?;
        Ok(Self {
            by_id: rows.into_iter().map(|t| (t.id.clone(), t)).collect(),
        })
    }

    /// Siblings under `parent`, in order.
    fn siblings(&self, parent: Option<&TopicKey>) -> Vec<&topics::Model> {
        let mut out: Vec<&topics::Model> = self
            .by_id
            .values()
            .filter(|t| t.parent_id.as_ref() == parent)
            .collect();
        out.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        out
    }

    /// 1 for a root topic.
    fn depth(&self, id: &TopicKey) -> usize {
        let mut depth = 0;
        let mut cur = self.by_id.get(id);
        while let Some(t) = cur {
            depth += 1;
            if depth > self.by_id.len() {
                break;
            }
            cur = t.parent_id.as_ref().and_then(|p| self.by_id.get(p));
        }
        depth
    }

    /// `id` and everything below it.
    fn subtree(&self, id: &TopicKey) -> Vec<TopicKey> {
        let mut out = vec![id.clone()];
        let mut i = 0;
        while i < out.len() {
            let cur = out[i].clone();
            for t in self.by_id.values() {
                if t.parent_id.as_ref() == Some(&cur) && !out.contains(&t.id) {
                    out.push(t.id.clone());
                }
            }
            i += 1;
        }
        out
    }

    /// Levels in the subtree of `id` (1 for a leaf).
    fn height(&self, id: &TopicKey) -> usize {
        self.subtree(id)
            .iter()
            .map(|d| self.depth(d))
            .max()
            .unwrap_or(1)
            .saturating_sub(self.depth(id))
            + 1
    }
}

pub struct NewTopic {
    pub kind: Option<TopicKind>,
    pub title: String,
    pub description: String,
    pub legend: Option<LegendMark>,
    pub resources: Vec<ResourceDoc>,
}

/// Adds a topic to a roadmap under `parent` (the top level when `None`) at `position` (the end
/// when `None`), in one transaction; returns its new key.
pub async fn create_topic(
    db: &DatabaseConnection,
    actor: &Actor,
    roadmap_id: RoadmapId,
    parent: Option<TopicKey>,
    position: Option<i32>,
    input: NewTopic,
) -> Result<TopicKey, AppError> {
    let input = input.checked()?;
    let txn = db.begin().await?;
    touch(&txn, actor, roadmap_id, false, None).await?;
    let live = Live::load(&txn, roadmap_id).await?;
    check_room(&txn, &live, roadmap_id, parent.as_ref()).await?;
    let siblings = live.siblings(parent.as_ref());
    let pos = check_position(position, siblings.len())?;
    let key = free_topic_key(&txn).await?;
    let now = now();
    let shifted: Vec<(TopicKey, i32)> = siblings
        .iter()
        .map(|t| (t.id.clone(), t.position))
        .collect();
    open_gap::<topics::Entity>(&txn, &shifted, pos, now).await?;
    let node = TopicNode {
        id: key.clone(),
        kind: input.kind.unwrap_or(if parent.is_some() {
            TopicKind::Subtopic
        } else {
            TopicKind::Topic
        }),
        title: input.title,
        description: input.description,
        legend: input.legend,
        resources: input.resources,
        children: Vec::new(),
        same_as: None,
        prerequisites: Vec::new(),
    };
    topics::Entity::insert(topic_row(
        roadmap_id,
        parent.as_ref(),
        pos as i32,
        &node,
        now,
    ))
    .exec_without_returning(&txn)
    .await?;
    let rows = resource_rows(&key, &node.resources, now);
    if !rows.is_empty() {
        resources::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    crate::catalog::limits::check_stored_size(&txn, roadmap_id, Input::Whole).await?;
    let created = require_live(&txn, &key).await?;
    let mut after = snapshot(&created);
    after["resources"] = json!(node.resources);
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        Edit::CreateTopic,
        Entity::Topic,
        key.as_str(),
        json!({ "after": after }),
    )
    .await?;
    txn.commit().await?;
    Ok(key)
}

impl NewTopic {
    /// The topic trimmed, with its title, description and resources checked.
    fn checked(self) -> Result<Self, AppError> {
        let title = self.title.trim().to_owned();
        let description = self.description.trim().to_owned();
        document::check_topic_title("title", &title)?;
        document::check_topic_description("description", &description)?;
        let resources: Vec<ResourceDoc> = self
            .resources
            .into_iter()
            .map(ResourceDoc::trimmed)
            .collect();
        document::check_resources("resources", &resources)?;
        Ok(Self {
            title,
            description,
            resources,
            ..self
        })
    }
}

/// Whether the roadmap has room for one more topic under `parent`: the parent is a live topic of
/// it, not nested [`MAX_DEPTH`] deep, and the roadmap holds fewer topics than its limit.
async fn check_room(
    txn: &impl ConnectionTrait,
    live: &Live,
    roadmap_id: RoadmapId,
    parent: Option<&TopicKey>,
) -> Result<(), AppError> {
    if let Some(p) = parent {
        if !live.by_id.contains_key(p) {
            return Err(parent_error(txn, p, Input::Parent).await);
        }
        if live.depth(p) + 1 > MAX_DEPTH {
            return Err(AppError::bad_input(
                Input::Parent,
                format!("topics may nest at most {MAX_DEPTH} levels deep"),
            ));
        }
    }
    let official = crate::catalog::roadmap_editing::require_live(txn, roadmap_id)
        .await?
        .is_official();
    let limit = topic_limit(official);
    if live.by_id.len() >= limit {
        return Err(AppError::bad_input(
            Input::Roadmap,
            format!("this roadmap may hold at most {limit} topics"),
        ));
    }
    Ok(())
}

/// A new random topic key no topic has (topic keys are global).
async fn free_topic_key(txn: &impl ConnectionTrait) -> Result<TopicKey, AppError> {
    let mut key = new_topic_key();
    while topics::Entity::find_by_id(key.clone())
        .one(txn)
        .await?
        .is_some()
    {
        key = new_topic_key();
    }
    Ok(key)
}

/// Why a parent id is refused: it lives in another roadmap (BAD_USER_INPUT), or nowhere.
async fn parent_error(txn: &impl ConnectionTrait, parent: &TopicKey, field: Input) -> AppError {
    match topics::Entity::find_by_id(parent.clone()).one(txn).await {
        Ok(Some(t)) if t.deleted_at.is_none() => AppError::bad_input(
            field,
            Words::quoted(field)
                .then(" is a topic of another roadmap: topics cannot move between roadmaps"),
        ),
        Ok(_) => AppError::NotFound(format!("parent topic `{parent}` not found")),
        Err(e) => e.into(),
    }
}

/// Bumps a live topic's version (checking `expected`), after the roadmap was touched.
async fn bump_topic(
    txn: &impl ConnectionTrait,
    id: &TopicKey,
    expected: Option<i32>,
) -> Result<(), AppError> {
    let mut q = topics::Entity::update_many()
        .col_expr(
            topics::Column::Version,
            Expr::col(topics::Column::Version).add(1),
        )
        .col_expr(topics::Column::UpdatedAt, Expr::value(now()))
        .filter(topics::Column::Id.eq(id))
        .filter(topics::Column::DeletedAt.is_null());
    if let Some(v) = expected {
        q = q.filter(topics::Column::Version.eq(v));
    }
    if q.exec(txn).await?.rows_affected == 1 {
        return Ok(());
    }
    match require_live(txn, id).await {
        Ok(t) => Err(stale("topic", t.version)),
        Err(e) => Err(e),
    }
}

pub struct TopicPatch {
    pub kind: Option<TopicKind>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `Some(None)` clears the legend.
    pub legend: Option<Option<LegendMark>>,
}

pub async fn update_topic(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &TopicKey,
    patch: TopicPatch,
    expected: Option<i32>,
) -> Result<RoadmapId, AppError> {
    let roadmap_id = require_live(db, id).await?.roadmap_id;
    let title = patch.title.map(|t| t.trim().to_owned());
    let description = patch.description.map(|d| d.trim().to_owned());
    if let Some(t) = &title {
        document::check_topic_title("title", t)?;
    }
    if let Some(d) = &description {
        document::check_topic_description("description", d)?;
    }
    let txn = db.begin().await?;
    touch(&txn, actor, roadmap_id, false, None).await?;
    let before = require_live(&txn, id).await?;
    bump_topic(&txn, id, expected).await?;
    let mut q = topics::Entity::update_many().filter(topics::Column::Id.eq(id));
    if let Some(k) = patch.kind {
        q = q.col_expr(topics::Column::Kind, Expr::value(k.to_value()));
    }
    if let Some(t) = title {
        q = q.col_expr(topics::Column::Title, Expr::value(t));
    }
    if let Some(d) = description {
        q = q.col_expr(topics::Column::Description, Expr::value(d));
    }
    if let Some(l) = patch.legend {
        q = q.col_expr(topics::Column::Legend, Expr::value(l.map(|l| l.to_value())));
    }
    q.exec(&txn).await?;
    let after = require_live(&txn, id).await?;
    // Only longer text can make the document larger.
    if after.title.len() + after.description.len() > before.title.len() + before.description.len() {
        crate::catalog::limits::check_stored_size(&txn, roadmap_id, Input::Whole).await?;
    }
    let diff = revisions::diff(&snapshot(&before), &snapshot(&after)).unwrap_or_else(|| json!({}));
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        Edit::UpdateTopic,
        Entity::Topic,
        id.as_str(),
        diff,
    )
    .await?;
    txn.commit().await?;
    Ok(roadmap_id)
}

pub async fn move_topic(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &TopicKey,
    new_parent: Option<TopicKey>,
    position: Option<i32>,
    expected: Option<i32>,
) -> Result<RoadmapId, AppError> {
    let roadmap_id = require_live(db, id).await?.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, actor, roadmap_id, false, None).await?;
    let live = Live::load(&txn, roadmap_id).await?;
    let before = live.by_id.get(id).cloned().ok_or_else(|| not_found(id))?;
    if let Some(p) = &new_parent {
        if !live.by_id.contains_key(p) {
            return Err(parent_error(&txn, p, Input::NewParent).await);
        }
        if live.subtree(id).contains(p) {
            return Err(AppError::bad_input(
                Input::NewParent,
                "a topic cannot move under itself or one of its descendants",
            ));
        }
        if live.depth(p) + live.height(id) > MAX_DEPTH {
            return Err(AppError::bad_input(
                Input::NewParent,
                format!("topics may nest at most {MAX_DEPTH} levels deep"),
            ));
        }
    }
    bump_topic(&txn, id, expected).await?;
    let now = now();
    // Close the gap it leaves, then open one where it goes.
    let old_siblings: Vec<(TopicKey, i32)> = live
        .siblings(before.parent_id.as_ref())
        .into_iter()
        .filter(|t| &t.id != id)
        .map(|t| (t.id.clone(), t.position))
        .collect();
    let same_parent = before.parent_id == new_parent;
    let mut new_siblings: Vec<(TopicKey, i32)> = if same_parent {
        old_siblings.clone()
    } else {
        renumber::<topics::Entity>(&txn, &old_siblings, now).await?;
        live.siblings(new_parent.as_ref())
            .into_iter()
            .map(|t| (t.id.clone(), t.position))
            .collect()
    };
    let pos = check_position(position, new_siblings.len())?;
    // -1 never matches a position, so the moved topic is always written.
    new_siblings.insert(pos, (id.clone(), -1));
    topics::Entity::update_many()
        .col_expr(topics::Column::ParentId, Expr::value(new_parent.clone()))
        .filter(topics::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    renumber::<topics::Entity>(&txn, &new_siblings, now).await?;
    let after = require_live(&txn, id).await?;
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        Edit::MoveTopic,
        Entity::Topic,
        id.as_str(),
        json!({
            "before": { "parentId": before.parent_id, "position": before.position, "title": before.title },
            "after": { "parentId": after.parent_id, "position": after.position, "title": after.title },
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(roadmap_id)
}

/// Soft-deletes a topic and its subtree; learners' progress rows on them stay (out of the counts),
/// and the topics that were the same as one of them stand alone.
pub async fn delete_topic(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &TopicKey,
) -> Result<(RoadmapId, Vec<TopicKey>), AppError> {
    let roadmap_id = require_live(db, id).await?.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, actor, roadmap_id, false, None).await?;
    let live = Live::load(&txn, roadmap_id).await?;
    let before = live.by_id.get(id).cloned().ok_or_else(|| not_found(id))?;
    let gone = live.subtree(id);
    let now = now();
    for chunk in gone.chunks(500) {
        topics::Entity::update_many()
            .col_expr(topics::Column::DeletedAt, Expr::value(Some(now)))
            .col_expr(topics::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                topics::Column::Version,
                Expr::col(topics::Column::Version).add(1),
            )
            .filter(topics::Column::Id.is_in(chunk.iter().cloned()))
            .exec(&txn)
            .await?;
    }
    let siblings: Vec<(TopicKey, i32)> = live
        .siblings(before.parent_id.as_ref())
        .into_iter()
        .filter(|t| &t.id != id)
        .map(|t| (t.id.clone(), t.position))
        .collect();
    renumber::<topics::Entity>(&txn, &siblings, now).await?;
    super::links::dissolve_dead_groups(&txn).await?;
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        Edit::DeleteTopic,
        Entity::Topic,
        id.as_str(),
        json!({ "before": snapshot(&before), "deletedIds": gone }),
    )
    .await?;
    txn.commit().await?;
    Ok((roadmap_id, gone))
}
