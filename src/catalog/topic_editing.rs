//! Admin edits of topics and their resources. Like roadmap edits, each runs in one transaction
//! whose first statement touches the roadmap row (its `updated_at` and date modified), which also
//! queues concurrent edits of the same roadmap behind each other, so sibling positions stay dense.
use std::collections::{HashMap, HashSet};

use entity::{resources, topics};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::{json, Value};

use super::{LegendMark, ResourceKind, TopicKind};
use crate::catalog::document::{self, ResourceDoc, MAX_DEPTH, MAX_TOPICS};
use crate::catalog::export::now;
use crate::catalog::revisions::{self, Actor, Entity};
use crate::catalog::roadmap_editing::{stale, touch};
use crate::error::AppError;

const KEY_LEN: usize = 16;
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new random topic key: 16 base62 characters (about 95 bits).
pub fn new_topic_key() -> String {
    let mut rng = rand::thread_rng();
    (0..KEY_LEN)
        .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
        .collect()
}

fn topic_not_found(id: &str) -> AppError {
    AppError::NotFound(format!("topic `{id}` not found"))
}

/// A live topic, read before the transaction to learn its roadmap (which never changes).
async fn live_topic(db: &impl ConnectionTrait, id: &str) -> Result<topics::Model, AppError> {
    topics::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .filter(|t| t.deleted_at.is_none())
        .ok_or_else(|| topic_not_found(id))
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

fn resource_snapshot(r: &resources::Model) -> Value {
    json!({ "id": r.id, "topicId": r.topic_id, "kind": r.kind, "title": r.title, "url": r.url,
            "position": r.position })
}

pub fn check_title(field: &str, title: &str) -> Result<(), AppError> {
    document::need_line(field, title, 300)
}

pub fn check_description(field: &str, description: &str) -> Result<(), AppError> {
    if description.chars().count() > 20_000 {
        return Err(AppError::bad_input(
            field,
            format!("`{field}` is longer than 20000 characters"),
        ));
    }
    Ok(())
}

pub fn check_resource(prefix: &str, r: &ResourceDoc) -> Result<(), AppError> {
    document::need_line(&format!("{prefix}title"), &r.title, 300)?;
    if !document::is_http_url(&r.url) {
        return Err(AppError::bad_input(
            format!("{prefix}url"),
            format!("`{prefix}url` `{}` must be an http(s) URL", r.url),
        ));
    }
    Ok(())
}

/// The live topics of a roadmap, indexed for tree questions.
struct Live {
    by_id: HashMap<String, topics::Model>,
}

impl Live {
    async fn load(txn: &impl ConnectionTrait, roadmap_id: i32) -> Result<Self, AppError> {
        let rows = crate::catalog::export::live_topics(txn, roadmap_id).await?;
        Ok(Self {
            by_id: rows.into_iter().map(|t| (t.id.clone(), t)).collect(),
        })
    }

    /// Siblings under `parent`, in order.
    fn siblings(&self, parent: Option<&str>) -> Vec<&topics::Model> {
        let mut out: Vec<&topics::Model> = self
            .by_id
            .values()
            .filter(|t| t.parent_id.as_deref() == parent)
            .collect();
        out.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        out
    }

    /// 1 for a root topic.
    fn depth(&self, id: &str) -> usize {
        let mut depth = 0;
        let mut cur = self.by_id.get(id);
        while let Some(t) = cur {
            depth += 1;
            if depth > self.by_id.len() {
                break;
            }
            cur = t.parent_id.as_deref().and_then(|p| self.by_id.get(p));
        }
        depth
    }

    /// `id` and everything below it.
    fn subtree(&self, id: &str) -> Vec<String> {
        let mut out = vec![id.to_owned()];
        let mut i = 0;
        while i < out.len() {
            let cur = out[i].clone();
            for t in self.by_id.values() {
                if t.parent_id.as_deref() == Some(cur.as_str()) && !out.contains(&t.id) {
                    out.push(t.id.clone());
                }
            }
            i += 1;
        }
        out
    }

    /// Levels in the subtree of `id` (1 for a leaf).
    fn height(&self, id: &str) -> usize {
        self.subtree(id)
            .iter()
            .map(|d| self.depth(d))
            .max()
            .unwrap_or(1)
            .saturating_sub(self.depth(id))
            + 1
    }
}

/// Gives `ids` the positions 0, 1, 2… (writing only the rows that change).
async fn renumber(
    txn: &impl ConnectionTrait,
    ids: &[(String, i32)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    for (i, (id, old)) in ids.iter().enumerate() {
        if *old != i as i32 {
            topics::Entity::update_many()
                .col_expr(topics::Column::Position, Expr::value(i as i32))
                .col_expr(topics::Column::UpdatedAt, Expr::value(now))
                .filter(topics::Column::Id.eq(id.as_str()))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

fn check_position(position: Option<i32>, len: usize) -> Result<usize, AppError> {
    match position {
        None => Ok(len),
        Some(p) if p >= 0 && p as usize <= len => Ok(p as usize),
        Some(_) => Err(AppError::bad_input(
            "position",
            format!("`position` must be between 0 and {len}"),
        )),
    }
}

pub struct NewTopic {
    pub kind: Option<TopicKind>,
    pub title: String,
    pub description: String,
    pub legend: Option<LegendMark>,
    pub resources: Vec<ResourceDoc>,
}

pub async fn create_topic(
    db: &DatabaseConnection,
    actor: &Actor,
    roadmap_id: i32,
    parent: Option<String>,
    position: Option<i32>,
    input: NewTopic,
) -> Result<String, AppError> {
    let title = input.title.trim().to_owned();
    let description = input.description.trim().to_owned();
    check_title("title", &title)?;
    check_description("description", &description)?;
    let resources: Vec<ResourceDoc> = input
        .resources
        .into_iter()
        .map(|r| ResourceDoc {
            kind: r.kind,
            title: r.title.trim().to_owned(),
            url: r.url.trim().to_owned(),
        })
        .collect();
    for (i, r) in resources.iter().enumerate() {
        check_resource(&format!("resources[{i}]."), r)?;
    }

    let txn = db.begin().await?;
    touch(&txn, roadmap_id, false, None).await?;
    let live = Live::load(&txn, roadmap_id).await?;
    if let Some(p) = &parent {
        if !live.by_id.contains_key(p) {
            return Err(parent_error(&txn, p, "parentId").await);
        }
        if live.depth(p) + 1 > MAX_DEPTH {
            return Err(AppError::bad_input(
                "parentId",
                format!("topics may nest at most {MAX_DEPTH} levels deep"),
            ));
        }
    }
    if live.by_id.len() >= MAX_TOPICS {
        return Err(AppError::bad_input(
            "roadmapId",
            format!("a roadmap may hold at most {MAX_TOPICS} topics"),
        ));
    }
    let siblings = live.siblings(parent.as_deref());
    let pos = check_position(position, siblings.len())?;

    let mut key = new_topic_key();
    while topics::Entity::find_by_id(key.clone())
        .one(&txn)
        .await?
        .is_some()
    {
        key = new_topic_key();
    }
    let now = now();
    let shifted: Vec<(String, i32)> = siblings
        .iter()
        .map(|t| (t.id.clone(), t.position))
        .collect();
    // Shift the later siblings first, then insert at the gap.
    for (i, (id, old)) in shifted.iter().enumerate().skip(pos) {
        if *old != i as i32 + 1 {
            topics::Entity::update_many()
                .col_expr(topics::Column::Position, Expr::value(i as i32 + 1))
                .filter(topics::Column::Id.eq(id.as_str()))
                .exec(&txn)
                .await?;
        }
    }
    renumber(&txn, &shifted[..pos], now).await?;
    let kind = input.kind.unwrap_or(if parent.is_some() {
        TopicKind::Subtopic
    } else {
        TopicKind::Topic
    });
    let model = topics::ActiveModel {
        id: Set(key.clone()),
        roadmap_id: Set(roadmap_id),
        parent_id: Set(parent.clone()),
        kind: Set(kind.as_str().to_owned()),
        title: Set(title),
        description: Set(description),
        position: Set(pos as i32),
        legend: Set(input.legend.map(|l| l.as_str().to_owned())),
        version: Set(1),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    topics::Entity::insert(model)
        .exec_without_returning(&txn)
        .await?;
    let rows = crate::catalog::import::resource_rows(&key, &resources, now);
    if !rows.is_empty() {
        resources::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    let created = live_topic(&txn, &key).await?;
    let mut after = snapshot(&created);
    after["resources"] = json!(resources);
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        "createTopic",
        Entity::Topic,
        &key,
        json!({ "after": after }),
    )
    .await?;
    txn.commit().await?;
    Ok(key)
}

/// Why a parent id is refused: it lives in another roadmap (BAD_USER_INPUT), or nowhere.
async fn parent_error(txn: &impl ConnectionTrait, parent: &str, field: &str) -> AppError {
    match topics::Entity::find_by_id(parent.to_owned()).one(txn).await {
        Ok(Some(t)) if t.deleted_at.is_none() => AppError::bad_input(
            field,
            format!("`{field}` is a topic of another roadmap: topics cannot move between roadmaps"),
        ),
        Ok(_) => AppError::NotFound(format!("parent topic `{parent}` not found")),
        Err(e) => e.into(),
    }
}

/// Bumps a live topic's version (checking `expected`), after the roadmap was touched.
async fn bump_topic(
    txn: &impl ConnectionTrait,
    id: &str,
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
    match live_topic(txn, id).await {
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
    id: &str,
    patch: TopicPatch,
    expected: Option<i32>,
) -> Result<i32, AppError> {
    let roadmap_id = live_topic(db, id).await?.roadmap_id;
    let title = patch.title.map(|t| t.trim().to_owned());
    let description = patch.description.map(|d| d.trim().to_owned());
    if let Some(t) = &title {
        check_title("title", t)?;
    }
    if let Some(d) = &description {
        check_description("description", d)?;
    }
    let txn = db.begin().await?;
    touch(&txn, roadmap_id, false, None).await?;
    let before = live_topic(&txn, id).await?;
    bump_topic(&txn, id, expected).await?;
    let mut q = topics::Entity::update_many().filter(topics::Column::Id.eq(id));
    if let Some(k) = patch.kind {
        q = q.col_expr(topics::Column::Kind, Expr::value(k.as_str()));
    }
    if let Some(t) = title {
        q = q.col_expr(topics::Column::Title, Expr::value(t));
    }
    if let Some(d) = description {
        q = q.col_expr(topics::Column::Description, Expr::value(d));
    }
    if let Some(l) = patch.legend {
        q = q.col_expr(
            topics::Column::Legend,
            Expr::value(l.map(|l| l.as_str().to_owned())),
        );
    }
    q.exec(&txn).await?;
    let after = live_topic(&txn, id).await?;
    let diff = revisions::diff(&snapshot(&before), &snapshot(&after)).unwrap_or_else(|| json!({}));
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        "updateTopic",
        Entity::Topic,
        id,
        diff,
    )
    .await?;
    txn.commit().await?;
    Ok(roadmap_id)
}

pub async fn move_topic(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
    new_parent: Option<String>,
    position: Option<i32>,
    expected: Option<i32>,
) -> Result<i32, AppError> {
    let roadmap_id = live_topic(db, id).await?.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, roadmap_id, false, None).await?;
    let live = Live::load(&txn, roadmap_id).await?;
    let before = live
        .by_id
        .get(id)
        .cloned()
        .ok_or_else(|| topic_not_found(id))?;
    if let Some(p) = &new_parent {
        if !live.by_id.contains_key(p) {
            return Err(parent_error(&txn, p, "newParentId").await);
        }
        if live.subtree(id).contains(p) {
            return Err(AppError::bad_input(
                "newParentId",
                "a topic cannot move under itself or one of its descendants",
            ));
        }
        if live.depth(p) + live.height(id) > MAX_DEPTH {
            return Err(AppError::bad_input(
                "newParentId",
                format!("topics may nest at most {MAX_DEPTH} levels deep"),
            ));
        }
    }
    bump_topic(&txn, id, expected).await?;
    let now = now();
    // Close the gap it leaves, then open one where it goes.
    let old_siblings: Vec<(String, i32)> = live
        .siblings(before.parent_id.as_deref())
        .into_iter()
        .filter(|t| t.id != id)
        .map(|t| (t.id.clone(), t.position))
        .collect();
    let same_parent = before.parent_id == new_parent;
    let mut new_siblings: Vec<(String, i32)> = if same_parent {
        old_siblings.clone()
    } else {
        renumber(&txn, &old_siblings, now).await?;
        live.siblings(new_parent.as_deref())
            .into_iter()
            .map(|t| (t.id.clone(), t.position))
            .collect()
    };
    let pos = check_position(position, new_siblings.len())?;
    // -1 never matches a position, so the moved topic is always written.
    new_siblings.insert(pos, (id.to_owned(), -1));
    topics::Entity::update_many()
        .col_expr(topics::Column::ParentId, Expr::value(new_parent.clone()))
        .filter(topics::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    renumber(&txn, &new_siblings, now).await?;
    let after = live_topic(&txn, id).await?;
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        "moveTopic",
        Entity::Topic,
        id,
        json!({
            "before": { "parentId": before.parent_id, "position": before.position, "title": before.title },
            "after": { "parentId": after.parent_id, "position": after.position, "title": after.title },
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(roadmap_id)
}

/// Soft-deletes a topic and its subtree; learners' progress rows on them stay (out of the counts).
pub async fn delete_topic(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
) -> Result<(i32, Vec<String>), AppError> {
    let roadmap_id = live_topic(db, id).await?.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, roadmap_id, false, None).await?;
    let live = Live::load(&txn, roadmap_id).await?;
    let before = live
        .by_id
        .get(id)
        .cloned()
        .ok_or_else(|| topic_not_found(id))?;
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
    let siblings: Vec<(String, i32)> = live
        .siblings(before.parent_id.as_deref())
        .into_iter()
        .filter(|t| t.id != id)
        .map(|t| (t.id.clone(), t.position))
        .collect();
    renumber(&txn, &siblings, now).await?;
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        "deleteTopic",
        Entity::Topic,
        id,
        json!({ "before": snapshot(&before), "deletedIds": gone }),
    )
    .await?;
    txn.commit().await?;
    Ok((roadmap_id, gone))
}

// ---- resources ----

async fn topic_resources(
    txn: &impl ConnectionTrait,
    topic_id: &str,
) -> Result<Vec<resources::Model>, AppError> {
    Ok(resources::Entity::find()
        .filter(resources::Column::TopicId.eq(topic_id))
        .order_by_asc(resources::Column::Position)
        .order_by_asc(resources::Column::Id)
        .all(txn)
        .await?)
}

async fn renumber_resources(
    txn: &impl ConnectionTrait,
    list: &[(i32, i32)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    for (i, (id, old)) in list.iter().enumerate() {
        if *old != i as i32 {
            resources::Entity::update_many()
                .col_expr(resources::Column::Position, Expr::value(i as i32))
                .col_expr(resources::Column::UpdatedAt, Expr::value(now))
                .filter(resources::Column::Id.eq(*id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

fn resource_not_found(id: i32) -> AppError {
    AppError::NotFound(format!("resource {id} not found"))
}

/// A resource of a live topic, with that topic's roadmap.
async fn live_resource(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<(resources::Model, topics::Model), AppError> {
    let r = resources::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| resource_not_found(id))?;
    let t = live_topic(db, &r.topic_id)
        .await
        .map_err(|_| resource_not_found(id))?;
    Ok((r, t))
}

pub async fn add_resource(
    db: &DatabaseConnection,
    actor: &Actor,
    topic_id: &str,
    input: ResourceDoc,
    position: Option<i32>,
) -> Result<(i32, resources::Model), AppError> {
    let input = ResourceDoc {
        kind: input.kind,
        title: input.title.trim().to_owned(),
        url: input.url.trim().to_owned(),
    };
    check_resource("", &input)?;
    let roadmap_id = live_topic(db, topic_id).await?.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, roadmap_id, false, None).await?;
    live_topic(&txn, topic_id).await?;
    let list = topic_resources(&txn, topic_id).await?;
    if list.len() >= 100 {
        return Err(AppError::bad_input(
            "topicId",
            "a topic may have at most 100 resources",
        ));
    }
    let pos = check_position(position, list.len())?;
    let now = now();
    let mut order: Vec<(i32, i32)> = list.iter().map(|r| (r.id, r.position)).collect();
    // Make room at `pos`.
    for (i, (rid, old)) in order.iter().enumerate().skip(pos) {
        if *old != i as i32 + 1 {
            resources::Entity::update_many()
                .col_expr(resources::Column::Position, Expr::value(i as i32 + 1))
                .filter(resources::Column::Id.eq(*rid))
                .exec(&txn)
                .await?;
        }
    }
    renumber_resources(&txn, &order[..pos], now).await?;
    let created = resources::ActiveModel {
        id: NotSet,
        topic_id: Set(topic_id.to_owned()),
        kind: Set(input.kind.as_str().to_owned()),
        title: Set(input.title.clone()),
        url: Set(input.url.clone()),
        position: Set(pos as i32),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    order.insert(pos, (created.id, pos as i32));
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        "addResource",
        Entity::Resource,
        &created.id.to_string(),
        json!({ "after": resource_snapshot(&created) }),
    )
    .await?;
    txn.commit().await?;
    Ok((roadmap_id, created))
}

pub struct ResourcePatch {
    pub kind: Option<ResourceKind>,
    pub title: Option<String>,
    pub url: Option<String>,
}

pub async fn update_resource(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    patch: ResourcePatch,
) -> Result<(i32, resources::Model), AppError> {
    let (_, topic) = live_resource(db, id).await?;
    let roadmap_id = topic.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, roadmap_id, false, None).await?;
    let (before, _) = live_resource(&txn, id).await?;
    let after_doc = ResourceDoc {
        kind: match patch.kind {
            Some(k) => k,
            None => ResourceKind::parse(&before.kind)
                .ok_or_else(|| AppError::internal("stored resource kind is not valid"))?,
        },
        title: patch
            .title
            .map(|t| t.trim().to_owned())
            .unwrap_or_else(|| before.title.clone()),
        url: patch
            .url
            .map(|u| u.trim().to_owned())
            .unwrap_or_else(|| before.url.clone()),
    };
    check_resource("", &after_doc)?;
    resources::Entity::update_many()
        .col_expr(
            resources::Column::Kind,
            Expr::value(after_doc.kind.as_str()),
        )
        .col_expr(
            resources::Column::Title,
            Expr::value(after_doc.title.as_str()),
        )
        .col_expr(resources::Column::Url, Expr::value(after_doc.url.as_str()))
        .col_expr(resources::Column::UpdatedAt, Expr::value(now()))
        .filter(resources::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let (after, _) = live_resource(&txn, id).await?;
    let diff = revisions::diff(&resource_snapshot(&before), &resource_snapshot(&after))
        .unwrap_or_else(|| json!({}));
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        "updateResource",
        Entity::Resource,
        &id.to_string(),
        diff,
    )
    .await?;
    txn.commit().await?;
    Ok((roadmap_id, after))
}

pub async fn remove_resource(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> Result<(i32, String), AppError> {
    let (_, topic) = live_resource(db, id).await?;
    let roadmap_id = topic.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, roadmap_id, false, None).await?;
    let (before, topic) = live_resource(&txn, id).await?;
    resources::Entity::delete_by_id(id).exec(&txn).await?;
    let rest: Vec<(i32, i32)> = topic_resources(&txn, &topic.id)
        .await?
        .iter()
        .map(|r| (r.id, r.position))
        .collect();
    renumber_resources(&txn, &rest, now()).await?;
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        "removeResource",
        Entity::Resource,
        &id.to_string(),
        json!({ "before": resource_snapshot(&before) }),
    )
    .await?;
    txn.commit().await?;
    Ok((roadmap_id, topic.id))
}

/// Puts a topic's resources in the given order; `ids` must list each of them exactly once.
pub async fn reorder_resources(
    db: &DatabaseConnection,
    actor: &Actor,
    topic_id: &str,
    ids: Vec<i32>,
) -> Result<i32, AppError> {
    let roadmap_id = live_topic(db, topic_id).await?.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, roadmap_id, false, None).await?;
    live_topic(&txn, topic_id).await?;
    let list = topic_resources(&txn, topic_id).await?;
    let have: HashSet<i32> = list.iter().map(|r| r.id).collect();
    let given: HashSet<i32> = ids.iter().copied().collect();
    if given.len() != ids.len() || have != given {
        return Err(AppError::bad_input(
            "resourceIds",
            format!(
                "`resourceIds` must list each of the topic's {} resources exactly once",
                list.len()
            ),
        ));
    }
    let old: HashMap<i32, i32> = list.iter().map(|r| (r.id, r.position)).collect();
    let order: Vec<(i32, i32)> = ids
        .iter()
        .map(|id| (*id, old.get(id).copied().unwrap_or(-1)))
        .collect();
    renumber_resources(&txn, &order, now()).await?;
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        "reorderResources",
        Entity::Topic,
        topic_id,
        json!({ "before": { "resourceIds": list.iter().map(|r| r.id).collect::<Vec<_>>() },
                "after": { "resourceIds": ids } }),
    )
    .await?;
    txn.commit().await?;
    Ok(roadmap_id)
}
