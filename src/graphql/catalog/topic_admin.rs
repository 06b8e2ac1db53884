//! GraphQL mutations of topics and resources, for each roadmap's owner and for admins. Thin: ids
//! and inputs in, the catalogue's `topic_editing` and `resource_editing` do the work, the changed
//! objects come back (read fresh, after the commit).
use std::sync::Arc;

use super::inputs::ResourceInput;
use super::roadmap::Roadmap;
use super::roadmap_admin::actor;
use super::topic::{tree_of, Resource, Topic, TreeTopics};
use crate::catalog::limits;
use crate::catalog::resource_editing::{self, ResourcePatch};
use crate::catalog::roadmaps;
use crate::catalog::topic_editing::{self as editing, NewTopic, TopicPatch};
use crate::error::AppError;
use crate::graphql::context::db;
use crate::graphql::enums::{LegendMark, ResourceKind, TopicKind};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;
use crate::text::{self, AtField};
use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject, ID};
use entity::ids::{RoadmapId, TopicKey};

/// A new topic's fields (`createTopic`). Invalid values fail with `BAD_USER_INPUT` naming the
/// field.
#[derive(InputObject)]
pub struct CreateTopicInput {
    /// One line. At most 300 characters.
    pub title: String,
    /// Markdown. At most 20,000 characters.
    #[graphql(default)]
    pub description: String,
    /// By default TOPIC at the root and SUBTOPIC below it.
    pub kind: Option<TopicKind>,
    /// The legend mark to show; omit for none.
    pub legend: Option<LegendMark>,
    /// Learning resources, in order. At most 100 items.
    #[graphql(default)]
    pub resources: Vec<ResourceInput>,
}

/// Only the fields given change; `legend: null` clears the legend.
#[derive(InputObject, Default)]
pub struct UpdateTopicInput {
    /// New title: one line. Cannot be null. At most 300 characters.
    pub title: MaybeUndefined<String>,
    /// New description: markdown. Cannot be null. At most 20,000 characters.
    pub description: MaybeUndefined<String>,
    /// New kind. Cannot be null.
    pub kind: MaybeUndefined<TopicKind>,
    /// New legend mark; null clears it.
    pub legend: MaybeUndefined<LegendMark>,
}

/// Only the fields given change; none of them can be null.
#[derive(InputObject, Default)]
pub struct UpdateResourceInput {
    /// New kind.
    pub kind: MaybeUndefined<ResourceKind>,
    /// New link text: one line. At most 300 characters.
    pub title: MaybeUndefined<String>,
    /// New absolute http(s) URL. At most 2,000 characters.
    pub url: MaybeUndefined<String>,
}

fn required<T>(v: MaybeUndefined<T>, field: &str) -> Result<Option<T>, AppError> {
    match v {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Err(AppError::bad_input(
            field,
            format!("`{field}` cannot be null"),
        )),
        MaybeUndefined::Value(x) => Ok(Some(x)),
    }
}

/// What `deleteTopic` removed.
#[derive(SimpleObject)]
pub struct DeleteTopicPayload {
    /// Global ids of the topic and every topic below it.
    pub deleted_topic_ids: Vec<ID>,
    /// The roadmap, with its tree as it is now.
    pub roadmap: Roadmap,
}

/// The resource added or changed, and its topic.
#[derive(SimpleObject)]
pub struct ResourcePayload {
    /// The resource as it is now.
    pub resource: Resource,
    /// The topic, with its resources in their new order.
    pub topic: Topic,
}

/// What `removeResource` removed.
#[derive(SimpleObject)]
pub struct RemoveResourcePayload {
    /// Global id of the removed resource (remove it from your cache).
    pub removed_resource_id: ID,
    /// The topic, with its remaining resources in order.
    pub topic: Topic,
}

/// A topic read fresh after a change (the per-request loaders do not cache).
async fn load_topic(ctx: &Context<'_>, roadmap_id: RoadmapId, key: &TopicKey) -> ApiResult<Topic> {
    let tree = tree_of(ctx, roadmap_id).await?;
    tree.index_of(key)
        .map(|i| tree.topic(i))
        .ok_or_else(|| AppError::NotFound(format!("topic `{key}` not found")).into())
}

