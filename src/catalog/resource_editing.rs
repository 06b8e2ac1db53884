//! Edits (by the roadmap's editors: see `auth::Editor`) of a topic's resources: add, update, remove
//! and reorder. Each runs in one transaction that first touches the roadmap row, as topic edits do
//! (see `topic_editing`).
use std::collections::{HashMap, HashSet};

use entity::ids::{ResourceId, RoadmapId, TopicKey};
use entity::{resources, topics};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveEnum;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde_json::{json, Value};

use super::ResourceKind;
use crate::catalog::document::{self, ResourceDoc};
use crate::catalog::export::now;
use crate::catalog::positions::{check_position, open_gap, renumber};
use crate::catalog::revisions::{self, Actor, Edit, Entity};
use crate::catalog::roadmap_editing::touch;
use crate::catalog::rows::resource_row;
use crate::catalog::topics::require_live;
use crate::error::{AppError, Input, Words};

fn resource_snapshot(r: &resources::Model) -> Value {
    json!({ "id": r.id, "topicId": r.topic_id, "kind": r.kind, "title": r.title, "url": r.url,
            "position": r.position })
}

async fn topic_resources(
    txn: &impl ConnectionTrait,
    topic_id: &TopicKey,
) -> Result<Vec<resources::Model>, AppError> {
    Ok(resources::Entity::find()
        .filter(resources::Column::TopicId.eq(topic_id))
        .order_by_asc(resources::Column::Position)
        .order_by_asc(resources::Column::Id)
        .all(txn)
        .await?)
}

fn resource_not_found(id: ResourceId) -> AppError {
    AppError::NotFound(format!("resource {id} not found"))
}

/// A resource of a live topic, with that topic's roadmap.
async fn live_resource(
    db: &impl ConnectionTrait,
    id: ResourceId,
) -> Result<(resources::Model, topics::Model), AppError> {
    let r = resources::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| resource_not_found(id))?;
    let t = require_live(db, &r.topic_id)
        .await
        .map_err(|_| resource_not_found(id))?;
    Ok((r, t))
}

pub async fn add_resource(
    db: &DatabaseConnection,
    actor: &Actor,
    topic_id: &TopicKey,
    input: ResourceDoc,
    position: Option<i32>,
) -> Result<(RoadmapId, resources::Model), AppError> {
    let input = input.trimmed();
    document::check_resource("", &input)?;
    let roadmap_id = require_live(db, topic_id).await?.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, actor, roadmap_id, false, None).await?;
    require_live(&txn, topic_id).await?;
    let list = topic_resources(&txn, topic_id).await?;
    if list.len() >= super::limits::MAX_RESOURCES {
        return Err(AppError::bad_input(
            Input::Topic,
            format!(
                "a topic may have at most {} resources",
                super::limits::MAX_RESOURCES
            ),
        ));
    }
    let pos = check_position(position, list.len())?;
    let now = now();
    let order: Vec<(ResourceId, i32)> = list.iter().map(|r| (r.id, r.position)).collect();
    open_gap::<resources::Entity>(&txn, &order, pos, now).await?;
    let created = resource_row(topic_id, &input, pos as i32, now)
        .insert(&txn)
        .await?;
    super::limits::check_stored_size(&txn, roadmap_id, Input::Whole).await?;
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        Edit::AddResource,
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
    id: ResourceId,
    patch: ResourcePatch,
) -> Result<(RoadmapId, resources::Model), AppError> {
    let (_, topic) = live_resource(db, id).await?;
    let roadmap_id = topic.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, actor, roadmap_id, false, None).await?;
    let (before, _) = live_resource(&txn, id).await?;
    let after_doc = ResourceDoc {
        kind: match patch.kind {
            Some(k) => k,
            None => before.kind,
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
    document::check_resource("", &after_doc)?;
    resources::Entity::update_many()
        .col_expr(
            resources::Column::Kind,
            Expr::value(after_doc.kind.to_value()),
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
    // Only longer text can make the document larger.
    if after.title.len() + after.url.len() > before.title.len() + before.url.len() {
        super::limits::check_stored_size(&txn, roadmap_id, Input::Whole).await?;
    }
    let diff = revisions::diff(&resource_snapshot(&before), &resource_snapshot(&after))
        .unwrap_or_else(|| json!({}));
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        Edit::UpdateResource,
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
    id: ResourceId,
) -> Result<(RoadmapId, TopicKey), AppError> {
    let (_, topic) = live_resource(db, id).await?;
    let roadmap_id = topic.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, actor, roadmap_id, false, None).await?;
    let (before, topic) = live_resource(&txn, id).await?;
    resources::Entity::delete_by_id(id).exec(&txn).await?;
    let rest: Vec<(ResourceId, i32)> = topic_resources(&txn, &topic.id)
        .await?
        .iter()
        .map(|r| (r.id, r.position))
        .collect();
    renumber::<resources::Entity>(&txn, &rest, now()).await?;
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        Edit::RemoveResource,
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
    topic_id: &TopicKey,
    ids: Vec<ResourceId>,
) -> Result<RoadmapId, AppError> {
    let roadmap_id = require_live(db, topic_id).await?.roadmap_id;
    let txn = db.begin().await?;
    touch(&txn, actor, roadmap_id, false, None).await?;
    require_live(&txn, topic_id).await?;
    let list = topic_resources(&txn, topic_id).await?;
    let have: HashSet<ResourceId> = list.iter().map(|r| r.id).collect();
    let given: HashSet<ResourceId> = ids.iter().copied().collect();
    if given.len() != ids.len() || have != given {
        return Err(AppError::bad_input(
            Input::ResourceOrder,
            Words::quoted(Input::ResourceOrder).then(format!(
                " must list each of the topic's {} resources exactly once",
                list.len()
            )),
        ));
    }
    let old: HashMap<ResourceId, i32> = list.iter().map(|r| (r.id, r.position)).collect();
    let order: Vec<(ResourceId, i32)> = ids
        .iter()
        .map(|id| (*id, old.get(id).copied().unwrap_or(-1)))
        .collect();
    renumber::<resources::Entity>(&txn, &order, now()).await?;
    revisions::record(
        &txn,
        roadmap_id,
        actor,
        Edit::ReorderResources,
        Entity::Topic,
        topic_id.as_str(),
        json!({ "before": { "resourceIds": list.iter().map(|r| r.id).collect::<Vec<_>>() },
                "after": { "resourceIds": ids } }),
    )
    .await?;
    txn.commit().await?;
    Ok(roadmap_id)
}