async fn load_roadmap(ctx: &Context<'_>, id: RoadmapId) -> ApiResult<Roadmap> {
    roadmaps::by_id(db(ctx), id)
        .await?
        .map(|m| Roadmap(Arc::new(m)))
        .ok_or_else(|| AppError::NotFound(format!("roadmap {id} not found")).into())
}

fn optional_topic(id: Option<ID>, field: &str) -> Result<Option<TopicKey>, AppError> {
    id.map(|id| GlobalId::topic(&id, field)).transpose()
}

#[derive(Default)]
pub struct TopicMutation;

#[Object]
impl TopicMutation {
    /// Adds a topic under `parentId` (or at the root) at `position` among its siblings (by default
    /// last); later siblings move down one. Its key is a new random 16-character id. Owners and
    /// admins (`FORBIDDEN` on a roadmap you can read but not edit). A missing roadmap or parent
    /// fails with `NOT_FOUND`; more topics than the roadmap may hold (5,000; 2,000 on a learner's
    /// own roadmap), nesting deeper than 8 levels
    /// or a position out of range fail with `BAD_USER_INPUT` (field named).
    #[graphql(guard = "SignedIn")]
    async fn create_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] roadmap_id: ID,
        #[graphql(desc = "Global id of the parent topic; null or omitted for the root.")]
        parent_id: Option<ID>,
        #[graphql(desc = "Index among the siblings, 0 to their count; by default last.")]
        position: Option<i32>,
        #[graphql(desc = "The new topic's fields.")] input: CreateTopicInput,
    ) -> ApiResult<Topic> {
        let roadmap_id = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let parent = optional_topic(parent_id, "parentId")?;
        let actor = actor(ctx).await?;
        let key = editing::create_topic(
            db(ctx),
            &actor,
            roadmap_id,
            parent,
            position,
            NewTopic {
                kind: input.kind.map(Into::into),
                title: input.title,
                description: input.description,
                legend: input.legend.map(Into::into),
                resources: input.resources.into_iter().map(Into::into).collect(),
            },
        )
        .await?;
        load_topic(ctx, roadmap_id, &key).await
    }

    /// Changes only the fields given. Owners and admins (`FORBIDDEN` on a roadmap you can read but
    /// not edit). With `expectedVersion`, fails with `CONFLICT` (field `expectedVersion`) when the
    /// topic has changed since that version was read; a missing topic fails with `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn update_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateTopicInput,
        #[graphql(desc = "The `Topic.version` you read; omit to skip the check.")]
        expected_version: Option<i32>,
    ) -> ApiResult<Topic> {
        let key = GlobalId::topic(&id, "id")?;
        let patch = TopicPatch {
            kind: required(input.kind, "kind")?.map(Into::into),
            title: required(input.title, "title")?,
            description: required(input.description, "description")?,
            legend: match input.legend {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(l) => Some(Some(l.into())),
            },
        };
        let actor = actor(ctx).await?;
        let roadmap_id =
            editing::update_topic(db(ctx), &actor, &key, patch, expected_version).await?;
        load_topic(ctx, roadmap_id, &key).await
    }

    /// Moves a topic (with its subtree) under `newParentId` (null: the root) at `position` (by
    /// default last). Refuses cycles and moves to another roadmap; positions stay dense. Whoever
    /// may edit the roadmap (its owner, its team's owners and managers, admins). Refusals fail with `BAD_USER_INPUT` (field named), a stale `expectedVersion` with
    /// `CONFLICT`, a missing topic with `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn move_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id.")] id: ID,
        #[graphql(desc = "Global id of the new parent, in the same roadmap; null for the root.")]
        new_parent_id: Option<ID>,
        #[graphql(desc = "Index among the new siblings; by default last.")] position: Option<i32>,
        #[graphql(desc = "The `Topic.version` you read; omit to skip the check.")]
        expected_version: Option<i32>,
    ) -> ApiResult<Topic> {
        let key = GlobalId::topic(&id, "id")?;
        let parent = optional_topic(new_parent_id, "newParentId")?;
        let actor = actor(ctx).await?;
        let roadmap_id =
            editing::move_topic(db(ctx), &actor, &key, parent, position, expected_version).await?;
        load_topic(ctx, roadmap_id, &key).await
    }

    /// Soft-deletes a topic and its subtree. Learners' progress on them is kept but no longer
    /// counted. Owners and admins (`FORBIDDEN` on a roadmap you can read but not edit). A missing
    /// topic fails with `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn delete_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id.")] id: ID,
    ) -> ApiResult<DeleteTopicPayload> {
        let key = GlobalId::topic(&id, "id")?;
        let actor = actor(ctx).await?;
        let (roadmap_id, gone) = editing::delete_topic(db(ctx), &actor, &key).await?;
        Ok(DeleteTopicPayload {
            deleted_topic_ids: gone
                .into_iter()
                .map(|k| GlobalId::Topic(k).encode())
                .collect(),
            roadmap: load_roadmap(ctx, roadmap_id).await?,
        })
    }

    /// Adds a resource to a topic at `position` (by default last). Owners and admins (`FORBIDDEN`
    /// on a roadmap you can read but not edit). A missing topic fails with `NOT_FOUND`; a topic
    /// with 100 resources, an invalid value or a position out of range with `BAD_USER_INPUT` (field
    /// named).
    #[graphql(guard = "SignedIn")]
    async fn add_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id.")] topic_id: ID,
        #[graphql(desc = "The new resource.")] input: ResourceInput,
        #[graphql(desc = "Index among the topic's resources, 0 to their count; by default last.")]
        position: Option<i32>,
    ) -> ApiResult<ResourcePayload> {
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let actor = actor(ctx).await?;
        let (roadmap_id, created) =
            resource_editing::add_resource(db(ctx), &actor, &key, input.into(), position).await?;
        Ok(ResourcePayload {
            resource: Resource(Arc::new(created)),
            topic: load_topic(ctx, roadmap_id, &key).await?,
        })
    }

    /// Changes only the fields given. Owners and admins (`FORBIDDEN` on a roadmap you can read but
    /// not edit). A missing resource fails with `NOT_FOUND`, an invalid value with `BAD_USER_INPUT`
    /// (field named).
    #[graphql(guard = "SignedIn")]
    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource's global id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateResourceInput,
    ) -> ApiResult<ResourcePayload> {
        let rid = GlobalId::resource(&id, "id")?;
        let patch = ResourcePatch {
            kind: required(input.kind, "kind")?.map(Into::into),
            title: required(input.title, "title")?,
            url: required(input.url, "url")?,
        };
        let actor = actor(ctx).await?;
        let (roadmap_id, updated) =
            resource_editing::update_resource(db(ctx), &actor, rid, patch).await?;
        let topic = load_topic(ctx, roadmap_id, &updated.topic_id).await?;
        Ok(ResourcePayload {
            resource: Resource(Arc::new(updated)),
            topic,
        })
    }

    /// Deletes a resource from its topic. Owners and admins (`FORBIDDEN` on a roadmap you can read
    /// but not edit). A missing resource fails with `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn remove_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The resource's global id.")] id: ID,
    ) -> ApiResult<RemoveResourcePayload> {
        let rid = GlobalId::resource(&id, "id")?;
        let actor = actor(ctx).await?;
        let (roadmap_id, topic_key) =
            resource_editing::remove_resource(db(ctx), &actor, rid).await?;
        Ok(RemoveResourcePayload {
            removed_resource_id: GlobalId::Resource(rid).encode(),
            topic: load_topic(ctx, roadmap_id, &topic_key).await?,
        })
    }

    /// Puts a topic's resources in the order of `resourceIds`, which must list each exactly once
    /// (else `BAD_USER_INPUT` with field `resourceIds`). Owners and admins (`FORBIDDEN` on a
    /// roadmap you can read but not edit). A missing topic fails with `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn reorder_resources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id.")] topic_id: ID,
        #[graphql(
            desc = "Global ids of all the topic's resources, in the new order. At most 100 items."
        )]
        resource_ids: Vec<ID>,
    ) -> ApiResult<Topic> {
        text::max_items(&resource_ids, limits::MAX_RESOURCES).at("resourceIds")?;
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let ids = resource_ids
            .iter()
            .enumerate()
            .map(|(i, id)| GlobalId::resource(id, &format!("resourceIds[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let actor = actor(ctx).await?;
        let roadmap_id = resource_editing::reorder_resources(db(ctx), &actor, &key, ids).await?;
        load_topic(ctx, roadmap_id, &key).await
    }
}
